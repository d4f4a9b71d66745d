// Runs a search Plan: the page of matches (keyset paging over the sort keys, then resource type and id), the total
// when asked for, and the _include / _revinclude resources. Each type searched is one SELECT of a UNION, so a
// system search pages over all of them in one order. Every table read goes through conditionSql.
import type { Fragment } from 'postgres';
import { errors } from '../../errors.js';
import { decodeCursor, encodeCursor, type Cursor } from '../../fhir/search/cursor.js';
import { MAX_INCLUDED, type IncludeRule } from '../../fhir/search/parse.js';
import type { Plan } from '../../contracts/search-plan.js';
import { fillAuditContents } from './audit-log.js';
import { AUDIT_EVENT, auditNamingSql, auditReferences } from './audit-search.js';
import { conditionSql, rowsOf, sortKeySql, type SortSqlType } from './search-sql.js';
import type { AccessFilter } from '../../contracts/access-filter.js';
import { restrict } from '../access.js';
import type { SearchResult, StoredVersion } from '../../contracts/repository.js';
import type { CurrentRow, Db } from './db.js';
import { toStoredVersion } from './read.js';
import { withValuePlans } from './value-plans.js';

/** How many rounds of _include:iterate / _revinclude:iterate at most. */
const MAX_ITERATIONS = 4;

interface OrderKey {
  column: string;
  type: SortSqlType;
  descending: boolean;
  nullsLast: boolean;
}

interface PageRow extends CurrentRow {
  resource_type: string;
  [key: `k${number}` | `t${number}`]: unknown;
}

function orderKeys(plan: Plan, reverse: boolean): OrderKey[] {
  const keys: OrderKey[] = plan.sort.map((key, i) => ({
    column: `k${i}`,
    type: 'text',
    descending: key.descending,
    nullsLast: true,
  }));
  // The type breaks ties only between types: with one type, ordering by id alone lets PostgreSQL walk the primary key.
  if (plan.types.length > 1) {
    keys.push({ column: 'resource_type', type: 'text', descending: false, nullsLast: true });
  }
  keys.push({ column: 'id', type: 'text', descending: false, nullsLast: true });
  return reverse ? keys.map((key) => ({ ...key, descending: !key.descending, nullsLast: !key.nullsLast })) : keys;
}

