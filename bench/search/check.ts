// The correctness check before any timing: for a few values of a query type, the hub's first page (its match ids
// in order, its include ids as a set, Bundle.total) must equal the hand-written SQL's. It also finds the hub's
// page size when the request does not ask for one (a full page with a next link shows it). The hub is asked with
// its admin client's bearer token, from `tokens` per request.
import type { Sql } from 'postgres';
import { DEFAULT_COUNT } from '../../server/fhir/search/parse.js';
import { bearerHeaders, type TokenSource } from '../hub-auth.js';
import type { Page, SearchCase } from './queries.js';

interface HubPage extends Page {
  status: number;
  next: boolean;
  type?: string;
  body?: string;
}

interface SearchBundle {
  resourceType?: string;
  type?: string;
  total?: number;
  link?: { relation?: string; url?: string }[];
  entry?: { resource?: { resourceType?: string; id?: string }; search?: { mode?: string } }[];
}

export async function fetchHubPage(base: string, tokens: TokenSource, path: string): Promise<HubPage> {
  const response = await fetch(base + path, {
    headers: { accept: 'application/fhir+json', ...(await bearerHeaders(tokens)) },
  });
  const text = await response.text();
  if (response.status !== 200)
    return { status: response.status, next: false, matches: [], includes: [], body: text.slice(0, 500) };
  const bundle = JSON.parse(text) as SearchBundle;
  const entries = bundle.entry ?? [];
  const mode = (entry: (typeof entries)[number]) => entry.search?.mode ?? 'match';
  return {
    status: 200,
    type: bundle.resourceType === 'Bundle' ? bundle.type : bundle.resourceType,
    next: (bundle.link ?? []).some((link) => link.relation === 'next'),
    matches: entries.filter((e) => mode(e) === 'match').map((e) => e.resource?.id ?? '?'),
    includes: entries
      .filter((e) => mode(e) === 'include')
      .map((e) => e.resource?.id ?? '?')
      .sort(),
    total: bundle.total,
  };
}

export interface CheckResult {
  /** The page size both sides are compared and timed at. */
  limit: number;
  checked: number;
  mismatches: string[];
}

export async function checkCase(
  base: string,
  tokens: TokenSource,
  db: Sql,
  search: SearchCase,
  samples: number,
): Promise<CheckResult> {
  const values = search.values.slice(0, samples);
  const hub = await Promise.all(values.map((value) => fetchHubPage(base, tokens, search.path(value))));
  const paged = hub.filter((page) => page.next).map((page) => page.matches.length);
  // Without a full page to show it, the hub's page size is its default (a larger result without a next link
  // fails the check below).
  const limit = search.count ?? (paged.length ? Math.max(...paged) : DEFAULT_COUNT);
  const mismatches: string[] = [];
  for (const [i, value] of values.entries()) {
    const path = search.path(value);
    const got = hub[i];
    if (got.status !== 200) {
      mismatches.push(`${path}: the hub answered ${got.status}: ${got.body}`);
      continue;
    }
    if (got.type !== 'searchset') {
      mismatches.push(`${path}: the hub answered a ${got.type}, not a searchset Bundle`);
      continue;
    }
    const want = await search.sql(db, value, limit);
    const same = (a: string[], b: string[]) => a.length === b.length && a.every((id, k) => id === b[k]);
    if (!same(got.matches, want.matches)) {
      const missing = want.matches.filter((id) => !got.matches.includes(id));
      const extra = got.matches.filter((id) => !want.matches.includes(id));
      const detail =
        missing.length || extra.length
          ? `missing e.g. ${missing[0] ?? '-'} (${missing.length}), unexpected e.g. ${extra[0] ?? '-'} (${extra.length})`
          : `same ids in another order: hub first ${got.matches.slice(0, 3).join(', ')}, SQL first ${want.matches.slice(0, 3).join(', ')}`;
      mismatches.push(`${path}: matches: SQL ${want.matches.length} ids, hub ${got.matches.length} ids; ${detail}`);
    }
    const wantIncludes = [...new Set(want.includes)].sort();
    if (!same(got.includes, wantIncludes)) {
      const missing = wantIncludes.filter((id) => !got.includes.includes(id));
      const extra = got.includes.filter((id) => !wantIncludes.includes(id));
      mismatches.push(
        `${path}: includes: SQL ${wantIncludes.length} ids, hub ${got.includes.length} ids; missing e.g. ${missing[0] ?? '-'}, unexpected e.g. ${extra[0] ?? '-'}`,
      );
    }
    if (want.total !== undefined && got.total !== want.total) {
      mismatches.push(`${path}: Bundle.total ${got.total ?? 'absent'}, SQL count ${want.total}`);
    }
  }
  return { limit, checked: values.length, mismatches };
}
