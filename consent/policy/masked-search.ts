// Masked elements are no search criteria. A mask (masks.ts) drops elements from what a caller gets, but a search
// that filters, sorts, tests for presence or includes by such an element tells the caller its value all the same
// (`Patient?birthdate=1941-03-12` finds the client or not; prefixes and comma lists bisect any value). So a search
// parameter whose FHIRPath expression reads an element hidden from the caller on the type it applies to is
// refused, wherever it appears in a Plan: a type's criteria, chains, _has, _sort, :missing, composites, _include /
// _revinclude, and the criteria of conditional writes (checked by the storage's read filter, access-filter.ts);
// `_elements` naming a hidden element is refused as well.
// What is hidden comes in as a lookup per type (the mask's complement today; other rules may add elements later),
// and which parameters that hides is derived from the SearchParameter expressions, once per hidden set and type.
import {
  AsAtom,
  type Atom,
  DotAtom,
  FhirPathAtom,
  FunctionAtom,
  getExpressionForResourceType,
  IndexerAtom,
  InfixOperatorAtom,
  IsAtom,
  parseFhirPath,
  PrefixOperatorAtom,
  SymbolAtom,
  tryGetDataType,
} from '@medplum/core';
import { errors } from '../../server/errors.js';
import { searchParameters, type ParamDefinition } from '../../server/fhir/search/parameters.js';
import type { Condition } from '../../server/contracts/condition.js';
import type { Plan } from '../../server/contracts/search-plan.js';
import type { Decision } from './decide.js';
import { keptElements } from './masks.js';
import type { MaskName } from './rules.js';

/** The top-level elements (JSON names: `birthDate`, `deceasedBoolean`) hidden from the caller on a type; undefined: none. */
export type HiddenElements = (resourceType: string) => ReadonlySet<string> | undefined;

/** A search parameter that reads a hidden element: `stored` is the code its values are kept under (parameters.ts). */
export interface HiddenParameter {
  code: string;
  stored: string;
  /** The first hidden element its expression reads; `*` when the expression cannot be bounded (it may read any). */
  element: string;
}

/** Where a search uses what the caller may not see. */
export interface HiddenUse {
  resourceType: string;
  /** The parameter's code (or `_elements`). */
  parameter: string;
  element: string;
  /** How the search used it, for the diagnostics: `birthdate`, `_sort=birthdate`, `_include=DeviceRequest:reason-reference`. */
  usage: string;
}

// -- what an expression reads --------------------------------------------------------------------------------

