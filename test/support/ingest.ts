// The ingest path as a sender calls it, for end-to-end tests: an adapter's fixture, and one POST /$ingest with it.
import { readFileSync } from 'node:fs';

/** A fixture of an adapter (mappings/<adapter>/fixtures/<name>), as text. */
export const adapterFixture = (adapter: string, name: string) =>
  readFileSync(new URL(`../../mappings/${adapter}/fixtures/${name}`, import.meta.url), 'utf8');

/** POST /$ingest?adapter=<adapter> with `body`; the answer's status, content type and text. */
export async function ingestAs(
  baseUrl: string,
  headers: Record<string, string>,
  adapter: string,
  body: string,
  { type = 'text/plain', accept = 'application/fhir+json' } = {},
) {
  const response = await fetch(`${baseUrl}/$ingest?adapter=${adapter}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': type, accept },
    body,
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}
