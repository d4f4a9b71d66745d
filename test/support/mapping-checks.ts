// What every adapter's output is held to beside its golden file (DESIGN.md, "Mapping adapters"): a transaction
// whose entries find their objects by identifier, every resource valid against R4 and the hub's profiles, every
// reference resolvable inside the Bundle or by identifier in the store, no empty elements, and the values that
// matter (identifiers, names, dates, notes) taken from the input rather than made up.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import type { MappedMessage } from '../../mappings/adapter.js';
import { loadDefinitions } from '../../server/fhir/definitions.js';
import { buildConformance, type Conformance, profileIssues } from '../../server/fhir/profiles/conformance.js';
import { validateResource } from '../../server/fhir/validation/validate.js';

let conformance: Promise<Conformance> | undefined;

/** The hub's profiles, every one required, built once per test file. */
function hubConformance(): Promise<Conformance> {
  if (!conformance) {
    loadDefinitions();
    conformance = buildConformance({ required: 'all' });
  }
  return conformance;
}

/**
 * Compares `value` with the golden file at `file` (JSON). `UPDATE_GOLDEN=1` rewrites the file instead, on purpose
 * only; a missing golden file fails rather than being written silently.
 */
export function expectGolden(file: string, value: unknown): void {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`no golden file ${file}: run with UPDATE_GOLDEN=1 to write it, then review it`);
  }
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

/** Every problem the rules find in one mapped message; `raw` is the message's source text. */
async function mappingProblems(mapped: MappedMessage, raw: string): Promise<string[]> {
  const problems: string[] = [];
  const bundle = mapped.bundle;
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'transaction') {
    problems.push('the output is not a transaction Bundle');
  }
  if (!mapped.key) {
    problems.push('the message has no key');
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(mapped.time)) {
    problems.push(`the message time ${JSON.stringify(mapped.time)} is not an ISO 8601 date-time with an offset`);
  }
  const fullUrls = new Set((bundle.entry ?? []).map((e) => e.fullUrl));
  const profiles = await hubConformance();
  for (const [index, entry] of (bundle.entry ?? []).entries()) {
    const at = `entry[${index}]`;
    const resource = entry.resource;
    if (!resource) {
      problems.push(`${at} has no resource`);
      continue;
    }
    if (!entry.fullUrl?.startsWith('urn:uuid:')) {
      problems.push(`${at} has no urn:uuid fullUrl`);
    }
    const request = entry.request;
    const conditional =
      (request?.method === 'POST' && request.ifNoneExist && request.url === resource.resourceType) ||
      (request?.method === 'PUT' && request.url.startsWith(`${resource.resourceType}?`)) ||
      // A conditional patch of what the message changes but does not carry whole: a Binary JSON Patch.
      (request?.method === 'PATCH' &&
        resource.resourceType === 'Binary' &&
        /json-patch\+json/.test((resource as { contentType?: string }).contentType ?? '') &&
        // By identifier, and perhaps by the identifier of the client it must be about (`&beneficiary:Patient.identifier=`).
        /^[A-Z][A-Za-z]+\?identifier=[^|&]+\|[^&]+(&[a-z-]+:[A-Z][A-Za-z]+\.identifier=[^|&]+\|[^&]+)?$/.test(
          request.url,
        ));
    if (!conditional) {
      problems.push(`${at} is neither a conditional create nor a conditional update of ${resource.resourceType}`);
    }
    const base = validateResource(resource);
    for (const issue of base.issues.filter((i) => i.severity === 'error')) {
      problems.push(`${at} ${resource.resourceType}: ${issue.diagnostics}`);
    }
    for (const issue of profileIssues(profiles, resource).filter((i) => i.severity === 'error')) {
      problems.push(`${at} ${resource.resourceType} (profile): ${issue.diagnostics}`);
    }
    problems.push(...emptyElements(resource, at));
    for (const reference of references(resource)) {
      const resolvable =
        fullUrls.has(reference) ||
        /^[A-Z][A-Za-z]+\?identifier=[^|&]+\|[^&]+$/.test(reference) ||
        // Through a resource found by identifier (`Patient?_has:SupplyRequest:subject:identifier=...`).
        /^[A-Z][A-Za-z]+\?_has:[A-Z][A-Za-z]+:[a-z-]+:identifier=[^|&]+\|[^&]+$/.test(reference) ||
        reference.startsWith('#');
      if (!resolvable) {
        problems.push(
          `${at} refers to ${reference}, which is neither in the Bundle nor found by identifier (directly or through _has)`,
        );
      }
    }
    problems.push(...valuesNotInInput(resource, raw, at));
  }
  return problems;
}

function emptyElements(value: unknown, at: string): string[] {
  if (value === '' || value === null) {
    return [`${at} is empty`];
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? [`${at} is an empty array`] : value.flatMap((v, i) => emptyElements(v, `${at}[${i}]`));
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0
      ? [`${at} is an empty object`]
      : entries.flatMap(([key, v]) => emptyElements(v, `${at}.${key}`));
  }
  return [];
}

function references(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.flatMap(references);
  }
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) =>
      key === 'reference' && typeof v === 'string' ? [v] : references(v),
    );
  }
  return [];
}

/** The values a reader relies on, found in the source: identifier values, names, dates (by their digits), notes. */
function valuesNotInInput(resource: Resource, raw: string, at: string): string[] {
  const digits = raw.replace(/\D/g, '');
  const text = raw.toLowerCase();
  const problems: string[] = [];
  const visit = (value: unknown, key: string): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v, key);
      return;
    }
    if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      if (key === 'identifier' && typeof object.value === 'string') {
        checkText(object.value, 'identifier');
      }
      for (const [k, v] of Object.entries(object)) visit(v, k);
      return;
    }
    if (typeof value !== 'string') {
      return;
    }
    if (key === 'family' || key === 'given') {
      checkText(value, key);
    }
    if (key === 'birthDate') {
      checkDigits(value, key);
    }
  };
  const checkText = (value: string, what: string): void => {
    const pieces = value
      .toLowerCase()
      .split(/[\s^|;,]+/)
      .filter(Boolean);
    if (!pieces.every((p) => text.includes(p))) {
      problems.push(`${at} ${resource.resourceType}: ${what} ${JSON.stringify(value)} is not in the input`);
    }
  };
  const checkDigits = (value: string, what: string): void => {
    if (!digits.includes(value.replace(/\D/g, ''))) {
      problems.push(`${at} ${resource.resourceType}: ${what} ${value} is not in the input`);
    }
  };
  visit(resource, '');
  for (const note of (resource as { note?: { text?: string }[] }).note ?? []) {
    if (note.text) checkText(note.text, 'note');
  }
  return problems;
}

/** What R4 and the hub's profiles find wrong with one resource (a resource as a patch leaves it, say). */
export async function profileProblems(resource: Resource): Promise<string[]> {
  const issues = [...validateResource(resource).issues, ...profileIssues(await hubConformance(), resource)];
  return issues.filter((i) => i.severity === 'error').map((i) => i.diagnostics ?? '');
}

/** Asserts that a mapped message meets every rule. */
export async function expectWellMapped(mapped: MappedMessage, raw: string): Promise<void> {
  expect(await mappingProblems(mapped, raw)).toEqual([]);
}