/** Rows strictly after `values` in the order of `keys` (keyset condition, NULLS placement included). */
function afterCondition(db: Db, keys: OrderKey[], values: (string | null)[], i = 0): Fragment {
  if (i === keys.length) {
    return db`false`;
  }
  const key = keys[i];
  const column = db`s.${db.unsafe(key.column)}`;
  const rest = afterCondition(db, keys, values, i + 1);
  const value = values[i];
  if (value === null) {
    return key.nullsLast
      ? db`(${column} IS NULL AND ${rest})`
      : db`(${column} IS NOT NULL OR (${column} IS NULL AND ${rest}))`;
  }
  const bound = db`${value}::text::${db.unsafe(key.type)}`;
  const beyond = key.descending ? db`${column} < ${bound}` : db`${column} > ${bound}`;
  return key.nullsLast
    ? db`(${beyond} OR ${column} IS NULL OR (${column} = ${bound} AND ${rest}))`
    : db`(${beyond} OR (${column} = ${bound} AND ${rest}))`;
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

function typeSelect(
  db: Db,
  plan: Plan,
  index: number,
  now: Date,
): { sql: Fragment; types: SortSqlType[]; notNull: boolean[] } {
  const { resourceType, where } = plan.types[index];
  const keys = plan.sort.map((key) => sortKeySql(db, resourceType, 'r', key));
  const keyColumns = keys.reduce((acc, key, i) => db`${acc}, ${key.sql} AS ${db.unsafe(`k${i}`)}`, db``);
  const rows = rowsOf(db, resourceType, 'r');
  return {
    sql: db`SELECT ${resourceType}::text AS resource_type, ${rows.pageColumns}${keyColumns}
      FROM ${rows.from} WHERE ${rows.live} AND ${conditionSql({ db, now }, resourceType, 'r', where)}`,
    types: keys.map((key) => key.type),
    notNull: keys.map((key) => key.notNull === true),
  };
}

async function page(
  db: Db,
  plan: Plan,
  cursor: Cursor | undefined,
  now: Date,
): Promise<{ rows: PageRow[]; more: boolean }> {
  const reverse = cursor?.direction === 'previous';
  const selects = plan.types.map((_, i) => typeSelect(db, plan, i, now));
  // A key no row lacks (the audit log's time) is ordered with the NULLS placement its index has (PostgreSQL's
  // default: last ascending, first descending), so that an index on it gives the order and LIMIT stops early.
  const keys = orderKeys(plan, reverse).map((key, i) => {
    if (i >= plan.sort.length) return key;
    const notNull = selects.every((select) => select.notNull[i]);
    return { ...key, type: selects[0].types[i], ...(notNull ? { nullsLast: !key.descending } : {}) };
  });
  const union = selects.map((s) => s.sql).reduce((acc, s) => db`${acc} UNION ALL ${s}`);
  const order = keys
    .map(
      (key) =>
        db`s.${db.unsafe(key.column)} ${db.unsafe(key.descending ? 'DESC' : 'ASC')} ${db.unsafe(key.nullsLast ? 'NULLS LAST' : 'NULLS FIRST')}`,
    )
    .reduce((acc, part) => db`${acc}, ${part}`);
  const position =
    plan.types.length > 1
      ? [...(cursor?.values ?? []), cursor?.resourceType ?? '', cursor?.id ?? '']
      : [...(cursor?.values ?? []), cursor?.id ?? ''];
  const after = cursor ? afterCondition(db, keys, position) : db`true`;
  // The sort keys also as text, for the cursor: a timestamptz may be ±infinity, which a JS Date cannot hold.
  const keyTexts = plan.sort.reduce(
    (acc, _key, i) => db`${acc}, s.${db.unsafe(`k${i}`)}::text AS ${db.unsafe(`t${i}`)}`,
    db``,
  );
  const rows = await db<PageRow[]>`
    SELECT s.*${keyTexts} FROM (${union}) s WHERE ${after} ORDER BY ${order} LIMIT ${plan.count + 1}`;
  const more = rows.length > plan.count;
  const kept = rows.slice(0, plan.count);
  await fillAuditContents(db, kept);
  return { rows: reverse ? kept.reverse() : kept, more };
}

function boundary(plan: Plan, row: PageRow, direction: Cursor['direction']): string {
  return encodeCursor({
    direction,
    values: plan.sort.map((_, i) => text(row[`t${i}`])),
    resourceType: row.resource_type,
    id: row.id,
  });
}

async function total(db: Db, plan: Plan, now: Date): Promise<number> {
  const counts = plan.types.map(({ resourceType, where }) => {
    const rows = rowsOf(db, resourceType, 'r');
    return db`(SELECT count(*) FROM ${rows.from} WHERE ${rows.live} AND ${conditionSql({ db, now }, resourceType, 'r', where)})`;
  });
  const [row] = await db<{ total: string }[]>`SELECT ${counts.reduce((acc, c) => db`${acc} + ${c}`)} AS total`;
  return Number(row.total);
}

async function estimate(db: Db, plan: Plan, now: Date): Promise<number> {
  let sum = 0;
  for (const { resourceType, where } of plan.types) {
    const rows = rowsOf(db, resourceType, 'r');
    const [row] = await db<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>`
      EXPLAIN (FORMAT JSON) SELECT 1 FROM ${rows.from} WHERE ${rows.live} AND ${conditionSql({ db, now }, resourceType, 'r', where)}`;
    sum += row['QUERY PLAN'][0].Plan['Plan Rows'];
  }
  return sum;
}

/** What the caller may see of the included resources: nothing beyond its access condition (none: everything). */
function visibleSql(
  db: Db,
  resourceType: string,
  alias: string,
  access: AccessFilter | undefined,
  now: Date,
): Fragment {
  return access
    ? db`AND ${conditionSql({ db, now }, resourceType, alias, access.condition(resourceType, 'read'))}`
    : db``;
}

function byType(versions: StoredVersion[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const version of versions) {
    const ids = out.get(version.resourceType);
    if (ids) ids.push(version.id);
    else out.set(version.resourceType, [version.id]);
  }
  return out;
}

/**
 * At most this many target types are read in the reference lookup's own statement, one UNION ALL branch each
 * (DeviceRequest:insurance reaches Coverage or ClaimResponse); a reference that may point at more (`subject` of
 * Any type) first looks up which targets it has, then reads those.
 */
const MAX_DIRECT_TARGETS = 4;

interface TypedRow extends CurrentRow {
  resource_type: string;
}

/**
 * One statement: for each branch, the visible current rows of its type whose id the subquery (or list) yields; at
 * most `limit` of them, so that a popular target (a supplier named by 90,000 orders) is not read whole to keep 1,000.
 */
async function rowsWhereIdIn(
  db: Db,
  branches: Branch[],
  access: AccessFilter | undefined,
  now: Date,
  limit: number,
): Promise<Reached> {
  if (!branches.length) return { resources: [], capped: false };
  const selects = branches.map((branch) => {
    const rows = rowsOf(db, branch.type, 'r');
    // An AuditEvent's id is a uuid: one reached by a reference (Provenance.target, rare) is compared as text.
    const match =
      'ids' in branch
        ? db`r.id${db.unsafe(branch.type === AUDIT_EVENT ? '::text' : '')} IN (${branch.ids})`
        : branch.where;
    return db`(
    SELECT ${branch.type}::text AS resource_type, ${rows.columns} FROM ${rows.from}
    WHERE ${rows.live} AND ${match} ${visibleSql(db, branch.type, 'r', access, now)})`;
  });
  const rows = await db<TypedRow[]>`${selects.reduce((acc, select) => db`${acc} UNION ALL ${select}`)} LIMIT ${limit}`;
  return { resources: rows.map((row) => toStoredVersion(row.resource_type, row)), capped: rows.length >= limit };
}

/** One type's rows to read: those whose id the subquery yields, or those meeting a condition on alias `r`. */
type Branch = { type: string; ids: Fragment } | { type: string; where: Fragment };

interface Reached {
  resources: StoredVersion[];
  /** The statement stopped at its limit: there may be more. */
  capped: boolean;
}

/** The resources `rules` reach from `sources`: targets of their references (_include) or resources referencing them (_revinclude). */
async function follow(
  db: Db,
  rules: IncludeRule[],
  reverse: boolean,
  sources: StoredVersion[],
  storedTypes: ReadonlySet<string>,
  access: AccessFilter | undefined,
  now: Date,
  limit: number,
): Promise<Reached> {
  const wanted = new Map<string, Set<string>>();
  const branches: Branch[] = [];
  const sourceIds = byType(sources);
  const want = (type: string, id: string) => {
    if (!storedTypes.has(type)) return;
    const set = wanted.get(type) ?? new Set<string>();
    set.add(id);
    wanted.set(type, set);
  };
  for (const rule of rules) {
    if (reverse) {
      // The referencing resources in the same statement as the reference lookup.
      for (const [targetType, ids] of sourceIds) {
        if (rule.targetType && rule.targetType !== targetType) continue;
        if (rule.sourceType === AUDIT_EVENT) {
          branches.push({ type: AUDIT_EVENT, where: auditNamingSql(db, 'r', rule.param!.stored, targetType, ids) });
          continue;
        }
        branches.push({
          type: rule.sourceType,
          ids: db`SELECT resource_id FROM search_reference WHERE resource_type = ${rule.sourceType} AND param = ${rule.param!.stored}
                    AND target_type = ${targetType} AND target_id = ANY(${ids}::text[])`,
        });
      }
      continue;
    }
    const ids = sourceIds.get(rule.sourceType);
    if (!ids) continue;
    if (rule.sourceType === AUDIT_EVENT) {
      // The log has no reference rows: an AuditEvent's references are read from the record itself.
      for (const source of sources) {
        if (source.resourceType !== AUDIT_EVENT || source.deleted) continue;
        for (const target of auditReferences(source.json, rule.param?.stored)) {
          if (!rule.targetType || rule.targetType === target.type) want(target.type, target.id);
        }
      }
      continue;
    }
    const targets = (rule.targetType ? [rule.targetType] : (rule.param?.targets ?? [])).filter((type) =>
      storedTypes.has(type),
    );
    if (rule.param && targets.length && targets.length <= MAX_DIRECT_TARGETS) {
      for (const target of targets) {
        branches.push({
          type: target,
          ids: db`SELECT target_id FROM search_reference WHERE resource_type = ${rule.sourceType} AND resource_id = ANY(${ids}::text[])
                    AND param = ${rule.param.stored} AND target_type = ${target}`,
        });
      }
      continue;
    }
    const rows = await db<{ target_type: string; target_id: string }[]>`
      SELECT DISTINCT target_type, target_id FROM search_reference
      WHERE resource_type = ${rule.sourceType} AND resource_id = ANY(${ids}::text[])
        ${rule.param ? db`AND param = ${rule.param.stored}` : db``}
        ${rule.targetType ? db`AND target_type = ${rule.targetType}` : db``}
        AND target_id IS NOT NULL`;
    for (const row of rows) want(row.target_type, row.target_id);
  }
  // The targets looked up first are read in the same statement as the others.
  for (const [type, ids] of wanted) {
    branches.push({ type, ids: db`SELECT unnest(${[...ids]}::text[])` });
  }
  return rowsWhereIdIn(db, branches, access, now, limit);
}

async function included(
  db: Db,
  plan: Plan,
  matches: StoredVersion[],
  storedTypes: ReadonlySet<string>,
  access: AccessFilter | undefined,
  now: Date,
): Promise<{ resources: StoredVersion[]; truncated: boolean }> {
  if (!plan.include.length && !plan.revinclude.length) {
    return { resources: [], truncated: false };
  }
  const seen = new Set(matches.map((m) => `${m.resourceType}/${m.id}`));
  const out: StoredVersion[] = [];
  let sources = matches;
  let round = 0;
  let capped = false;
  while (sources.length && round < MAX_ITERATIONS && out.length < MAX_INCLUDED && !capped) {
    // The first round applies every rule; later rounds only the :iterate ones, to what the previous round added.
    const include = round === 0 ? plan.include : plan.include.filter((r) => r.iterate);
    const revinclude = round === 0 ? plan.revinclude : plan.revinclude.filter((r) => r.iterate);
    if (!include.length && !revinclude.length) break;
    // Enough rows for the room left even if every one already seen comes back, and one more to tell that there are more.
    const limit = MAX_INCLUDED - out.length + seen.size + 1;
    const forward = await follow(db, include, false, sources, storedTypes, access, now, limit);
    const reverse = await follow(db, revinclude, true, sources, storedTypes, access, now, limit);
    // A statement at its limit may have left some out: said so even in the rare case that its rows repeated each other.
    capped = forward.capped || reverse.capped;
    const fresh = [...forward.resources, ...reverse.resources].filter((v) => {
      const key = `${v.resourceType}/${v.id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    out.push(...fresh);
    sources = fresh;
    round++;
  }
  return { resources: out.slice(0, MAX_INCLUDED), truncated: capped || out.length > MAX_INCLUDED };
}

export interface SearchDbs {
  /** Where the page and the total run: a pool that plans with bound values, or a transaction (see valuePlans). */
  db: Db;
  /** `db` already plans with bound values (a pool opened so); else the search sets it up itself. */
  valuePlans: boolean;
  /**
   * Where the _include / _revinclude statements run, when not in `db`: a pool on cached generic plans (connect.ts,
   * plans 'generic'). Those statements are keyed by the page's ids (`resource_id = ANY(ids)`, then primary keys), so
   * their plan is the same for every value, and the cached plan saves the planning, which was 80% of their cost
   * (0.19 of 0.23 ms at a million resources). The page and the total stay with value plans: a token or a popular
   * reference target needs another scan than a rare one.
   */
  lookupDb?: Db;
}

/** `access`: what the caller may see, applied to the matches, the total, every chain and _has, and the includes. */
export function runSearch(
  dbs: SearchDbs,
  plan: Plan,
  storedTypes: ReadonlySet<string>,
  now: Date,
  access?: AccessFilter,
): Promise<SearchResult> {
  const scoped = access
    ? { ...plan, types: plan.types.map((t) => ({ ...t, where: restrict(t.where, t.resourceType, access) })) }
    : plan;
  const run = dbs.valuePlans
    ? searchIn(dbs.db, dbs.lookupDb ?? dbs.db, scoped, storedTypes, now, access)
    : withValuePlans(dbs.db, (tx) => searchIn(tx, tx, scoped, storedTypes, now, access));
  return run.catch((error: unknown) => {
    throw stoppedByTimeout(error) ? errors.searchTooCostly() : error;
  });
}

/** PostgreSQL stopped the statement at the search pools' statement_timeout (db/connect.ts, openSearchPools). */
function stoppedByTimeout(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '57014' && typeof message === 'string' && message.includes('statement timeout');
}

async function searchIn(
  db: Db,
  lookupDb: Db,
  plan: Plan,
  storedTypes: ReadonlySet<string>,
  now: Date,
  access: AccessFilter | undefined,
): Promise<SearchResult> {
  const cursor = plan.cursor ? decodeCursor(plan.cursor, plan.sort.length) : undefined;
  const result: SearchResult = { matches: [], included: [] };
  if (plan.total === 'accurate' || plan.summary === 'count') {
    result.total = await total(db, plan, now);
  } else if (plan.total === 'estimate') {
    result.total = await estimate(db, plan, now);
  }
  if (plan.count === 0 || plan.summary === 'count') {
    return result;
  }
  const { rows, more } = await page(db, plan, cursor, now);
  result.matches = rows.map((row) => toStoredVersion(row.resource_type, row));
  if (rows.length) {
    const reverse = cursor?.direction === 'previous';
    if (!reverse ? more : true) result.next = boundary(plan, rows[rows.length - 1], 'next');
    if (reverse ? more : cursor !== undefined) result.previous = boundary(plan, rows[0], 'previous');
  }
  const inc = await included(lookupDb, plan, result.matches, storedTypes, access, now);
  result.included = inc.resources;
  result.includedTruncated = inc.truncated;
  return result;
}
