// extractSearchValues: for a resource, the values of every search parameter of its type, typed per parameter type.
// Per resource type, a table is compiled once: each parameter's own expression (getExpressionForResourceType, or the
// whole expression when it names no type, as InsurancePlan.name's `name | alias`) parsed with FHIRPath (planned
// navigation, server/fhir/fhirpath.ts), and the converter of its type chosen. A call then evaluates each atom on
// one typed root and converts; nothing is parsed or looked up per call. The typed FHIRPath result carries the FHIR
// type (Period, HumanName, canonical...), which is what the converters switch on.
import { evalFhirPathTyped, getExpressionForResourceType, getSearchParameters, toTypedValue } from '@medplum/core';
import type { FhirPathAtom, TypedValue } from '@medplum/core';
import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import { parseFhirPathPlanned } from '../../fhirpath.js';
import { dateValues } from './date.js';
import { walk } from './walk.js';
import { numberValues } from './number.js';
import { quantityValues } from './quantity.js';
import { containedTypes, referenceValues } from './reference.js';
import { stringValues } from './string.js';
import { tokenValues } from './token.js';
import type { ComponentValues, CompositeValue, ParamValues, SearchValues } from './types.js';

/** Parameters starting with `_` that are stored like any other (they read Resource.meta). */
const META_PARAMETERS = new Set(['_profile', '_tag', '_security', '_source']);

type Converter = (values: TypedValue[], contained: () => ReadonlyMap<string, string>) => ComponentValues | undefined;

const nonEmpty = <T>(type: ComponentValues['type'], values: T[]) =>
  values.length ? ({ type, values } as ComponentValues) : undefined;

const CONVERTERS: Record<ComponentValues['type'], Converter> = {
  token: (values) => {
    const tokens = tokenValues(values);
    return tokens.values.length || tokens.text.length ? tokens : undefined;
  },
  string: (values) => nonEmpty('string', stringValues(values)),
  date: (values) => nonEmpty('date', dateValues(values)),
  number: (values) => nonEmpty('number', numberValues(values)),
  quantity: (values) => nonEmpty('quantity', quantityValues(values)),
  reference: (values, contained) => nonEmpty('reference', referenceValues(values, contained)),
  uri: (values) =>
    nonEmpty('uri', [
      ...new Set(values.map((v) => v.value).filter((v): v is string => typeof v === 'string' && v !== '')),
    ]),
};

// As @medplum/core spells it per type: `DeviceRequest.subject.where((resolve() is Patient))`.
const RESOLVE_IS = /^([A-Z][A-Za-z]+(?:\.[a-z][A-Za-z0-9]*)+)\.where\(\(?resolve\(\) is ([A-Z][A-Za-z]+)\)?\)$/;

function referencesOfType(target: string): Converter {
  return (values, contained) =>
    nonEmpty(
      'reference',
      referenceValues(values, contained).filter((value) => value.type === target),
    );
}

interface CompiledComponent {
  atom: FhirPathAtom;
  convert: Converter;
}

interface CompiledParameter {
  code: string;
  atom: FhirPathAtom;
  /** For a plain dotted path (`Patient.address.city`): its property names, walked without FHIRPath. */
  path?: string[];
  convert?: Converter;
  /** For composites: the components, evaluated on each element the parameter's expression selects. */
  components?: CompiledComponent[];
}

export interface SkippedParameter {
  code: string;
  type: string;
  reason: string;
}

interface CompiledType {
  params: CompiledParameter[];
  skipped: SkippedParameter[];
  /** Parameters with the same type and expression as an earlier one (Patient phonetic = name): stored once, under it. */
  aliases: Map<string, string>;
}

const compiledTypes = new Map<string, CompiledType>();

// Most expressions are plain paths. Walking them with getTypedPropertyValue (what FHIRPath itself calls per step,
// choice types included) skips the FHIRPath machinery and is about 2.5 times faster; extract.test.ts holds both
// ways equal over every R4 example.
const PLAIN_PATH = /^[A-Z][A-Za-z]+(\.[a-z][A-Za-z0-9]*)+$/;
let usePlainPaths = true;

/** For tests only: evaluate every expression with FHIRPath, to compare with the plain-path walk. */
export function setPlainPaths(enabled: boolean): void {
  usePlainPaths = enabled;
  compiledTypes.clear();
}

/** Forgets the compiled tables, so that SearchParameters indexed since are compiled in (tests; a restart does it). */
export function resetCompiledTypes(): void {
  compiledTypes.clear();
}

function plainPath(resourceType: string, expression: string): string[] | undefined {
  if (!usePlainPaths || !PLAIN_PATH.test(expression)) {
    return undefined;
  }
  const [type, ...path] = expression.split('.');
  return type === resourceType ? path : undefined;
}

function ownExpression(resourceType: string, expression: string): string {
  return getExpressionForResourceType(resourceType, expression) ?? expression;
}

function compileComponents(param: SearchParameter, byUrl: Map<string, SearchParameter>): CompiledComponent[] | string {
  const components: CompiledComponent[] = [];
  for (const component of param.component ?? []) {
    const definition = component.definition ? byUrl.get(component.definition) : undefined;
    const convert = definition?.type ? CONVERTERS[definition.type as ComponentValues['type']] : undefined;
    if (!convert || !component.expression) {
      return `component ${component.definition} is not a parameter of a storable type`;
    }
    components.push({ atom: parseFhirPathPlanned(component.expression), convert });
  }
  return components.length ? components : 'no components';
}

