// Plan -> postgres.js fragments. Values are always bound parameters; identifiers (table names) go through sql(name);
// the only SQL text spliced in is this file's own (aliases, operators, column names). Every condition reads the
// table of its resource type under an alias; search values are looked up in the search tables of migration 0003.
import type { Fragment } from 'postgres';
import type { Db } from './db.js';
import type { Condition, NumberClause, RangeClause } from '../../contracts/condition.js';
import type { SortKey } from '../../contracts/search-plan.js';
import { auditRowSelect } from './audit-log.js';
import { AUDIT_EVENT, auditConditionSql, auditSortKeySql, referencedByAuditSql } from './audit-search.js';

type Alias = string;

/** LIKE pattern that matches `value` literally at the start (or anywhere, with `anywhere`). */
export function likePattern(value: string, anywhere = false): string {
  const escaped = value.replace(/[\\%_]/g, (c) => `\\${c}`);
  return anywhere ? `%${escaped}%` : `${escaped}%`;
}

/**
 * A search range [sl, sh) against a resource range [rl, rh) (FHIR R4 search, "prefixes": eq means the search range
 * contains the resource's, gt means the resource's range reaches above the search range, ...).
 */
function rangeCondition(
  db: Db,
  rl: Fragment,
  rh: Fragment,
  clause: RangeClause<string>,
  cast: Fragment,
  now: Date,
): Fragment {
  const sl = db`${clause.low}::${cast}`;
  const sh = db`${clause.high}::${cast}`;
  const contained = db`(${rl} >= ${sl} AND ${rl} < ${sh} AND ${rh} <= ${sh})`;
  switch (clause.prefix) {
    case 'eq':
      return contained;
    case 'ne':
      return db`NOT ${contained}`;
    case 'gt':
      return db`${rh} > ${sh}`;
    case 'lt':
      return db`${rl} < ${sl}`;
    // ge = gt OR eq, written with a leading bound that an index on high (low) can range over: a resource range
    // inside the search range also ends after its start (starts before its end).
    case 'ge':
      return db`(${rh} > ${sl} AND (${rh} > ${sh} OR ${rl} >= ${sl}))`;
    case 'le':
      return db`(${rl} < ${sh} AND (${rl} < ${sl} OR ${rh} <= ${sh}))`;
    case 'sa':
      return db`${rl} >= ${sh}`;
    case 'eb':
      return db`${rh} <= ${sl}`;
    case 'ap': {
      // Approximately: within 10% of the distance between the value and now, on either side.
      const widen = Math.abs(now.getTime() - Date.parse(clause.low)) * 0.1;
      const low = new Date(Date.parse(clause.low) - widen).toISOString();
      const high = new Date(Date.parse(clause.high) + widen).toISOString();
      return db`(${rl} < ${high}::${cast} AND ${rh} > ${low}::${cast})`;
    }
  }
}

/** The resource's last_updated is an instant: compared as a point. */
export function instantCondition(db: Db, column: Fragment, clause: RangeClause<string>, now: Date): Fragment {
  const sl = db`${clause.low}::timestamptz`;
  const sh = db`${clause.high}::timestamptz`;
  switch (clause.prefix) {
    case 'eq':
      return db`(${column} >= ${sl} AND ${column} < ${sh})`;
    case 'ne':
      return db`(${column} < ${sl} OR ${column} >= ${sh})`;
    case 'gt':
    case 'sa':
      return db`${column} >= ${sh}`;
    case 'lt':
    case 'eb':
      return db`${column} < ${sl}`;
    case 'ge':
      return db`${column} >= ${sl}`;
    case 'le':
      return db`${column} < ${sh}`;
    case 'ap':
      return rangeCondition(db, column, column, clause, db`timestamptz`, now);
  }
}

/** A decimal value against a search number whose precision gives [low, high). */
function valueCondition(db: Db, value: Fragment, clause: NumberClause): Fragment {
  const v = clause.value;
  switch (clause.prefix) {
    case 'eq':
      return db`(${value} >= ${clause.low}::numeric AND ${value} < ${clause.high}::numeric)`;
    case 'ne':
      return db`(${value} < ${clause.low}::numeric OR ${value} >= ${clause.high}::numeric)`;
    case 'gt':
    case 'sa':
      return db`${value} > ${v}::numeric`;
    case 'lt':
    case 'eb':
      return db`${value} < ${v}::numeric`;
    case 'ge':
      return db`${value} >= ${v}::numeric`;
    case 'le':
      return db`${value} <= ${v}::numeric`;
    case 'ap':
      return db`abs(${value} - ${v}::numeric) <= abs(${v}::numeric) * 0.1`;
  }
}

/**
 * Where a type's live rows are read, under `alias`: its own table (rows not deleted), or for AuditEvent the audit
 * log (migration 0015), whose rows are never deleted; `columns` selects a row as the read path takes it (CurrentRow).
 */
