// The search values of written resources as rows of the search tables (migration 0003), as fragments of the
// data-modifying CTE that writes the resource itself (write.ts): the resource, its history row and its search rows
// commit in one statement or not at all. Each table gets its rows as one JSON parameter, whatever the number of
// resources; a table without rows gets no fragment. The fragments refer to the CTE `cur` (the rows just written),
// so nothing is indexed for a write that did not happen.
import type { Fragment } from 'postgres';
import type { IndexValues } from '../index-values.js';
import type { Db } from './db.js';

export interface IndexedResource {
  id: string;
  index: IndexValues;
}

interface SearchTable {
  name: string;
  /** column -> its PostgreSQL array type, in insertion order. */
  columns: Record<string, string>;
  rows: (index: IndexValues) => Record<string, unknown>[];
}

const TABLES: SearchTable[] = [
  {
    name: 'search_string',
    columns: { param: 'text', normalized: 'text', exact: 'text' },
    rows: (index) => index.strings as never,
  },
  {
    name: 'search_date',
    columns: { param: 'text', low: 'timestamptz', high: 'timestamptz' },
    rows: (index) => index.dates as never,
  },
  {
    name: 'search_number',
    columns: { param: 'text', low: 'numeric', high: 'numeric' },
    rows: (index) => index.numbers as never,
  },
  {
    name: 'search_quantity',
    columns: {
      param: 'text',
      system: 'text',
      code: 'text',
      unit: 'text',
      value: 'numeric',
      low: 'numeric',
      high: 'numeric',
    },
    rows: (index) => index.quantities as never,
  },
  {
    name: 'search_reference',
    columns: { param: 'text', target_type: 'text', target_id: 'text', url: 'text', version: 'text' },
    rows: (index) =>
      index.references.map((row) => ({
        param: row.param,
        target_type: row.targetType,
        target_id: row.targetId,
        url: row.url,
        version: row.version,
      })),
  },
  { name: 'search_uri', columns: { param: 'text', value: 'text' }, rows: (index) => index.uris as never },
];

/** JSON has no infinities: an open end of a Range (a quantity's ±Infinity) travels as PostgreSQL's text for it. */
function jsonValue(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value ?? null;
}

/** Per table, the SELECT list that reads one row from a JSON array `[resource_id, column values...]` (constant SQL). */
const SELECT_LISTS = new Map(
  TABLES.map((table) => [
    table.name,
    Object.entries(table.columns)
      .map(([, type], i) => (type === 'text' ? `r->>${i + 1}` : `(r->>${i + 1})::${type}`))
      .join(', '),
  ]),
);

/**
 * `, ins_<table> AS (INSERT ...)` for every search table that gets rows. The rows travel as one JSON text per table
 * (`[[resource_id, value, ...], ...]`): JSON.stringify is native, where postgres.js would escape every element of
 * one array per column in JavaScript, which cost a Bundle's ingestion a third of its time. Dates stay text until
 * PostgreSQL casts them, so an open Period end ('infinity') survives.
 */
export function insertSearchRows(db: Db, resourceType: string, resources: IndexedResource[]): Fragment {
  let fragment = db``;
  for (const table of TABLES) {
    const names = Object.keys(table.columns);
    const rows: unknown[][] = [];
    for (const resource of resources) {
      for (const row of table.rows(resource.index)) {
        const values: unknown[] = [resource.id];
        for (const name of names) values.push(jsonValue(row[name]));
        rows.push(values);
      }
    }
    if (rows.length === 0) {
      continue;
    }
    // The column and select lists are the constants of TABLES, never input: spliced as SQL text.
    const columnList = db.unsafe(names.join(', '));
    fragment = db`${fragment}, ${db(`ins_${table.name}`)} AS (
      INSERT INTO ${db(table.name)} (resource_type, resource_id, ${columnList})
      SELECT ${resourceType}, r->>0, ${db.unsafe(SELECT_LISTS.get(table.name)!)} FROM json_array_elements(${JSON.stringify(rows)}::text::json) AS r
      WHERE (r->>0) IN (SELECT id FROM cur)
    )`;
  }
  return fragment;
}

/** `, del_<table> AS (DELETE ...)` for every search table: the rows of the version being replaced or deleted. */
export function deleteSearchRows(db: Db, resourceType: string): Fragment {
  let fragment = db``;
  for (const table of TABLES) {
    fragment = db`${fragment}, ${db(`del_${table.name}`)} AS (
      DELETE FROM ${db(table.name)} WHERE resource_type = ${resourceType} AND resource_id IN (SELECT id FROM cur)
    )`;
  }
  return fragment;
}
