// The HTTP servers under load: the hub itself, the bare read baseline (a fastify route that selects the stored
// text by id and sends it) and the bare search baseline (a fastify route that runs a search's hand-written SQL and
// sends its rows as a searchset Bundle, bench/search/queries.ts). All listen on 127.0.0.1, on a port of the system's choosing, with a pool of the same
// size (the hub's default HUB_DB_POOL_SIZE). The hub runs with authentication on, as it always does: it gets a
// temporary data folder of its own (signing keys, and its bootstrap admin client's credentials, which startHub
// returns so that the load generator can get tokens); the bare baseline has no authentication at all.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { type AdminCredentials, readAdminCredentials } from '../consent/bootstrap/admin-credentials.js';
import { buildApp } from '../server/app.js';
import { closeSearchPools, openPool, openSearchPools } from '../server/db/connect.js';
import { warmUp } from '../server/fhir/warm-up.js';
import { searchCases, type SqlPage } from './search/queries.js';

export const POOL_SIZE = Number(process.env.HUB_DB_POOL_SIZE ?? 20);

export interface RunningServer {
  port: number;
  /** The hub's bootstrap admin client, its token endpoint on the real port (undefined for the bare baseline). */
  credentials?: AdminCredentials;
  close(): Promise<void>;
}

/** `unaudited`: the hub without its audit trail, only to measure what the trail costs (bench/core.ts). */
export async function startHub(
  databaseUrl: string,
  { unaudited = false }: { unaudited?: boolean } = {},
): Promise<RunningServer> {
  const sql = openPool(databaseUrl, POOL_SIZE);
  const searchPools = openSearchPools(databaseUrl, POOL_SIZE); // as server/db/connect.ts opens them
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'zorghub-bench-hub-'));
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  const close = async () => {
    await app?.close();
    await Promise.all([sql.end({ timeout: 5 }), closeSearchPools(searchPools)]);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // The base URL is used for Location headers, Bundle links and as the tokens' issuer and audience; the real port
    // is not known before listen, so the token_endpoint in the credentials file (built from it) lacks the port.
    // Every write of a type with a hub profile must conform to it, as in production (HUB_REQUIRED_PROFILES=all, the
    // default): bench/generate.ts produces conforming data.
    app = await buildApp(
      {
        baseUrl: 'http://127.0.0.1',
        maxBodyBytes: 50 * 1024 * 1024,
        maxBundleEntries: 10000,
        logLevel: 'silent',
        requiredProfiles: 'all',
        // An admin client of its own per kind of hub: two hubs on one database (the benchmarks run an unaudited one
        // beside the audited) would otherwise each re-register the other's client with a new secret at start.
        auth: {
          providerName: 'zorghub',
          devLoginBsns: [],
          admin: { clientId: unaudited ? 'hub-admin-unaudited' : 'hub-admin' },
        },
        dataDir,
        unaudited,
      },
      sql,
      searchPools,
    );
    warmUp(); // as server/main.ts does before listening
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const written = await readAdminCredentials(dataDir);
    if (!written) {
      throw new Error(`the benchmark hub wrote no admin credentials into ${dataDir}`);
    }
    return { port, credentials: { ...written, token_endpoint: `http://127.0.0.1:${port}/oauth/token` }, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

export async function startBareRead(databaseUrl: string): Promise<RunningServer> {
  const sql = openPool(databaseUrl, POOL_SIZE);
  const app = Fastify({ logger: false });
  app.get<{ Params: { id: string } }>('/Patient/:id', async (request, reply) => {
    const rows = await sql<{ content: string }[]>`SELECT content FROM "Patient" WHERE id = ${request.params.id}`;
    if (rows.length === 0) {
      return reply.status(404).send('');
    }
    return reply.type('application/fhir+json; charset=utf-8').send(rows[0].content);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as { port: number }).port,
    close: async () => {
      await app.close();
      await sql.end({ timeout: 5 });
    },
  };
}

/** The searchset Bundle text of a SQL page: the stored texts spliced in, as the hub sends them (no parse). */
function bundleText(page: SqlPage): string {
  const entries = page.rows.map(
    (row) =>
      `{"fullUrl":"http://127.0.0.1/${row.type}/${row.id}","resource":${row.content},"search":{"mode":"${row.mode}"}}`,
  );
  const total = page.total !== undefined ? `,"total":${page.total}` : '';
  return `{"resourceType":"Bundle","type":"searchset"${total},"entry":[${entries.join(',')}]}`;
}

/**
 * The bare search baseline: `GET /search/<case>?value=<v>&limit=<n>` runs case number <case> of the search mix
 * (searchCases with the same seed, so the same order as the load generator's) through postgres.js and sends its page
 * as a searchset Bundle. HTTP, the SQL and the Bundle text, nothing of the hub: no token, policy or audit record.
 */
export async function startBareSearch(databaseUrl: string, seed: number): Promise<RunningServer> {
  const sql = openPool(databaseUrl, POOL_SIZE);
  const cases = await searchCases(sql, seed);
  const app = Fastify({ logger: false });
  app.get<{ Params: { index: string }; Querystring: { value?: string; limit?: string } }>(
    '/search/:index',
    async (request, reply) => {
      const search = cases[Number(request.params.index)];
      const { value, limit } = request.query;
      if (!search || value === undefined || !limit) {
        return reply.status(404).send('');
      }
      const page = await search.sql(sql, value, Number(limit));
      return reply.type('application/fhir+json; charset=utf-8').send(bundleText(page));
    },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as { port: number }).port,
    close: async () => {
      await app.close();
      await sql.end({ timeout: 5 });
    },
  };
}
