// The database handle the storage functions take: the pool, or a transaction opened by the repository.
import type postgres from 'postgres';

export type Db = postgres.ISql;

/** Row shape of a per-type current table. */
export interface CurrentRow {
  id: string;
  version: number;
  last_updated: Date;
  deleted: boolean;
  content: string;
  /** Patient compartment keys, where the query selects them (current-table reads: read, search, include). */
  compartments?: string[] | string;
}
