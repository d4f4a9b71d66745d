// One encoding of token search values, shared by the writer (which stores entries in the per-type `tokens text[]`
// column with a GIN index) and the query side (which builds the entries a criterion must find). Per value with
// system S and code C, a parameter p stores:
//   p|S|C   system and code ("p|S|C" also matches the FHIR form `S|C`; with no system, S is empty: `p||C`)
//   p#C     code in any system (the FHIR form `C`)
//   p|S|    any code in system S (the FHIR form `S|`)
// Besides values, the column holds entries that other modifiers search:
//   ?p                          token, reference or composite parameter p has a value: `:missing` (the other
//                               types are present when they have rows in the search tables)
//   p:identifier|S|C ...        the identifier of a Reference (the three forms above): `:identifier`
//   p:of-type|TS|TC|V           an Identifier's type and value: `:of-type`
import type { TokenValue } from '../fhir/search/extract/types.js';

export function tokenEntries(param: string, value: TokenValue): string[] {
  const system = value.system ?? '';
  const entries = [`${param}|${system}|${value.code}`, `${param}#${value.code}`];
  if (system) {
    entries.push(`${param}|${system}|`);
  }
  return entries;
}

/** The entry that marks a parameter as present, for `:missing`. */
export function presenceEntry(param: string): string {
  return `?${param}`;
}

export function ofTypeEntry(param: string, typeSystem: string | undefined, typeCode: string, value: string): string {
  return `${param}:of-type|${typeSystem ?? ''}|${typeCode}|${value}`;
}

/** The entry a search criterion `param=value` must find, following the FHIR token syntax. */
export function tokenCriterion(param: string, value: string): string {
  const bar = value.indexOf('|');
  if (bar < 0) {
    return `${param}#${value}`;
  }
  return `${param}|${value.slice(0, bar)}|${value.slice(bar + 1)}`;
}
