// One encoding of token search values, shared by the writer (which stores entries in a text[] column with a GIN
// index) and the query side (which builds the entry a criterion must contain). Per value with system S and code C,
// a parameter p stores:
//   p|S|C   system and code ("p|S|C" also matches the FHIR form `S|C`; with no system, S is empty: `|C`)
//   p#C     code in any system (the FHIR form `C`)
//   p|S|    any code in system S (the FHIR form `S|`)
import type { TypedValue } from '@medplum/core';

interface SystemCode {
  system: string;
  code: string;
}

function systemCodes(value: TypedValue): SystemCode[] {
  const v = value.value as Record<string, unknown> | string | number | boolean | undefined;
  if (v === undefined || v === null) {
    return [];
  }
  if (typeof v !== 'object') {
    return [{ system: '', code: String(v) }];
  }
  switch (value.type) {
    case 'Identifier':
      return typeof v.value === 'string' ? [{ system: str(v.system), code: v.value }] : [];
    case 'Coding':
      return typeof v.code === 'string' ? [{ system: str(v.system), code: v.code }] : [];
    case 'CodeableConcept':
      return ((v.coding as Record<string, unknown>[] | undefined) ?? [])
        .filter((coding) => typeof coding.code === 'string')
        .map((coding) => ({ system: str(coding.system), code: coding.code as string }));
    case 'ContactPoint':
      return typeof v.value === 'string' ? [{ system: str(v.system), code: v.value }] : [];
    default:
      // Other complex types (e.g. Quantity used as a token) carry a code/value pair in a few parameters.
      if (typeof v.code === 'string') {
        return [{ system: str(v.system), code: v.code }];
      }
      return typeof v.value === 'string' ? [{ system: str(v.system), code: v.value }] : [];
  }
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function tokenEntries(param: string, value: TypedValue): string[] {
  const entries: string[] = [];
  for (const { system, code } of systemCodes(value)) {
    entries.push(`${param}|${system}|${code}`, `${param}#${code}`);
    if (system) {
      entries.push(`${param}|${system}|`);
    }
  }
  return entries;
}

/** The entry a search criterion `param=value` must find, following the FHIR token syntax. */
export function tokenCriterion(param: string, value: string): string {
  const bar = value.indexOf('|');
  if (bar < 0) {
    return `${param}#${value}`;
  }
  return `${param}|${value.slice(0, bar)}|${value.slice(bar + 1)}`;
}
