// The HTTP servers under load: the hub itself, and the bare read baseline (a fastify route that selects the stored
// text by id and sends it). Both listen on 127.0.0.1, on a port of the system's choosing, with a pool of the same
// size (the hub's default HUB_DB_POOL_SIZE).
import Fastify from 'fastify';
import { buildApp } from '../server/app.js';
import { openPool } from '../server/db/connect.js';
import { warmUp } from '../server/fhir/warm-up.js';

export const POOL_SIZE = 20;

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export async function startHub(databaseUrl: string): Promise<RunningServer> {
  const sql = openPool(databaseUrl, POOL_SIZE);
  const searchSql = openPool(databaseUrl, POOL_SIZE / 2, { valuePlans: true }); // as server/db/connect.ts opens it
  // The base URL is only used for Location headers and Bundle links; the real port is not known before listen.
  // Every write of a type with a hub profile must conform to it, as in production (HUB_REQUIRED_PROFILES=all, the
  // default): bench/generate.ts produces conforming data.
  const app = await buildApp(
    { baseUrl: 'http://127.0.0.1', maxBodyBytes: 50 * 1024 * 1024, maxBundleEntries: 10000, logLevel: 'silent', requiredProfiles: 'all' },
    sql,
    searchSql,
  );
  warmUp(); // as server/main.ts does before listening
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as { port: number }).port,
    close: async () => {
      await app.close();
      await Promise.all([sql.end({ timeout: 5 }), searchSql.end({ timeout: 5 })]);
    },
  };
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
