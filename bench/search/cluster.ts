// The search benchmark's persistent PostgreSQL cluster: loading a million resources takes minutes, so the loaded
// cluster is kept in a folder (BENCH_SEARCH_DATA_DIR, default .bench-data/search-<size>-<seed>) and reused. A
// marker file is written only after a complete load; it records what the data depends on (size, seed, the
// migrations and the source of the write path and the generator), so a folder without it, or with a stale one,
// is wiped and loaded again. BENCH_SEARCH_REUSE=stale keeps a complete but stale cluster (to measure the current
// search code without another load; the report says so).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';
import { openPool } from '../../server/db/connect.js';
import { startEmbeddedDatabase } from '../../server/db/embedded.js';
import { migrate } from '../../server/storage/pg/migrate.js';
import { freePort } from '../support/free-port.js';
import { readPostmasterPid } from '../database.js';
import { loadDataset, type LoadFigures } from './load-dataset.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MARKER = 'search-dataset.json';
/** What the stored rows depend on: a change in any of these makes a kept cluster stale. */
const SOURCES = ['server/storage', 'server/fhir/search/extract', 'bench/generate.ts', 'bench/search/dataset.ts'];

export interface SearchCluster {
  url: string;
  dataDir: string;
  postmasterPid?: number;
  /** Figures of the load, when this run loaded the data (undefined when a complete cluster was reused). */
  load?: LoadFigures;
  /** A complete cluster loaded by other sources of the write path, migrations or generator (BENCH_SEARCH_REUSE=stale). */
  stale: boolean;
  stop(): Promise<void>;
}

function sourceFiles(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return [entry];
  return readdirSync(full)
    .sort()
    .flatMap((name) => sourceFiles(path.join(entry, name)))
    .filter((file) => /\.(ts|sql)$/.test(file) && !/\.test\.ts$/.test(file));
}

/** Hash of the sources the data depends on (tests excluded: they do not change what is written). */
function fingerprint(size: number, seed: number): string {
  const hash = createHash('sha256').update(`${size}:${seed}\n`);
  for (const file of SOURCES.flatMap(sourceFiles)) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(ROOT, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

export async function openSearchCluster(
  size: number,
  seed: number,
  log: (message: string) => void,
): Promise<SearchCluster> {
  const dataDir = path.resolve(
    process.env.BENCH_SEARCH_DATA_DIR ?? path.join(ROOT, '.bench-data', `search-${size}-${seed}`),
  );
  const markerFile = path.join(dataDir, MARKER);
  const expected = fingerprint(size, seed);
  let complete = false;
  let stale = false;
  if (existsSync(markerFile)) {
    const marker = JSON.parse(readFileSync(markerFile, 'utf8')) as { fingerprint?: string };
    complete = marker.fingerprint === expected;
    if (!complete && process.env.BENCH_SEARCH_REUSE === 'stale') {
      log(
        `${dataDir}: the write path, migrations or generator changed since it was loaded; reusing it anyway (BENCH_SEARCH_REUSE=stale)`,
      );
      complete = stale = true;
    } else if (!complete) {
      log(`${dataDir}: the write path, migrations or generator changed since it was loaded; loading again`);
    }
  } else if (existsSync(dataDir)) {
    log(`${dataDir}: no complete load recorded; loading again`);
  }
  if (!complete) rmSync(dataDir, { recursive: true, force: true });
  // BENCH_PG_SETTINGS: extra `postgres -c` settings as JSON, e.g. {"shared_preload_libraries":"pg_stat_statements"}
  // to see afterwards what PostgreSQL spent its time on.
  const settings = process.env.BENCH_PG_SETTINGS
    ? (JSON.parse(process.env.BENCH_PG_SETTINGS) as Record<string, string>)
    : undefined;
  const embedded = await startEmbeddedDatabase({ dataDir, port: await freePort(), settings });
  const sql: Sql = openPool(embedded.url, 4);
  try {
    let load: LoadFigures | undefined;
    // A stale cluster gets the migrations added since its load (the hub needs their tables); migrate() refuses one
    // whose file changed, and then the cluster must be loaded again.
    if (!complete || stale) await migrate(sql);
    if (!complete) {
      log(`loading ${size.toLocaleString('en-US')} resources (seed ${seed}) into ${dataDir}`);
      load = await loadDataset(sql, seed, size, log);
      log('VACUUM ANALYZE');
      await sql`VACUUM ANALYZE`;
      await sql`CHECKPOINT`;
      writeFileSync(
        markerFile,
        `${JSON.stringify({ fingerprint: expected, size, seed, loadedAt: new Date().toISOString(), load }, null, 2)}\n`,
      );
    } else {
      log(`reusing the loaded cluster in ${dataDir}`);
    }
    return {
      url: embedded.url,
      dataDir,
      postmasterPid: readPostmasterPid(dataDir),
      load,
      stale,
      stop: () => embedded.stop(),
    };
  } catch (error) {
    await embedded.stop().catch(() => undefined);
    throw error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