export function rowsOf(
  db: Db,
  resourceType: string,
  alias: Alias,
): { from: Fragment; live: Fragment; columns: Fragment; pageColumns: Fragment } {
  const a = db.unsafe(alias);
  if (resourceType === AUDIT_EVENT) {
    // A page sorts its rows first: the log's content is built for the rows kept only (fillAuditContents).
    return {
      from: db`audit_log ${a}`,
      live: db`true`,
      columns: auditRowSelect(db, alias),
      pageColumns: auditRowSelect(db, alias, false),
    };
  }
  const columns = db`${a}.id, ${a}.version, ${a}.last_updated, ${a}.deleted, ${a}.content, ${a}.compartments`;
  return { from: db`${db(resourceType)} ${a}`, live: db`NOT ${a}.deleted`, columns, pageColumns: columns };
}

export interface CompileContext {
  db: Db;
  now: Date;
  /** Nesting level of chains and _has, which names their table aliases apart (c1, h2, ...). */
  depth?: number;
}

/** `alias.id IN (SELECT resource_id FROM <table> WHERE resource_type = <type> AND param = <param> AND ...)` */
function inSearchTable(
  db: Db,
  alias: Alias,
  resourceType: string,
  table: string,
  param: string,
  where: Fragment,
): Fragment {
  return db`${db.unsafe(alias)}.id IN (
    SELECT resource_id FROM ${db(table)} WHERE resource_type = ${resourceType} AND param = ${param} AND ${where})`;
}

export function conditionSql(ctx: CompileContext, resourceType: string, alias: Alias, condition: Condition): Fragment {
  const { db } = ctx;
  const a = db.unsafe(alias);
  const depth = ctx.depth ?? 0;
  if (resourceType === AUDIT_EVENT) return auditConditionSql(ctx, alias, condition);
  switch (condition.kind) {
    case 'true':
      return db`true`;
    case 'false':
      return db`false`;
    case 'and':
    case 'or': {
      const parts = condition.conditions.map((c) => conditionSql(ctx, resourceType, alias, c));
      const joiner = condition.kind === 'and' ? db` AND ` : db` OR `;
      return db`(${parts.reduce((acc, part) => db`${acc}${joiner}${part}`)})`;
    }
    case 'not':
      return db`NOT (${conditionSql(ctx, resourceType, alias, condition.condition)})`;
    case 'id':
      return db`${a}.id = ANY(${condition.ids}::text[])`;
    case 'last-updated':
      return instantCondition(db, db`${a}.last_updated`, condition.clause, ctx.now);
    case 'compartment':
      return db`${a}.compartments @> ARRAY[${condition.patientKey}::uuid]`;
    case 'present':
      return inSearchTable(db, alias, resourceType, condition.table, condition.param, db`true`);
    case 'tokens':
      return db`${a}.tokens && ${condition.entries}::text[]`;
    case 'string': {
      const where =
        condition.match === 'exact'
          ? db`exact = ${condition.value}`
          : db`normalized LIKE ${likePattern(condition.value, condition.match === 'contains')}`;
      return inSearchTable(db, alias, resourceType, 'search_string', condition.param, where);
    }
    case 'date': {
      const clauses = condition.clauses.map((clause) => {
        const range = rangeCondition(db, db`low`, db`high`, clause, db`timestamptz`, ctx.now);
        // A date or dateTime spans at most a year: one that ends after X starts after X minus a year, a bound
        // that turns an index range over everything before the other end into a range of a year and a bit.
        const endsAfter = clause.prefix === 'gt' ? clause.high : clause.prefix === 'ge' ? clause.low : undefined;
        return condition.pointInTime && endsAfter
          ? db`${range} AND low > ${endsAfter}::timestamptz - interval '367 days'`
          : range;
      });
      return inSearchTable(
        db,
        alias,
        resourceType,
        'search_date',
        condition.param,
        clauses.reduce((acc, c) => db`${acc} AND ${c}`),
      );
    }
    case 'number':
      return inSearchTable(
        db,
        alias,
        resourceType,
        'search_number',
        condition.param,
        valueCondition(db, db`((low + high) / 2)`, condition.clause),
      );
    case 'quantity': {
      let where = valueCondition(db, db`value`, condition.clause);
      if (condition.system) {
        where = db`${where} AND system = ${condition.system} AND code = ${condition.code ?? ''}`;
      } else if (condition.code) {
        where = db`${where} AND (code = ${condition.code} OR unit = ${condition.code})`;
      }
      return inSearchTable(db, alias, resourceType, 'search_quantity', condition.param, where);
    }
    case 'reference': {
      const parts: Fragment[] = [];
      if (condition.targetType) parts.push(db`target_type = ${condition.targetType}`);
      if (condition.targetId) parts.push(db`target_id = ${condition.targetId}`);
      if (condition.url) parts.push(db`url = ${condition.url}`);
      if (condition.version) parts.push(db`version = ${condition.version}`);
      return inSearchTable(
        db,
        alias,
        resourceType,
        'search_reference',
        condition.param,
        parts.reduce((acc, p) => db`${acc} AND ${p}`),
      );
    }
    case 'uri': {
      const where =
        condition.match === 'eq'
          ? db`value = ${condition.value}`
          : condition.match === 'below'
            ? db`value LIKE ${likePattern(condition.value)}`
            : db`starts_with(${condition.value}, value)`;
      return inSearchTable(db, alias, resourceType, 'search_uri', condition.param, where);
    }
    case 'chain': {
      // Asked per row (EXISTS, correlated by the row's id), not as an id list built first: under an OR (a policy
      // scope's branches) PostgreSQL cannot pull an IN list into a join, and builds the whole list for each
      // statement, so a check of one resource read every resource the list could hold. At the top level of the
      // WHERE, PostgreSQL can pull this EXISTS into a semi-join as it did the IN (not checked with EXPLAIN at 1M yet).
      const inner = `c${depth + 1}`;
      const ref = db.unsafe(`r${depth + 1}`);
      const innerWhere = conditionSql({ ...ctx, depth: depth + 1 }, condition.targetType, inner, condition.condition);
      const target = rowsOf(db, condition.targetType, inner);
      return db`EXISTS (
        SELECT 1 FROM search_reference ${ref}
        WHERE ${ref}.resource_type = ${resourceType} AND ${ref}.resource_id = ${a}.id AND ${ref}.param = ${condition.param}
          AND ${ref}.target_type = ${condition.targetType}
          AND EXISTS (SELECT 1 FROM ${target.from} WHERE ${db.unsafe(inner)}.id::text = ${ref}.target_id AND ${target.live} AND ${innerWhere}))`;
    }
    case 'in-compartment-of': {
      // A Patient's own compartments hold its own key (and those of Patients it links to), so the row is in the
      // compartment of a Patient that meets the condition when their compartments overlap. Asked per row, from the
      // row's own compartments (the GIN index on Patient.compartments finds its one or two Patients): an array of
      // every Patient meeting the condition, built first, read the whole Patient table for each write check and
      // each conditional lookup, so a care provider's writes slowed with the size of the store.
      const inner = db.unsafe(`p${depth + 1}`);
      const innerWhere = conditionSql({ ...ctx, depth: depth + 1 }, 'Patient', `p${depth + 1}`, condition.condition);
      return db`EXISTS (
        SELECT 1 FROM "Patient" ${inner}
        WHERE ${inner}.compartments && ${a}.compartments AND NOT ${inner}.deleted AND ${innerWhere})`;
    }
    case 'has': {
      if (condition.sourceType === AUDIT_EVENT) {
        return referencedByAuditSql(ctx, resourceType, alias, condition.param, condition.condition);
      }
      // Per row, as a chain is (above).
      const inner = db.unsafe(`h${depth + 1}`);
      const ref = db.unsafe(`s${depth + 1}`);
      const innerWhere = conditionSql(
        { ...ctx, depth: depth + 1 },
        condition.sourceType,
        `h${depth + 1}`,
        condition.condition,
      );
      return db`EXISTS (
        SELECT 1 FROM search_reference ${ref}
        WHERE ${ref}.target_type = ${resourceType} AND ${ref}.target_id = ${a}.id AND ${ref}.resource_type = ${condition.sourceType}
          AND ${ref}.param = ${condition.param}
          AND EXISTS (SELECT 1 FROM ${db(condition.sourceType)} ${inner}
                      WHERE ${inner}.id = ${ref}.resource_id AND NOT ${inner}.deleted AND ${innerWhere}))`;
    }
  }
}

