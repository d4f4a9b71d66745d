// String values: a normalised form for the default (starts-with, case- and accent-insensitive) search and the
// original for :exact. HumanName and Address contribute each of their parts, as the spec's string table says.
import type { TypedValue } from '@medplum/core';
import type { StringValue } from './types.js';

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const WHITESPACE = /\s+/g;

/** Lower case, accents removed (NFD, then combining marks dropped), whitespace collapsed and trimmed. */
export function normalizeString(value: string): string {
  return value.normalize('NFD').replace(COMBINING_MARKS, '').toLowerCase().replace(WHITESPACE, ' ').trim();
}

const HUMAN_NAME_PARTS = ['family', 'given', 'prefix', 'suffix', 'text'] as const;
const ADDRESS_PARTS = ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'] as const;

function pushParts(out: string[], value: Record<string, unknown>, parts: readonly string[]): void {
  for (const part of parts) {
    const partValue = value[part];
    if (Array.isArray(partValue)) {
      for (const item of partValue) {
        if (typeof item === 'string') {
          out.push(item);
        }
      }
    } else if (typeof partValue === 'string') {
      out.push(partValue);
    }
  }
}

export function stringValues(values: TypedValue[]): StringValue[] {
  const raw: string[] = [];
  for (const typed of values) {
    const v = typed.value as unknown;
    if (typeof v === 'string') {
      raw.push(v);
    } else if (v && typeof v === 'object') {
      if (typed.type === 'HumanName') {
        pushParts(raw, v as Record<string, unknown>, HUMAN_NAME_PARTS);
      } else if (typed.type === 'Address') {
        pushParts(raw, v as Record<string, unknown>, ADDRESS_PARTS);
      }
    }
  }
  const seen = new Set<string>();
  const out: StringValue[] = [];
  for (const exact of raw) {
    if (exact !== '' && !seen.has(exact)) {
      seen.add(exact);
      out.push({ normalized: normalizeString(exact), exact });
    }
  }
  return out;
}
