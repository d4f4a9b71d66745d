// Reads a batch or transaction Bundle into entries to run, checking what every entry needs, and gives the order
// the spec prescribes for processing (http://hl7.org/fhir/R4/http.html#trules): DELETE, then POST, then PUT and
// PATCH, then GET; entries keep their Bundle order within each group.
import type { Binary, Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import type { FhirMethod } from '../request.js';

export interface BundleWork {
  index: number;
  method: FhirMethod;
  url: string;
  fullUrl?: string;
  resource?: Resource;
  /** The body to pass to the interaction: the resource, or the JSON Patch array of a PATCH entry. */
  body?: unknown;
  ifMatch?: string;
  ifNoneExist?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  /** The `Type/id` this entry writes, once known (transactions check that no two entries write the same one). */
  identity?: string;
}

const METHODS = new Set<FhirMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const ORDER: Record<FhirMethod, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3 };

export function readBundle(body: unknown, maxEntries: number): { type: 'batch' | 'transaction'; work: BundleWork[] } {
  if (!body || typeof body !== 'object' || (body as Resource).resourceType !== 'Bundle') {
    throw errors.badBundle('POST / takes a Bundle of type batch or transaction');
  }
  const bundle = body as Bundle;
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw errors.badBundle(`Bundle.type "${String(bundle.type)}" cannot be processed; use batch or transaction`);
  }
  const entries = bundle.entry ?? [];
  if (!Array.isArray(entries)) {
    throw errors.badBundle('Bundle.entry must be an array');
  }
  if (entries.length > maxEntries) {
    throw errors.tooManyEntries(entries.length, maxEntries);
  }
  return { type: bundle.type, work: entries.map((entry, index) => readEntry(entry, index)) };
}

function readEntry(entry: BundleEntry, index: number): BundleWork {
  const where = `Bundle.entry[${index}]`;
  const method = entry?.request?.method as FhirMethod | undefined;
  const url = entry?.request?.url;
  if (!method || !METHODS.has(method)) {
    throw errors.badBundle(`${where}.request.method must be one of GET, POST, PUT, PATCH, DELETE`);
  }
  if (typeof url !== 'string' || url === '') {
    throw errors.badBundle(`${where}.request.url is required`);
  }
  const work: BundleWork = {
    index,
    method,
    url: url.replace(/^\/+/, ''),
    fullUrl: entry.fullUrl,
    ifMatch: entry.request?.ifMatch,
    ifNoneExist: entry.request?.ifNoneExist,
    ifNoneMatch: entry.request?.ifNoneMatch,
    ifModifiedSince: entry.request?.ifModifiedSince,
  };
  if (method === 'POST' || method === 'PUT') {
    if (!entry.resource) {
      throw errors.badBundle(`${where}.resource is required for ${method}`);
    }
    work.resource = entry.resource; // the parsed body belongs to this request: rewritten in place, no copy
    work.body = work.resource;
  } else if (method === 'PATCH') {
    work.body = patchBody(entry.resource, where);
  }
  return work;
}

/** A PATCH entry carries its JSON Patch as a Binary (contentType application/json-patch+json, base64 data). */
function patchBody(resource: Resource | undefined, where: string): unknown {
  const binary = resource as Binary | undefined;
  if (binary?.resourceType !== 'Binary' || !binary.data || !/json-patch\+json/.test(binary.contentType ?? '')) {
    throw errors.badBundle(
      `${where}.resource of a PATCH must be a Binary with contentType application/json-patch+json`,
    );
  }
  try {
    return JSON.parse(Buffer.from(binary.data, 'base64').toString('utf8'));
  } catch {
    throw errors.badBundle(`${where}.resource.data is not base64-encoded JSON`);
  }
}

export function processingOrder(work: BundleWork[]): BundleWork[] {
  return [...work].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);
}
