// The write-throughput cost of search indexing, in a fresh throwaway database: the same kind of resources loaded
// with createMany (batches of 500, two in flight, as the data set is) three times, emptied in between:
//   indexed         the hub as it is: rows, history, search rows and every index
//   unindexed rows  all indexes of the search_* tables and the types' `<Type>_tokens` GIN indexes dropped; the
//                   search rows are still written
//   no search rows  as above, and the search rows not written at all: the repository's own steps (prepareVersion:
//                   validation and index extraction; insertResources: the one statement per type) with the
//                   extracted search-table rows left out (the tokens column is still filled)
// Validation (R4 and the hub profiles, as HUB_REQUIRED_PROFILES=all enforces them) and extraction run in every
// variant, so the differences are the database's share of indexing.
import type { Sql } from 'postgres';
import type { Resource } from '@medplum/fhirtypes';
import { openPool } from '../../server/db/connect.js';
import { loadDefinitions } from '../../server/fhir/definitions.js';
import { buildConformance, type Conformance } from '../../server/fhir/profiles/conformance.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { prepareVersion } from '../../server/storage/pg/prepare.js';
import { insertResources, type VersionRow } from '../../server/storage/pg/write.js';
import { startBenchDatabase } from '../database.js';
import { datasetBatches } from './dataset.js';
import { BATCH_SIZE } from './load-dataset.js';
import { SEARCH_TABLES } from './sizes.js';

export interface WriteRun {
  name: string;
  resources: number;
  seconds: number;
  perSecond: number;
  /** perSecond relative to the indexed run. */
  ratio: number;
}

async function timed(
  batches: Resource[][],
  write: (batch: Resource[]) => Promise<unknown>,
): Promise<{ seconds: number; resources: number }> {
  let next = 0;
  let resources = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      await write(batch);
      resources += batch.length;
    }
  };
  await Promise.all([worker(), worker()]);
  return { seconds: (performance.now() - started) / 1000, resources };
}

/** createMany's own steps, minus the search-table rows. */
async function createWithoutSearchRows(sql: Sql, conformance: Conformance, batch: Resource[]): Promise<unknown> {
  const now = new Date();
  const byType = new Map<string, VersionRow[]>();
  for (const resource of batch) {
    const row = prepareVersion(resource, resource.id!, 1, now, 'POST', { conformance });
    row.index = { ...row.index, strings: [], dates: [], numbers: [], quantities: [], references: [], uris: [] };
    const group = byType.get(row.resourceType);
    if (group) group.push(row);
    else byType.set(row.resourceType, [row]);
  }
  return Promise.all([...byType.values()].map((rows) => insertResources(sql, rows)));
}

export async function measureWriteCost(
  seed: number,
  count: number,
  types: string[],
  log: (message: string) => void,
): Promise<WriteRun[]> {
  loadDefinitions();
  const conformance = await buildConformance({ required: 'all' });
  const db = await startBenchDatabase();
  const sql: Sql = openPool(db.url, 4);
  try {
    const batches = [...datasetBatches(seed, count, BATCH_SIZE)];
    const warmUp = [...datasetBatches(seed + 1000, 2000, BATCH_SIZE)];
    const repository = new PgRepository(sql, { conformance });
    const empty = async () => {
      await sql`TRUNCATE ${sql(types)}, resource_history, ${sql(SEARCH_TABLES)}`;
      await sql`VACUUM ANALYZE`;
      await sql`CHECKPOINT`;
    };
    // The first writes of each type compile its validator: not part of any figure.
    await timed(warmUp, (batch) => repository.createMany(batch));
    const runs: WriteRun[] = [];
    const run = async (name: string, write: (batch: Resource[]) => Promise<unknown>) => {
      await empty();
      log(`write cost: ${name}, ${count} resources`);
      const { seconds, resources } = await timed(batches, write);
      runs.push({
        name,
        resources,
        seconds: Number(seconds.toFixed(2)),
        perSecond: Math.round(resources / seconds),
        ratio: 0,
      });
    };
    await run('indexed (as the hub writes today)', (batch) => repository.createMany(batch));
    const indexes = await sql<{ name: string }[]>`
      SELECT indexname AS name FROM pg_indexes
      WHERE schemaname = current_schema()
        AND (tablename IN ${sql(SEARCH_TABLES)} OR indexname IN ${sql(types.map((type) => `${type}_tokens`))})`;
    for (const { name } of indexes) await sql`DROP INDEX ${sql(name)}`;
    log(`write cost: dropped ${indexes.length} indexes`);
    await run(`search rows written, ${indexes.length} search and tokens indexes dropped`, (batch) =>
      repository.createMany(batch),
    );
    await run('no search rows written, those indexes dropped (tokens column still filled)', (batch) =>
      createWithoutSearchRows(sql, conformance, batch),
    );
    for (const r of runs) r.ratio = Number((r.perSecond / runs[0].perSecond).toFixed(3));
    return runs;
  } finally {
    await sql.end({ timeout: 5 });
    await db.stop();
  }
}
