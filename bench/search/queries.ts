// The query mix of the search benchmark: for each query type the hub's request (rotating over many values, so a
// cache of one value cannot flatter the figure) and the hand-written SQL that returns the same page of ids, over
// the hub's tables (one table per type: tokens text[], compartments uuid[]; the search_* tables of migration 0003).
// The SQL selects id and content, as the hub must to answer. Unsorted searches page by id ascending (the hub's
// default order); date ranges are half-open [low, high) in UTC, as the hub stores them.
import type { Sql } from 'postgres';
import { BSN_SYSTEM, ISO9999_AIDS, ISO9999_SYSTEM, Random, SEARCH_YEARS } from '../generate.js';

export interface Page {
  matches: string[];
  includes: string[];
  total?: number;
}

/** A resource of the SQL's page, as the bare baseline route sends it (bench/targets.ts). */
interface PageRow {
  type: string;
  id: string;
  content: string;
  mode: 'match' | 'include';
}

/** The hand-written SQL's page: its ids, and the rows themselves (the stored texts it selected). */
export interface SqlPage extends Page {
  rows: PageRow[];
}

export type Kind = 'token' | 'compartment' | 'chained' | 'has' | 'date-sort' | 'total';

export interface SearchCase {
  name: string;
  kind: Kind;
  values: string[];
  path(value: string): string;
  /** The _count the request asks for; undefined: the hub's default page size. */
  count?: number;
  /** The hand-written SQL of one value's first page of `limit` matches (and its includes / total). */
  sql(db: Sql, value: string, limit: number): Promise<SqlPage>;
  /** How many resources match one value. */
  countMatches(db: Sql, value: string): Promise<number>;
  /** What the SQL does, for the report. */
  sqlText: string;
}

type Row = { id: string; content: string };
const ids = (rows: readonly { id: string }[]) => rows.map((row) => row.id);
/** A page of matches of one type (no includes). */
const matchPage = (type: string, rows: readonly Row[], total?: number): SqlPage => ({
  matches: ids(rows),
  includes: [],
  rows: rows.map((row) => ({ type, id: row.id, content: row.content, mode: 'match' })),
  ...(total !== undefined ? { total } : {}),
});
const q = encodeURIComponent;

/** A month as [first instant, first instant of the next month), UTC ISO texts. */
function monthBounds(month: string): [string, string] {
  const [year, m] = month.split('-').map(Number);
  return [new Date(Date.UTC(year, m - 1, 1)).toISOString(), new Date(Date.UTC(year, m, 1)).toISOString()];
}
const day = (iso: string) => iso.slice(0, 10);

function months(from: number, to: number): string[] {
  const out: string[] = [];
  for (let year = from; year <= to; year++)
    for (let m = 1; m <= 12; m++) out.push(`${year}-${String(m).padStart(2, '0')}`);
  return out;
}

