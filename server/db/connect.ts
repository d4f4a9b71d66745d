// Opens the postgres.js pool: on DATABASE_URL when set, else on the embedded PostgreSQL in the data folder.
import postgres, { type Sql } from 'postgres';
import { DEFAULT_SEARCH_TIMEOUT_MS, type HubConfig } from '../config.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.js';

export interface Database {
  sql: Sql;
  /** The pools searches run on (openSearchPools). */
  searchPools: SearchPools;
  embedded?: EmbeddedDatabase;
  close(): Promise<void>;
}

export interface PoolOptions {
  /**
   * How the pool's statements are planned; by default as PostgreSQL chooses (writes and reads by id, whose cached
   * generic plans are good).
   * - 'values': every run with its bound values, for a search's page and total. Statements are prepared once; after
   *   five runs PostgreSQL would switch a search to a generic plan that cannot see its token arrays, ranges and LIKE
   *   patterns and picks scans 3 to 40 times slower (measured at a million resources).
   * - 'generic': once, then from the cache, for statements keyed by ids whose best plan is the same for every value
   *   (a search's _include and _revinclude). PostgreSQL's own choice would plan those anew on every run, because the
   *   generic plan's estimate for `= ANY(ids)` is dearer than the custom one's, and the planning is 80% of their cost.
   */
  plans?: 'values' | 'generic';
  /** `statement_timeout` of the pool's sessions, in ms; none by default. */
  statementTimeoutMs?: number;
}

const PLAN_CACHE_MODES = { values: 'force_custom_plan', generic: 'force_generic_plan' } as const;

/**
 * The URL postgres.js is given, and the Unix socket to use instead of TCP when the URL names one as libpq does
 * (`?host=/dir`): postgres.js would pass an unknown query parameter on as a session setting.
 */
export function connectionTarget(url: string): { url: string; path?: string } {
  const parsed = new URL(url);
  const dir = parsed.searchParams.get('host');
  if (!dir?.startsWith('/')) return { url };
  parsed.searchParams.delete('host');
  return { url: parsed.toString(), path: `${dir.replace(/\/$/, '')}/.s.PGSQL.${parsed.port || 5432}` };
}

export function openPool(url: string, max: number, { plans, statementTimeoutMs }: PoolOptions = {}): Sql {
  const target = connectionTarget(url);
  return postgres(target.url, {
    max,
    // A local server's Unix socket: each statement's round trip costs the hub a fifth less CPU than over loopback
    // TCP, whose socket writes were the largest single item in a profile of the auditor's queries.
    ...(target.path ? { path: target.path } : {}),
    onnotice: () => undefined,
    // random_page_cost 1.1 (the default 4 is for spinning disks): with it the planner reaches a search's few
    // matches by primary key instead of scanning the whole resource table (540 ms -> 70 ms for a month of
    // SupplyRequests at a million resources). Searches also plan with their real values (storage/pg/search.ts).
    connection: {
      application_name: 'zorghub',
      random_page_cost: '1.1',
      ...(plans ? { plan_cache_mode: PLAN_CACHE_MODES[plans] } : {}),
      ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}),
    },
  });
}

/** The pools of searches outside a transaction (storage/pg/search.ts, SearchDbs). */
export interface SearchPools {
  /** The page and the total, planned with their values. */
  search: Sql;
  /** The _include / _revinclude statements, on cached generic plans. */
  lookup: Sql;
}

/**
 * Sized after the main pool: half of it for pages, a quarter for the includes, which take a tenth of the time. Their
 * statements stop after `timeoutMs`: a search over most of the data (`name:contains=a&_total=accurate`) would hold a
 * connection the other searches wait for; it gets a 400 naming the limit instead (storage/pg/search.ts).
 */
export function openSearchPools(url: string, poolSize: number, timeoutMs = DEFAULT_SEARCH_TIMEOUT_MS): SearchPools {
  return {
    search: openPool(url, Math.max(2, Math.ceil(poolSize / 2)), { plans: 'values', statementTimeoutMs: timeoutMs }),
    lookup: openPool(url, Math.max(2, Math.ceil(poolSize / 4)), { plans: 'generic', statementTimeoutMs: timeoutMs }),
  };
}

export async function closeSearchPools(pools: SearchPools): Promise<void> {
  await Promise.all([pools.search.end({ timeout: 5 }), pools.lookup.end({ timeout: 5 })]);
}

export async function openDatabase(config: HubConfig): Promise<Database> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedDatabase({ dataDir: config.dataDir, port: config.embeddedPgPort });
  const url = config.databaseUrl ?? embedded!.url;
  const sql = openPool(url, config.dbPoolSize);
  const searchPools = openSearchPools(url, config.dbPoolSize, config.searchTimeoutMs);
  return {
    sql,
    searchPools,
    embedded,
    async close() {
      await Promise.all([sql.end({ timeout: 5 }), closeSearchPools(searchPools)]);
      await embedded?.stop();
    },
  };
}
