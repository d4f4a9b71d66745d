// SearchResult -> the searchset Bundle text. Stored resource texts are spliced in as they are (no parse, no
// re-serialisation) unless _summary / _elements subset them. Links carry the request's own parameters plus the
// cursor, so `next` and `previous` repeat the same search from a position.
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { SearchResult, StoredVersion } from '../../contracts/repository.js';
import type { SearchRequest } from './parse.js';
import { shapeResource } from './summary.js';

export interface BundleContext {
  baseUrl: string;
  /** The search's own path (`Patient`, `Patient/123/DeviceRequest`, or empty for system search). */
  path: string;
  /** The parameters as the client sent them, without _cursor. */
  query: URLSearchParams;
  request: SearchRequest;
  /** The cursor of this page, when it is not the first. */
  cursor?: string;
  /** Warnings: ignored parameters, truncated includes. */
  outcome?: OperationOutcome;
}

function link(context: BundleContext, relation: string, cursor?: string): string {
  const params = new URLSearchParams(context.query);
  params.delete('_cursor');
  if (cursor) params.set('_cursor', cursor);
  const query = params.toString();
  return JSON.stringify({ relation, url: `${context.baseUrl}/${context.path}${query ? `?${query}` : ''}` });
}

function entry(context: BundleContext, version: StoredVersion, mode: 'match' | 'include'): string {
  const resource = shapeResource(version.json, context.request.summary, context.request.elements);
  return `{"fullUrl":${JSON.stringify(`${context.baseUrl}/${version.resourceType}/${version.id}`)},"resource":${resource},"search":{"mode":"${mode}"}}`;
}

export function searchsetBundle(result: SearchResult, context: BundleContext): string {
  const links = [link(context, 'self', context.cursor)];
  if (context.cursor) links.push(link(context, 'first'));
  if (result.previous) links.push(link(context, 'previous', result.previous));
  if (result.next) links.push(link(context, 'next', result.next));
  const entries = [
    ...result.matches.map((version) => entry(context, version, 'match')),
    ...result.included.map((version) => entry(context, version, 'include')),
  ];
  if (context.outcome) {
    entries.push(`{"resource":${JSON.stringify(context.outcome)},"search":{"mode":"outcome"}}`);
  }
  const total = result.total !== undefined ? `,"total":${result.total}` : '';
  // FHIR JSON has no empty arrays: an empty page has no `entry` at all.
  const entryList = entries.length ? `,"entry":[${entries.join(',')}]` : '';
  return `{"resourceType":"Bundle","type":"searchset"${total},"link":[${links.join(',')}]${entryList}}`;
}