export type SortSqlType = 'text' | 'timestamptz' | 'numeric';

/** The value a resource sorts by for one key (ascending: its lowest value; descending: its highest), and its type. */
export function sortKeySql(
  db: Db,
  resourceType: string,
  alias: Alias,
  key: SortKey,
): { sql: Fragment; type: SortSqlType; notNull?: boolean } {
  if (resourceType === AUDIT_EVENT) return auditSortKeySql(db, alias, key);
  const a = db.unsafe(alias);
  const agg = db.unsafe(key.descending ? 'max' : 'min');
  const from = (table: string, column: string) =>
    db`(SELECT ${agg}(${db.unsafe(column)}) FROM ${db(table)} WHERE resource_type = ${resourceType} AND resource_id = ${a}.id AND param = ${key.param})`;
  if (key.param === '_id') return { sql: db`${a}.id`, type: 'text' };
  if (key.param === '_lastUpdated') return { sql: db`${a}.last_updated`, type: 'timestamptz' };
  switch (key.type) {
    case 'date':
      return { sql: from('search_date', key.descending ? 'high' : 'low'), type: 'timestamptz' };
    case 'string':
      return { sql: from('search_string', 'normalized'), type: 'text' };
    case 'number':
      return { sql: from('search_number', key.descending ? 'high' : 'low'), type: 'numeric' };
    case 'quantity':
      return { sql: from('search_quantity', 'value'), type: 'numeric' };
    case 'reference':
      return { sql: from('search_reference', "target_type || '/' || target_id"), type: 'text' };
    case 'uri':
      return { sql: from('search_uri', 'value'), type: 'text' };
    default: {
      const prefix = `${key.param}#`;
      return {
        sql: db`(SELECT ${agg}(substr(e, ${prefix.length + 1})) FROM unnest(${a}.tokens) e WHERE left(e, ${prefix.length}) = ${prefix})`,
        type: 'text',
      };
    }
  }
}