/** Names that stand for the resource itself at the start of a path. */
function isRoot(atom: Atom, resourceType: string): boolean {
  return (
    atom instanceof SymbolAtom &&
    [resourceType, 'Resource', 'DomainResource', '%resource', '%rootResource'].includes(atom.name)
  );
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The JSON names of a top-level element: itself, or every type of a choice (`deceased` -> deceasedBoolean, deceasedDateTime). */
export function jsonNames(resourceType: string, element: string): string[] {
  const elements = tryGetDataType(resourceType)?.elements ?? {};
  const choice = elements[`${element}[x]`];
  if (!elements[element] && choice) {
    return choice.type.map((t) => `${element}${capitalise(t.code)}`);
  }
  return [element];
}

/** The type name of `as(T)`, `ofType(T)`, `as T` (`FHIR.Quantity` -> Quantity). */
function typeName(atom: Atom | undefined): string | undefined {
  return atom instanceof SymbolAtom ? atom.name.replace(/^(FHIR|System)\./, '') : undefined;
}

interface Reads {
  names: Set<string>;
  /** Some part reads the resource in a way not understood here (a bare root, a function on it): assume everything. */
  unknown: boolean;
}

/** `Type.step` -> step, else undefined. */
function rootStep(atom: Atom, resourceType: string): string | undefined {
  return atom instanceof DotAtom && isRoot(atom.left, resourceType) && atom.right instanceof SymbolAtom
    ? atom.right.name
    : undefined;
}

/** Collects the first steps after the resource that `atom` reads, narrowing a choice where `as` / `ofType` says which. */
function visit(atom: Atom, resourceType: string, reads: Reads): void {
  if (atom instanceof FhirPathAtom) {
    visit(atom.child, resourceType, reads);
    return;
  }
  if (atom instanceof DotAtom) {
    if (isRoot(atom.left, resourceType)) {
      if (atom.right instanceof SymbolAtom) {
        for (const name of jsonNames(resourceType, atom.right.name)) reads.names.add(name);
      } else if (atom.right instanceof FunctionAtom && atom.right.name === 'extension') {
        reads.names.add('extension');
      } else {
        reads.unknown = true;
      }
      return;
    }
    const step = rootStep(atom.left, resourceType);
    const narrowed =
      atom.right instanceof FunctionAtom && ['as', 'ofType'].includes(atom.right.name)
        ? typeName(atom.right.args[0])
        : undefined;
    if (step && narrowed) {
      reads.names.add(`${step}${capitalise(narrowed)}`);
      return;
    }
    visit(atom.left, resourceType, reads);
    visit(atom.right, resourceType, reads);
    return;
  }
  if (atom instanceof AsAtom) {
    const step = rootStep(atom.left, resourceType);
    const narrowed = typeName(atom.right);
    if (step && narrowed) {
      reads.names.add(`${step}${capitalise(narrowed)}`);
      return;
    }
    visit(atom.left, resourceType, reads);
    return;
  }
  if (atom instanceof IsAtom) {
    visit(atom.left, resourceType, reads); // the right side is a type name, not a path
    return;
  }
  if (atom instanceof InfixOperatorAtom) {
    visit(atom.left, resourceType, reads);
    visit(atom.right, resourceType, reads);
    return;
  }
  if (atom instanceof IndexerAtom) {
    visit(atom.left, resourceType, reads);
    visit(atom.expr, resourceType, reads);
    return;
  }
  if (atom instanceof PrefixOperatorAtom) {
    visit(atom.child, resourceType, reads);
    return;
  }
  if (atom instanceof FunctionAtom) {
    for (const arg of atom.args) visit(arg, resourceType, reads);
    return;
  }
  if (isRoot(atom, resourceType)) {
    reads.unknown = true; // the whole resource
  }
  // Any other symbol is relative to a focus inside the resource (`where(system = 'phone')`); literals read nothing.
}

/**
 * The top-level elements (JSON names) a parameter's expression reads on `resourceType`, or undefined when that
 * cannot be told from the expression (then everything is assumed). A composite whose expression is (or includes)
 * the resource itself reads what its components read from there (`Observation` with `code`, `value.as(...)`).
 */
export function elementsRead(
  resourceType: string,
  definition: ParamDefinition['definition'],
): ReadonlySet<string> | undefined {
  if (!definition?.expression) return undefined;
  const expressions: string[] = [];
  const own = getExpressionForResourceType(resourceType, definition.expression);
  if (own) expressions.push(own);
  const wholeResource = definition.expression.split('|').some((part) => part.trim() === resourceType);
  if (wholeResource && definition.type === 'composite') {
    expressions.push(...(definition.component ?? []).map((c) => `${resourceType}.${c.expression}`));
  } else if (wholeResource || !own) {
    return undefined;
  }
  const reads: Reads = { names: new Set(), unknown: false };
  try {
    for (const text of expressions) visit(parseFhirPath(text), resourceType, reads);
  } catch {
    return undefined; // an expression FHIRPath cannot parse: assume the worst
  }
  return reads.unknown || reads.names.size === 0 ? undefined : reads.names;
}

// -- which parameters a hidden set hides ---------------------------------------------------------------------

/** Answered from the resource row (id, last_updated), which no mask hides. */
const ROW_PARAMETERS = new Set(['_id', '_lastUpdated']);

const hiddenCache = new WeakMap<
  ReadonlySet<string>,
  Map<string, { params: Map<string, ParamDefinition>; hidden: Map<string, HiddenParameter> }>
>();

/**
 * The search parameters of `resourceType` whose expression reads an element in `hidden`, by code. Computed once per
 * hidden set (by identity) and type, and again only when the type's parameters were rebuilt.
 */
export function hiddenSearchParameters(
  resourceType: string,
  hidden: ReadonlySet<string>,
): ReadonlyMap<string, HiddenParameter> {
  const params = searchParameters(resourceType);
  let perType = hiddenCache.get(hidden);
  if (!perType) {
    perType = new Map();
    hiddenCache.set(hidden, perType);
  }
  const cached = perType.get(resourceType);
  if (cached?.params === params) return cached.hidden;
  const out = new Map<string, HiddenParameter>();
  if (hidden.size > 0) {
    for (const [code, param] of params) {
      if (ROW_PARAMETERS.has(code)) continue;
      const read = elementsRead(resourceType, param.definition);
      // An expression that cannot be bounded may read anything: `*`.
      const element = read ? [...read].find((name) => hidden.has(name)) : '*';
      if (element) out.set(code, { code, stored: param.stored, element });
    }
  }
  perType.set(resourceType, { params, hidden: out });
  return out;
}

/** The hidden parameter stored under `stored` (the plan names parameters by their stored code), if any. */
function hiddenByStored(
  resourceType: string,
  hidden: ReadonlySet<string> | undefined,
  stored: string,
): HiddenParameter | undefined {
  if (!hidden) return undefined;
  const map = hiddenSearchParameters(resourceType, hidden);
  const direct = map.get(stored);
  if (direct) return direct;
  for (const parameter of map.values()) if (parameter.stored === stored) return parameter;
  return undefined;
}

// -- the mask as hidden elements ------------------------------------------------------------------------------

const maskCache = new Map<string, ReadonlySet<string> | undefined>();

/** The top-level elements (JSON names) of `resourceType` that `mask` does not keep; undefined when it keeps it whole. */
export function maskHiddenElements(mask: MaskName, resourceType: string): ReadonlySet<string> | undefined {
  const key = `${mask} ${resourceType}`;
  if (!maskCache.has(key)) {
    const kept = keptElements(mask, resourceType);
    const all = Object.keys(tryGetDataType(resourceType)?.elements ?? {}).flatMap((path) =>
      jsonNames(resourceType, path.replace('[x]', '')),
    );
    maskCache.set(key, kept ? new Set(all.filter((name) => !kept.has(name))) : undefined);
  }
  return maskCache.get(key);
}

/** The hidden elements of a caller whose decision per type is `decisionFor`: what the permit's mask leaves out. */
export function hiddenByMask(decisionFor: (resourceType: string) => Decision): HiddenElements {
  return (resourceType) => {
    const decision = decisionFor(resourceType);
    return decision.effect === 'permit' && decision.mask ? maskHiddenElements(decision.mask, resourceType) : undefined;
  };
}

// -- walking a Plan -------------------------------------------------------------------------------------------

/** The parameter (stored code) a Condition names, for the kinds that name one in a field of their own or an entry. */
function conditionParams(condition: Condition): string[] {
  switch (condition.kind) {
    case 'tokens':
      // `p|S|C`, `p#C`, `?p` (:missing), `p:identifier|...`, `p:of-type|...`, `p#a$#b` (composite): token-entry.ts.
      return condition.entries.map((entry) => entry.replace(/^\?/, '').split(/[|#:]/)[0]);
    case 'string':
      return [condition.param.replace(/:text$/, '')];
    case 'present':
    case 'date':
    case 'number':
    case 'quantity':
    case 'reference':
    case 'uri':
    case 'chain':
    case 'has':
      return [condition.param];
    default:
      return [];
  }
}

function inCondition(
  condition: Condition,
  resourceType: string,
  hidden: HiddenElements,
  nested: HiddenElements,
): HiddenUse | undefined {
  // A _has names its parameter on the source type: it is read there.
  const paramType = condition.kind === 'has' ? condition.sourceType : resourceType;
  const lookup = condition.kind === 'has' ? nested : hidden;
  for (const stored of conditionParams(condition)) {
    const found = hiddenByStored(paramType, lookup(paramType), stored);
    if (found) return { resourceType: paramType, parameter: found.code, element: found.element, usage: found.code };
  }
  switch (condition.kind) {
    case 'and':
    case 'or':
      for (const inner of condition.conditions) {
        const found = inCondition(inner, resourceType, hidden, nested);
        if (found) return found;
      }
      return undefined;
    case 'not':
      return inCondition(condition.condition, resourceType, hidden, nested);
    case 'chain':
      return inCondition(condition.condition, condition.targetType, nested, nested);
    case 'has':
      return inCondition(condition.condition, condition.sourceType, nested, nested);
    case 'in-compartment-of':
      return inCondition(condition.condition, 'Patient', nested, nested);
    default:
      return undefined;
  }
}

function inIncludes(plan: Pick<Plan, 'include' | 'revinclude'>, nested: HiddenElements): HiddenUse | undefined {
  for (const [name, rules] of [
    ['_include', plan.include],
    ['_revinclude', plan.revinclude],
  ] as const) {
    for (const rule of rules) {
      const elements = nested(rule.sourceType);
      if (!elements) continue;
      const hidden = hiddenSearchParameters(rule.sourceType, elements);
      // `Type:*` follows every reference parameter, the hidden ones too.
      const candidates = rule.param
        ? [rule.param]
        : [...searchParameters(rule.sourceType).values()].filter((p) => p.type === 'reference');
      for (const param of candidates) {
        const found = hidden.get(param.code);
        if (found) {
          const usage = `${name}${rule.iterate ? ':iterate' : ''}=${rule.sourceType}:${rule.param ? param.code : '*'}${rule.targetType ? `:${rule.targetType}` : ''}`;
          return { resourceType: rule.sourceType, parameter: found.code, element: found.element, usage };
        }
      }
    }
  }
  return undefined;
}

/** `_elements` names top-level elements without a choice suffix (`deceased`); a hidden one of any of its JSON names is hidden. */
function inElements(
  resourceType: string,
  names: readonly string[],
  hidden: ReadonlySet<string>,
): HiddenUse | undefined {
  for (const name of names) {
    const element =
      jsonNames(resourceType, name).find((json) => hidden.has(json)) ?? (hidden.has(name) ? name : undefined);
    if (element) return { resourceType, parameter: '_elements', element, usage: `_elements=${name}` };
  }
  return undefined;
}

/**
 * The first place where `plan` uses an element hidden from the caller: `hidden` for the types searched (their
 * criteria, _sort, _elements), `nested` for the types a chain, _has or include reaches (the caller's read decision).
 */
export function findHiddenUse(
  plan: Pick<Plan, 'types' | 'sort' | 'include' | 'revinclude' | 'elements'>,
  hidden: HiddenElements,
  nested: HiddenElements = hidden,
): HiddenUse | undefined {
  for (const { resourceType, where } of plan.types) {
    const found = inCondition(where, resourceType, hidden, nested);
    if (found) return found;
  }
  for (const { resourceType } of plan.types) {
    const elements = hidden(resourceType);
    if (!elements) continue;
    for (const key of plan.sort) {
      const found = hiddenByStored(resourceType, elements, key.param);
      if (found)
        return {
          resourceType,
          parameter: found.code,
          element: found.element,
          usage: `_sort=${key.descending ? '-' : ''}${found.code}`,
        };
    }
    const inElementList = plan.elements && inElements(resourceType, plan.elements, elements);
    if (inElementList) return inElementList;
  }
  return inIncludes(plan, nested);
}

/** The 403 for a use of what the caller may not see, naming the parameter and the element. */
export function hiddenUseError(use: HiddenUse): Error {
  const { resourceType: type, parameter, element, usage } = use;
  let what: string;
  if (parameter === '_elements') {
    what = `${usage} names ${type}.${element}, which this caller may not see`;
  } else {
    const reads =
      element === '*'
        ? `may read any element of ${type}, and some are hidden from this caller`
        : `reads ${type}.${element}, which this caller may not see`;
    what = `${usage === parameter ? '' : `${usage}: `}the search parameter ${parameter} of ${type} ${reads}`;
  }
  const error = errors.insufficientScope(`Not allowed: ${what}`);
  error.expression = [usage];
  return error;
}

/** Throws the 403 of hiddenUseError when `plan` uses an element hidden from the caller. */
export function assertNoHiddenUse(
  plan: Pick<Plan, 'types' | 'sort' | 'include' | 'revinclude' | 'elements'>,
  hidden: HiddenElements,
  nested: HiddenElements = hidden,
): void {
  const use = findHiddenUse(plan, hidden, nested);
  if (use) throw hiddenUseError(use);
}
