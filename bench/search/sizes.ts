// Index size per resource: the search tables (pg_total_relation_size: heap, indexes, TOAST) plus the per-type
// tables' `<Type>_tokens` GIN indexes, divided by the number of resources; and the whole database per resource.
import type { Sql } from 'postgres';

export const SEARCH_TABLES = [
  'search_string',
  'search_date',
  'search_number',
  'search_quantity',
  'search_reference',
  'search_uri',
];

export interface SizeReport {
  resources: number;
  searchTablesBytes: Record<string, number>;
  tokenIndexBytes: Record<string, number>;
  indexBytes: number;
  indexBytesPerResource: number;
  databaseBytes: number;
  databaseBytesPerResource: number;
}

export async function sizeReport(db: Sql, types: string[], resources: number): Promise<SizeReport> {
  const tables = await db<{ name: string; bytes: string }[]>`
    SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
    WHERE c.relname IN ${db(SEARCH_TABLES)} AND c.relkind = 'r'`;
  const tokenIndexes = await db<{ name: string; bytes: string }[]>`
    SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes FROM pg_class c
    WHERE c.relname IN ${db(types.map((type) => `${type}_tokens`))} AND c.relkind = 'i'`;
  const [{ bytes: database }] = await db<{ bytes: string }[]>`SELECT pg_database_size(current_database()) AS bytes`;
  const byName = (rows: { name: string; bytes: string }[]) =>
    Object.fromEntries(rows.map((r) => [r.name, Number(r.bytes)]));
  const indexBytes = [...tables, ...tokenIndexes].reduce((sum, row) => sum + Number(row.bytes), 0);
  return {
    resources,
    searchTablesBytes: byName(tables),
    tokenIndexBytes: byName(tokenIndexes),
    indexBytes,
    indexBytesPerResource: Math.round(indexBytes / resources),
    databaseBytes: Number(database),
    databaseBytesPerResource: Math.round(Number(database) / resources),
  };
}