function compile(resourceType: string): CompiledType {
  const all = getSearchParameters(resourceType) ?? {};
  const byUrl = new Map(
    Object.values(all)
      .filter((p) => p.url)
      .map((p) => [p.url as string, p]),
  );
  const params: CompiledParameter[] = [];
  const skipped: SkippedParameter[] = [];
  const aliases = new Map<string, string>();
  const byExpression = new Map<string, string>();
  for (const [code, param] of Object.entries(all)) {
    const type = param.type ?? 'unknown';
    if (code.startsWith('_') && !META_PARAMETERS.has(code)) {
      skipped.push({ code, type, reason: 'answered from the resource row (id, last_updated) or not a stored value' });
      continue;
    }
    if (!param.expression) {
      skipped.push({ code, type, reason: 'no expression' });
      continue;
    }
    if (type === 'special') {
      skipped.push({ code, type, reason: 'special: its search is bespoke (e.g. Location.near, geo distance)' });
      continue;
    }
    const expression = ownExpression(resourceType, param.expression);
    // Composites share their root expression and differ in components: never aliased.
    const same = type === 'composite' ? undefined : byExpression.get(`${type}|${expression}`);
    if (same) {
      aliases.set(code, same);
      continue;
    }
    byExpression.set(`${type}|${expression}`, code);
    const atom = parseFhirPathPlanned(expression);
    if (type === 'composite') {
      const components = compileComponents(param, byUrl);
      if (typeof components === 'string') {
        skipped.push({ code, type, reason: components });
      } else {
        params.push({ code, atom, components });
      }
      continue;
    }
    const convert = CONVERTERS[type as ComponentValues['type']];
    if (!convert) {
      skipped.push({ code, type, reason: 'unknown parameter type' });
      continue;
    }
    // `subject.where(resolve() is Patient)`: FHIRPath's resolve() here knows only relative references, so an absolute
    // reference to a Patient would be lost. The reference's own type, parsed from it, answers the same question.
    const resolveIs = type === 'reference' ? RESOLVE_IS.exec(expression) : null;
    if (resolveIs) {
      const [, inner, target] = resolveIs;
      params.push({
        code,
        atom: parseFhirPathPlanned(inner),
        path: plainPath(resourceType, inner),
        convert: referencesOfType(target),
      });
      continue;
    }
    params.push({ code, atom, path: plainPath(resourceType, expression), convert });
  }
  return { params, skipped, aliases };
}

function compiledFor(resourceType: string): CompiledType {
  let compiled = compiledTypes.get(resourceType);
  if (!compiled) {
    compiled = compile(resourceType);
    compiledTypes.set(resourceType, compiled);
  }
  return compiled;
}

/** The code under which a parameter's values are stored: its own, or that of the parameter it duplicates. */
export function storedParameterCode(resourceType: string, code: string): string {
  return compiledFor(resourceType).aliases.get(code) ?? code;
}

/** The parameters of a type that extraction leaves out, and why. */
export function skippedParameters(resourceType: string): SkippedParameter[] {
  return compiledFor(resourceType).skipped;
}

type Variables = Record<string, TypedValue>;

function compositeValues(
  param: CompiledParameter,
  bases: TypedValue[],
  variables: Variables,
  contained: () => ReadonlyMap<string, string>,
): ParamValues | undefined {
  const tuples: CompositeValue[] = [];
  for (const base of bases) {
    const components: ComponentValues[] = [];
    for (const component of param.components ?? []) {
      const values = component.convert(evalFhirPathTyped(component.atom, [base], variables), contained);
      if (!values) {
        break;
      }
      components.push(values);
    }
    // A tuple needs every component: `code-value-quantity=loinc|x$5` cannot match an Observation without a value.
    if (components.length === param.components?.length) {
      tuples.push({ components });
    }
  }
  return tuples.length ? { type: 'composite', values: tuples } : undefined;
}

/** Every parameter's values, or only those of the parameter codes in `only` (as stored: an alias's is its original's). */
export function extractSearchValues(resource: Resource, only?: ReadonlySet<string>): SearchValues {
  const compiled = compiledFor(resource.resourceType);
  const root = [toTypedValue(resource)];
  // A few expressions (MolecularSequence's chromosome composites) read %resource.
  const variables: Variables = { '%resource': root[0], '%rootResource': root[0] };
  let contained: ReadonlyMap<string, string> | undefined;
  const containedLookup = (): ReadonlyMap<string, string> =>
    (contained ??= containedTypes(resource as Parameters<typeof containedTypes>[0]));
  const out: SearchValues = {};
  const memo = new Map<string, TypedValue[]>();
  for (const param of compiled.params) {
    if (only && !only.has(param.code)) continue;
    let values: ParamValues | undefined;
    try {
      const typed = param.path ? walk(root[0], param.path, memo) : evalFhirPathTyped(param.atom, root, variables);
      if (typed.length === 0) {
        continue;
      }
      values = param.convert
        ? param.convert(typed, containedLookup)
        : compositeValues(param, typed, variables, containedLookup);
    } catch {
      // A valid but odd resource (a value FHIRPath cannot type) must not block its write; it is then not findable
      // by this one parameter.
      continue;
    }
    if (values) {
      out[param.code] = values;
    }
  }
  return out;
}
