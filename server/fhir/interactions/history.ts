// history at instance, type and system level: GET [type]/[id]/_history, GET [type]/_history, GET /_history
// (http://hl7.org/fhir/R4/http.html#history). Parameters: _count (default 50, at most 1000), _since, and the
// server's own _cursor on `next` links.
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import { dateRange } from '../search/extract/date.js';
import type { HistoryEntry } from '../../contracts/repository.js';
import type { FhirRequest, FhirResult, Interaction, InteractionContext } from '../request.js';

const DEFAULT_COUNT = 50;
const MAX_COUNT = 1000;

function parseCount(query: URLSearchParams, fallback = DEFAULT_COUNT): number {
  const raw = query.get('_count');
  if (raw === null) {
    return fallback;
  }
  if (!/^\d+$/.test(raw)) {
    throw errors.badParameter(`_count "${raw}" is not a non-negative whole number`);
  }
  return Math.min(Number(raw), MAX_COUNT);
}

function parseSince(query: URLSearchParams): string | undefined {
  const raw = query.get('_since');
  if (raw === null) {
    return undefined;
  }
  const range = dateRange(raw);
  if (!range) {
    throw errors.badParameter(`_since "${raw}" is not a FHIR instant (e.g. 2026-01-01T00:00:00Z)`);
  }
  return range.low;
}

function historyEntry(entry: HistoryEntry, baseUrl: string): BundleEntry {
  const url = `${entry.resourceType}/${entry.id}`;
  const status = entry.deleted ? '204 No Content' : entry.versionId === '1' ? '201 Created' : '200 OK';
  return {
    fullUrl: `${baseUrl}/${url}`,
    ...(entry.deleted ? {} : { resource: JSON.parse(entry.json) as Resource }),
    request: {
      method: entry.method as 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      url: entry.method === 'POST' ? entry.resourceType : url,
    },
    response: { status, etag: `W/"${entry.versionId}"`, lastModified: entry.lastUpdated },
  };
}

async function history(request: FhirRequest, context: InteractionContext): Promise<FhirResult> {
  const { resourceType, id } = request.params;
  const count = parseCount(request.query);
  const since = parseSince(request.query);
  const cursor = request.query.get('_cursor') ?? undefined;
  const page = await context.repository.history({ resourceType, id }, { count, since, cursor });
  if (id && !cursor && page.entries.length === 0 && !since) {
    await context.repository.read(resourceType!, id); // 404 for an unknown resource, rather than an empty history
  }
  const path = [resourceType, id, '_history'].filter(Boolean).join('/');
  const base = new URLSearchParams();
  base.set('_count', String(count));
  if (since) {
    base.set('_since', request.query.get('_since')!);
  }
  const link = (extra?: string): string => {
    const params = new URLSearchParams(base);
    if (extra) {
      params.set('_cursor', extra);
    }
    return `${context.baseUrl}/${path}?${params}`;
  };
  const links: BundleLink[] = [
    { relation: 'self', url: link(cursor) },
    { relation: 'first', url: link() },
  ];
  if (page.next) {
    links.push({ relation: 'next', url: link(page.next) });
  }
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'history',
    link: links,
    entry: page.entries.map((entry) => historyEntry(entry, context.baseUrl)),
  };
  return { status: 200, resource: bundle };
}

export const historyInstance: Interaction = history;
export const historyType: Interaction = history;
export const historySystem: Interaction = history;