function shuffled<T>(items: T[], seed: number): T[] {
  const rng = new Random(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The status shared by the most DeviceRequests (about 100,000 at a million resources): the _total=accurate case. */
const COMMON_STATUS = 'completed';
const BSN_PREFIX = `identifier|${BSN_SYSTEM}|`;

export async function searchCases(db: Sql, seed: number, rotation = 1000): Promise<SearchCase[]> {
  // A fixed sample of clients (md5 order: the same for the same data), with their BSN token.
  const patients = await db<{ id: string; bsn: string }[]>`
    SELECT id, substr((SELECT t FROM unnest(tokens) t WHERE starts_with(t, ${BSN_PREFIX}) LIMIT 1), ${BSN_PREFIX.length + 1}) AS bsn
    FROM "Patient" WHERE NOT deleted ORDER BY md5(id) LIMIT ${rotation}`;
  const patientIds = patients.map((p) => p.id);
  const bsns = patients.map((p) => p.bsn).filter(Boolean);
  const isoCodes = ISO9999_AIDS.map((aid) => aid.code);
  const birthMonths = shuffled(months(1930, 2015), seed);
  const authoredMonths = shuffled(months(SEARCH_YEARS[0], SEARCH_YEARS[1]), seed + 1);

  const bsnToken = (bsn: string) => `${BSN_PREFIX}${bsn}`;
  const activeWithCode = (code: string) => ['status#active', `code|${ISO9999_SYSTEM}|${code}`];

  return [
    {
      name: 'token: Patient?identifier=<bsn>',
      kind: 'token',
      values: bsns,
      path: (bsn) => `/Patient?identifier=${q(`${BSN_SYSTEM}|${bsn}`)}`,
      sqlText: `SELECT id, content FROM "Patient" WHERE tokens @> ARRAY['${BSN_PREFIX}<bsn>'] AND NOT deleted ORDER BY id LIMIT n`,
      sql: async (db, bsn, limit) =>
        matchPage(
          'Patient',
          await db<Row[]>`
          SELECT id, content FROM "Patient" WHERE tokens @> ${[bsnToken(bsn)]}::text[] AND NOT deleted ORDER BY id LIMIT ${limit}`,
        ),
      countMatches: async (db, bsn) =>
        (
          await db<
            { n: number }[]
          >`SELECT count(*)::int AS n FROM "Patient" WHERE tokens @> ${[bsnToken(bsn)]}::text[] AND NOT deleted`
        )[0].n,
    },
    {
      name: 'token: DeviceRequest?status=active&code=<iso9999>',
      kind: 'token',
      values: isoCodes,
      path: (code) => `/DeviceRequest?status=active&code=${q(`${ISO9999_SYSTEM}|${code}`)}`,
      sqlText: `SELECT id, content FROM "DeviceRequest" WHERE tokens @> ARRAY['status#active', 'code|${ISO9999_SYSTEM}|<code>'] AND NOT deleted ORDER BY id LIMIT n`,
      sql: async (db, code, limit) =>
        matchPage(
          'DeviceRequest',
          await db<Row[]>`
          SELECT id, content FROM "DeviceRequest" WHERE tokens @> ${activeWithCode(code)}::text[] AND NOT deleted ORDER BY id LIMIT ${limit}`,
        ),
      countMatches: async (db, code) =>
        (
          await db<
            { n: number }[]
          >`SELECT count(*)::int AS n FROM "DeviceRequest" WHERE tokens @> ${activeWithCode(code)}::text[] AND NOT deleted`
        )[0].n,
    },
    {
      // The hub profile codes the aid (DeviceRequest.code is a CodeableConcept), so no request names a Device any more
      // (DeviceRequest:device); the include is the request's Coverage, one or two per client, as the Device was for
      // some of them.
      name: 'compartment: DeviceRequest?patient=Patient/<id>&_include=DeviceRequest:insurance',
      kind: 'compartment',
      values: patientIds,
      path: (id) => `/DeviceRequest?patient=${q(`Patient/${id}`)}&_include=DeviceRequest:insurance`,
      sqlText:
        `page: DeviceRequest ids IN (search_reference param 'patient' -> Patient/<id>) AND NOT deleted ORDER BY id LIMIT n; ` +
        `plus Coverages whose id IN (search_reference param 'insurance' of the page's rows), in one statement`,
      sql: async (db, id, limit) => {
        const rows = await db<(Row & { mode: string })[]>`
          WITH page AS (
            SELECT r.id, r.content FROM "DeviceRequest" r
            WHERE r.id IN (SELECT resource_id FROM search_reference
                           WHERE target_type = 'Patient' AND target_id = ${id} AND resource_type = 'DeviceRequest' AND param = 'patient')
              AND NOT r.deleted
            ORDER BY r.id LIMIT ${limit}
          )
          SELECT 'match' AS mode, id, content FROM page
          UNION ALL
          SELECT 'include', c.id, c.content FROM "Coverage" c
          WHERE c.id IN (SELECT target_id FROM search_reference
                         WHERE resource_type = 'DeviceRequest' AND resource_id IN (SELECT id FROM page)
                           AND param = 'insurance' AND target_type = 'Coverage')
            AND NOT c.deleted`;
        return {
          matches: ids(rows.filter((r) => r.mode === 'match')),
          includes: ids(rows.filter((r) => r.mode === 'include')),
          rows: rows.map((r) => ({
            type: r.mode === 'match' ? 'DeviceRequest' : 'Coverage',
            id: r.id,
            content: r.content,
            mode: r.mode === 'match' ? 'match' : 'include',
          })),
        };
      },
      countMatches: async (db, id) =>
        (
          await db<{ n: number }[]>`
          SELECT count(*)::int AS n FROM "DeviceRequest" r
          WHERE r.id IN (SELECT resource_id FROM search_reference
                         WHERE target_type = 'Patient' AND target_id = ${id} AND resource_type = 'DeviceRequest' AND param = 'patient')
            AND NOT r.deleted`
        )[0].n,
    },
    {
      name: 'compartment: Patient/<id>/DeviceRequest',
      kind: 'compartment',
      values: patientIds,
      path: (id) => `/Patient/${id}/DeviceRequest`,
      // The Patient compartment of a uuid id is keyed by the id itself (server/contracts/compartment-key.ts).
      sqlText: `SELECT id, content FROM "DeviceRequest" WHERE compartments @> ARRAY['<id>']::uuid[] AND NOT deleted ORDER BY id LIMIT n`,
      sql: async (db, id, limit) =>
        matchPage(
          'DeviceRequest',
          await db<Row[]>`
          SELECT id, content FROM "DeviceRequest" WHERE compartments @> ${[id.toLowerCase()]}::uuid[] AND NOT deleted ORDER BY id LIMIT ${limit}`,
        ),
      countMatches: async (db, id) =>
        (
          await db<
            { n: number }[]
          >`SELECT count(*)::int AS n FROM "DeviceRequest" WHERE compartments @> ${[id.toLowerCase()]}::uuid[] AND NOT deleted`
        )[0].n,
    },
    {
      name: 'chained: DeviceRequest?subject:Patient.identifier=<bsn>',
      kind: 'chained',
      values: bsns,
      path: (bsn) => `/DeviceRequest?subject:Patient.identifier=${q(`${BSN_SYSTEM}|${bsn}`)}`,
      sqlText:
        `SELECT id, content FROM "DeviceRequest" WHERE id IN (SELECT resource_id FROM "Patient" p JOIN search_reference ` +
        `(param 'subject', target Patient/p.id) WHERE p.tokens @> ARRAY['${BSN_PREFIX}<bsn>'] AND NOT p.deleted) AND NOT deleted ORDER BY id LIMIT n`,
      sql: async (db, bsn, limit) =>
        matchPage(
          'DeviceRequest',
          await db<Row[]>`
          SELECT r.id, r.content FROM "DeviceRequest" r
          WHERE r.id IN (SELECT sr.resource_id FROM "Patient" p
                         JOIN search_reference sr ON sr.target_type = 'Patient' AND sr.target_id = p.id
                                                 AND sr.resource_type = 'DeviceRequest' AND sr.param = 'subject'
                         WHERE p.tokens @> ${[bsnToken(bsn)]}::text[] AND NOT p.deleted)
            AND NOT r.deleted
          ORDER BY r.id LIMIT ${limit}`,
        ),
      countMatches: async (db, bsn) =>
        (
          await db<{ n: number }[]>`
          SELECT count(*)::int AS n FROM "DeviceRequest" r
          WHERE r.id IN (SELECT sr.resource_id FROM "Patient" p
                         JOIN search_reference sr ON sr.target_type = 'Patient' AND sr.target_id = p.id
                                                 AND sr.resource_type = 'DeviceRequest' AND sr.param = 'subject'
                         WHERE p.tokens @> ${[bsnToken(bsn)]}::text[] AND NOT p.deleted)
            AND NOT r.deleted`
        )[0].n,
    },
    (() => {
      // birthDate is 0..1, so both bounds on one search_date row equal the spec's two independent conditions
      // (ge: high > lower bound; lt: low < upper bound), and give the planner one range scan instead of two.
      const where = (db: Sql, month: string) => {
        const [lo, hi] = monthBounds(month);
        return db`
          NOT p.deleted
          AND p.id IN (SELECT resource_id FROM search_date
                       WHERE resource_type = 'Patient' AND param = 'birthdate' AND low < ${hi}::timestamptz AND high > ${lo}::timestamptz)
          AND EXISTS (SELECT 1 FROM search_reference sr JOIN "Coverage" c ON c.id = sr.resource_id
                      WHERE sr.target_type = 'Patient' AND sr.target_id = p.id AND sr.resource_type = 'Coverage' AND sr.param = 'beneficiary'
                        AND c.tokens @> ARRAY['status#active'] AND NOT c.deleted)`;
      };
      const c: SearchCase = {
        name: '_has: Patient?_has:Coverage:beneficiary:status=active&birthdate=<month>&_count=20',
        kind: 'has',
        values: birthMonths,
        count: 20,
        path: (month) => {
          const [lo, hi] = monthBounds(month);
          return `/Patient?_has:Coverage:beneficiary:status=active&birthdate=ge${day(lo)}&birthdate=lt${day(hi)}&_count=20`;
        },
        sqlText:
          `SELECT id, content FROM "Patient" p WHERE NOT deleted AND id IN (search_date 'birthdate' low < <hi> AND high > <lo>) ` +
          `AND EXISTS (search_reference 'beneficiary' -> p JOIN "Coverage" tokens @> ARRAY['status#active']) ORDER BY id LIMIT 20`,
        sql: async (db, month, limit) =>
          matchPage(
            'Patient',
            await db<
              Row[]
            >`SELECT p.id, p.content FROM "Patient" p WHERE ${where(db, month)} ORDER BY p.id LIMIT ${limit}`,
          ),
        countMatches: async (db, month) =>
          (await db<{ n: number }[]>`SELECT count(*)::int AS n FROM "Patient" p WHERE ${where(db, month)}`)[0].n,
      };
      return c;
    })(),
    (() => {
      // R4 names SupplyRequest.authoredOn's parameter `date` (`authored` does not exist for SupplyRequest; a hub
      // ignores it as unknown). authoredOn is 0..1: one search_date row carries both bounds (see _has above). The
      // sort key of -date is the latest instant of the value, max(high), newest first, then id.
      const matching = (db: Sql, month: string) => {
        const [lo, hi] = monthBounds(month);
        return db`
          SELECT resource_id FROM search_date
          WHERE resource_type = 'SupplyRequest' AND param = 'date' AND low < ${hi}::timestamptz AND high > ${lo}::timestamptz`;
      };
      const c: SearchCase = {
        name: 'date+sort: SupplyRequest?date=<month>&_sort=-date&_count=20',
        kind: 'date-sort',
        values: authoredMonths,
        count: 20,
        path: (month) => {
          const [lo, hi] = monthBounds(month);
          return `/SupplyRequest?date=ge${day(lo)}&date=lt${day(hi)}&_sort=-date&_count=20`;
        },
        sqlText:
          `SELECT id, content FROM "SupplyRequest" r WHERE id IN (search_date 'date' low < <hi> AND high > <lo>) AND NOT deleted ` +
          `ORDER BY (SELECT max(high) FROM search_date WHERE resource_id = r.id AND param = 'date') DESC, id LIMIT 20`,
        sql: async (db, month, limit) =>
          matchPage(
            'SupplyRequest',
            await db<Row[]>`
            SELECT r.id, r.content FROM "SupplyRequest" r
            WHERE r.id IN (${matching(db, month)}) AND NOT r.deleted
            ORDER BY (SELECT max(high) FROM search_date s
                      WHERE s.resource_type = 'SupplyRequest' AND s.resource_id = r.id AND s.param = 'date') DESC, r.id
            LIMIT ${limit}`,
          ),
        countMatches: async (db, month) =>
          (
            await db<
              { n: number }[]
            >`SELECT count(*)::int AS n FROM "SupplyRequest" r WHERE r.id IN (${matching(db, month)}) AND NOT r.deleted`
          )[0].n,
      };
      return c;
    })(),
    {
      name: `_total: DeviceRequest?status=${COMMON_STATUS}&_total=accurate&_count=10`,
      kind: 'total',
      // One value: the count cannot be cached by either side anyway.
      values: [COMMON_STATUS],
      count: 10,
      path: (status) => `/DeviceRequest?status=${status}&_total=accurate&_count=10`,
      sqlText:
        `SELECT count(*) FROM "DeviceRequest" WHERE tokens @> ARRAY['status#<status>'] AND NOT deleted; ` +
        `then SELECT id, content ... ORDER BY id LIMIT 10`,
      sql: async (db, status, limit) => {
        const [{ n }] = await db<{ n: number }[]>`
          SELECT count(*)::int AS n FROM "DeviceRequest" WHERE tokens @> ${[`status#${status}`]}::text[] AND NOT deleted`;
        const rows = await db<Row[]>`
          SELECT id, content FROM "DeviceRequest" WHERE tokens @> ${[`status#${status}`]}::text[] AND NOT deleted ORDER BY id LIMIT ${limit}`;
        return matchPage('DeviceRequest', rows, n);
      },
      countMatches: async (db, status) =>
        (
          await db<{ n: number }[]>`
          SELECT count(*)::int AS n FROM "DeviceRequest" WHERE tokens @> ${[`status#${status}`]}::text[] AND NOT deleted`
        )[0].n,
    },
  ];
}
