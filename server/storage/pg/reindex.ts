// Reindexing: when the search parameters of a type change (a SearchParameter added to profiles/, or a new version
// of the extraction rules: INDEX_VERSION), the index values of its stored resources are computed again from their
// JSON: tokens, compartments and search rows, in batches, each batch one statement, without new versions. Runs at
// start-up before the hub listens (main.ts), with progress in the log, under an advisory lock so that one process
// of several does the work.
import { createHash } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { searchParameters } from '../../fhir/search/parameters.js';
import { computeIndexValues, type IndexOptions } from '../index-values.js';
import type { Db } from './db.js';
import { storedResourceTypes } from './resource-tables.js';
import { deleteSearchRows, insertSearchRows } from './search-rows.js';
import { pgTextArray } from './write.js';

/** Bump when the extraction (server/fhir/search/extract/, index-values.ts) stores values differently. */
const INDEX_VERSION = 4;
const BATCH = 500;
const LOCK_KEY = 7_513_2027;
const PROGRESS_MS = 5000;

export function indexFingerprint(resourceType: string): string {
  const params = [...searchParameters(resourceType).values()]
    .map((param) => `${param.code}|${param.type}|${param.definition?.expression ?? ''}|${param.unsupported ? 'x' : ''}`)
    .sort();
  return createHash('sha256')
    .update(`${INDEX_VERSION}\n${params.join('\n')}`)
    .digest('hex');
}

type ReindexLogger = Pick<Logger, 'info'>;

async function reindexBatch(
  db: Db,
  resourceType: string,
  rows: { id: string; content: string }[],
  options: IndexOptions,
): Promise<void> {
  const indexed = rows.map((row) => ({
    id: row.id,
    index: computeIndexValues(JSON.parse(row.content) as Resource, options),
  }));
  await db`
    WITH cur AS (
      UPDATE ${db(resourceType)} t SET tokens = u.tokens::text[], compartments = u.compartments::uuid[]
      FROM unnest(${indexed.map((r) => r.id)}::text[], ${indexed.map((r) => pgTextArray(r.index.tokens))}::text[],
                  ${indexed.map((r) => `{${r.index.compartments.join(',')}}`)}::text[]) AS u(id, tokens, compartments)
      WHERE t.id = u.id
      RETURNING t.id
    )${deleteSearchRows(db, resourceType)}${insertSearchRows(db, resourceType, indexed)}
    SELECT count(*) FROM cur`;
}

/** Reindexes one type's live resources; returns how many. */
async function reindexType(
  db: Db,
  resourceType: string,
  log: ReindexLogger,
  options: IndexOptions = {},
): Promise<number> {
  const [{ count }] = await db<{ count: string }[]>`SELECT count(*) FROM ${db(resourceType)} WHERE NOT deleted`;
  const total = Number(count);
  let done = 0;
  let after = '';
  let lastReport = Date.now();
  for (;;) {
    const rows = await db<{ id: string; content: string }[]>`
      SELECT id, content FROM ${db(resourceType)} WHERE NOT deleted AND id > ${after} ORDER BY id LIMIT ${BATCH}`;
    if (rows.length === 0) break;
    await reindexBatch(db, resourceType, rows, options);
    done += rows.length;
    after = rows[rows.length - 1].id;
    if (Date.now() - lastReport > PROGRESS_MS) {
      log.info({ resourceType, done, total }, 'reindexing');
      lastReport = Date.now();
    }
  }
  return done;
}

/** Reindexes every type whose fingerprint changed; returns the types reindexed with their counts. */
export async function reindexChanged(
  sql: Db,
  log: ReindexLogger,
  options: IndexOptions = {},
): Promise<Record<string, number>> {
  const reindexed: Record<string, number> = {};
  const reserved = await (sql as import('postgres').Sql).reserve();
  try {
    await reserved`SELECT pg_advisory_lock(${LOCK_KEY})`;
    const state = new Map(
      (
        await reserved<
          { resource_type: string; fingerprint: string }[]
        >`SELECT resource_type, fingerprint FROM search_index_state`
      ).map((r) => [r.resource_type, r.fingerprint]),
    );
    for (const resourceType of storedResourceTypes()) {
      const fingerprint = indexFingerprint(resourceType);
      if (state.get(resourceType) === fingerprint) continue;
      const started = Date.now();
      const count = await reindexType(reserved, resourceType, log, options);
      if (count > 0) {
        reindexed[resourceType] = count;
        log.info({ resourceType, count, ms: Date.now() - started }, 'reindexed');
      }
      await reserved`
        INSERT INTO search_index_state (resource_type, fingerprint) VALUES (${resourceType}, ${fingerprint})
        ON CONFLICT (resource_type) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, indexed_at = now()`;
    }
  } finally {
    await reserved`SELECT pg_advisory_unlock(${LOCK_KEY})`.catch(() => undefined);
    reserved.release();
  }
  return reindexed;
}
