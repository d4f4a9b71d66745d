// Reference values. A literal reference is normalised to `Type/id`, whether written relative or as an absolute URL
// (the absolute one is kept too, for servers that search on the full URL); a version (`/_history/n`) is dropped, as
// reference search matches the resource. `#id` (contained) stays as written, typed from the contained resource.
// Canonicals (canonical/uri typed values) keep their URL and split `|version`. Reference.identifier is kept for
// the :identifier modifier.
import type { TypedValue } from '@medplum/core';
import type { ReferenceValue } from './types.js';

type Json = Record<string, unknown>;

// [base/]Type/id[/_history/vid]
const LITERAL = /^(?:(.+)\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Parses a literal reference string; `contained` maps `#id` to the contained resource's type. */
export function parseReference(text: string, contained?: ReadonlyMap<string, string>): ReferenceValue {
  if (text.startsWith('#')) {
    const type = contained?.get(text.slice(1));
    return type ? { reference: text, type } : { reference: text };
  }
  const m = LITERAL.exec(text);
  if (m) {
    const [, base, type, id] = m;
    // A relative reference has no base; an absolute one has a base that is itself a URL.
    if (base === undefined) {
      return { reference: `${type}/${id}`, type };
    }
    if (ABSOLUTE.test(base)) {
      return { reference: `${type}/${id}`, type, url: text };
    }
  }
  // urn:uuid:, urn:oid:, or a URL that names no resource.
  return { url: text };
}

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/**
 * Splits a canonical `url|version`. A canonical written relative (`Library/zika-logic`, which the R4 examples do)
 * is also kept as that reference, so a search with the same text finds it.
 */
export function parseCanonical(text: string): ReferenceValue {
  const bar = text.indexOf('|');
  const value: ReferenceValue = bar < 0 ? { url: text } : { url: text.slice(0, bar), version: text.slice(bar + 1) };
  const relative = RELATIVE.exec(value.url!);
  return relative ? { ...value, reference: value.url, type: relative[1] } : value;
}

/** The ids and types of a resource's contained resources, built only when a `#` reference needs it. */
export function containedTypes(resource: { contained?: { id?: string; resourceType: string }[] }): Map<string, string> {
  const map = new Map<string, string>();
  for (const inner of resource.contained ?? []) {
    if (inner.id) {
      map.set(inner.id, inner.resourceType);
    }
  }
  return map;
}

export function referenceValues(values: TypedValue[], contained?: () => ReadonlyMap<string, string>): ReferenceValue[] {
  const out: ReferenceValue[] = [];
  for (const typed of values) {
    const v = typed.value as unknown;
    if (typeof v === 'string') {
      // canonical and uri elements (Questionnaire URLs, instantiatesCanonical...).
      out.push(typed.type === 'canonical' || ABSOLUTE.test(v) ? parseCanonical(v) : parseReference(v));
      continue;
    }
    if (!v || typeof v !== 'object') {
      continue;
    }
    const json = v as Json;
    if (typeof json.resourceType === 'string') {
      // An inline resource (Bundle.entry.resource for Bundle's composition / message).
      const id = str(json.id);
      if (id) {
        out.push({ reference: `${json.resourceType}/${id}`, type: json.resourceType });
      }
      continue;
    }
    const text = str(json.reference);
    const value: ReferenceValue = text ? parseReference(text, text.startsWith('#') ? contained?.() : undefined) : {};
    const declaredType = str(json.type);
    if (declaredType && !value.type) {
      value.type = declaredType;
    }
    const identifier = json.identifier as Json | undefined;
    const identifierValue = str(identifier?.value);
    if (identifierValue) {
      value.identifier = { system: str(identifier?.system), code: identifierValue };
    }
    if (value.reference || value.url || value.identifier) {
      out.push(value);
    }
  }
  return out;
}
