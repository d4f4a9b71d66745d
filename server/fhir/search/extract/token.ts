// Token values: (system, code) pairs, plus the texts :text searches and the typed identifiers :of-type searches.
// The FHIR type of each value (from the typed FHIRPath result) picks the shape, so no property names are guessed.
import type { TypedValue } from '@medplum/core';
import type { OfTypeValue, TokenParamValues, TokenValue } from './types.js';

type Json = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function pushCoding(out: TokenParamValues, coding: Json): void {
  const display = str(coding.display);
  if (display) {
    out.text.push(display);
  }
  const code = str(coding.code);
  if (code) {
    out.values.push(display ? { system: str(coding.system), code, display } : { system: str(coding.system), code });
  }
}

function pushCodeableConcept(out: TokenParamValues, concept: Json): void {
  const text = str(concept.text);
  if (text) {
    out.text.push(text);
  }
  if (Array.isArray(concept.coding)) {
    for (const coding of concept.coding as Json[]) {
      pushCoding(out, coding);
    }
  }
}

function pushIdentifier(out: TokenParamValues, identifier: Json): void {
  const value = str(identifier.value);
  if (!value) {
    return;
  }
  out.values.push({ system: str(identifier.system), code: value });
  const type = identifier.type as Json | undefined;
  if (type) {
    const text = str(type.text);
    if (text) {
      out.text.push(text);
    }
    for (const coding of (type.coding as Json[] | undefined) ?? []) {
      const typeCode = str(coding.code);
      if (typeCode) {
        out.ofType.push({ typeSystem: str(coding.system), typeCode, value } satisfies OfTypeValue);
      }
    }
  }
}

/** Adds the token values of one typed value to `out`. */
function pushToken(out: TokenParamValues, typed: TypedValue): void {
  const v = typed.value as unknown;
  if (v === undefined || v === null) {
    return;
  }
  if (typeof v !== 'object') {
    // code, boolean, string, id, uri, integer...: a code without system.
    const code = String(v);
    if (code !== '') {
      out.values.push({ system: undefined, code });
    }
    return;
  }
  const json = v as Json;
  switch (typed.type) {
    case 'Identifier':
      pushIdentifier(out, json);
      return;
    case 'Coding':
      pushCoding(out, json);
      return;
    case 'CodeableConcept':
      pushCodeableConcept(out, json);
      return;
    case 'ContactPoint': {
      // ContactPoint.system (phone, email...) serves as the system, as HAPI and Medplum do: `telecom=email|a@b.nl`.
      const value = str(json.value);
      if (value) {
        out.values.push({ system: str(json.system), code: value });
      }
      return;
    }
    default: {
      // Other complex types used as tokens (Quantity's system/code in a few parameters, a Reference's identifier...).
      const code = str(json.code) ?? str(json.value);
      if (code) {
        out.values.push({ system: str(json.system), code });
      }
    }
  }
}

export function tokenValues(values: TypedValue[]): TokenParamValues {
  const out: TokenParamValues = { type: 'token', values: [], text: [], ofType: [] };
  for (const value of values) {
    pushToken(out, value);
  }
  out.values = dedupe(out.values);
  return out;
}

function dedupe(values: TokenValue[]): TokenValue[] {
  if (values.length < 2) {
    return values;
  }
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = `${value.system ?? ''}|${value.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
