// Search Conditions on AuditEvent, compiled against the typed columns of audit_log (migration 0015) instead of the
// generic tables: `patient` and compartments by the GIN index on compartments, `agent` by the OAuth client or the
// organisation (btree with the time), `entity` and `policy` by their GIN indexes, `date` and `_lastUpdated` by
// the time, and the token parameters by their columns. A parameter the log does not hold (agent-name, altid,
// entity-name, _tag, ...) is refused with a 400 that names it, never answered with a silent empty result.
import type { Fragment } from 'postgres';
import type { Condition } from '../../contracts/condition.js';
import type { SortKey } from '../../contracts/search-plan.js';
import { compartmentKey, isUuid } from '../../contracts/compartment-key.js';
import { errors } from '../../errors.js';
import { AUDIT_TYPES, OAUTH_CLIENT, RULE_PREFIX, subtypeSystem } from '../audit-event-form.js';
import type { Db } from './db.js';
import { type CompileContext, conditionSql, instantCondition, likePattern } from './search-sql.js';

export const AUDIT_EVENT = 'AuditEvent';

const unsupported = (param: string): Error =>
  errors.unsupportedSearchParameter(param, 'AuditEvent (the audit log holds no such value)');

/** A token entry (token-entry.ts) taken apart: `p|S|C`, `p#C` (any system), `p|S|` (any code), `?p` (present). */
interface Entry {
  param: string;
  system?: string;
  code?: string;
  present?: true;
}

function parseEntry(entry: string): Entry {
  if (entry.startsWith('?')) return { param: entry.slice(1), present: true };
  const hash = entry.indexOf('#');
  const bar = entry.indexOf('|');
  if (hash >= 0 && (bar < 0 || hash < bar)) return { param: entry.slice(0, hash), code: entry.slice(hash + 1) };
  const second = entry.indexOf('|', bar + 1);
  const code = entry.slice(second + 1);
  return { param: entry.slice(0, bar), system: entry.slice(bar + 1, second), ...(code ? { code } : {}) };
}

/** A coded column with one system: the entry's system must be it (or absent), its code the column's value. */
function coded(db: Db, column: Fragment, system: string, entry: Entry): Fragment {
  if (entry.system !== undefined && entry.system !== system) return db`false`;
  return entry.code === undefined ? db`true` : db`${column} = ${entry.code}`;
}

/** Which of a fixed set of codings (`key` -> system and code) the entry matches, as `column = ANY(keys)`. */
function fromCodings(
  db: Db,
  column: Fragment,
  codings: Record<string, { system?: string; code?: string }>,
  entry: Entry,
) {
  const keys = Object.entries(codings)
    .filter(
      ([, c]) =>
        (entry.system === undefined || entry.system === c.system) &&
        (entry.code === undefined || entry.code === c.code),
    )
    .map(([key]) => key);
  return db`${column} = ANY(${keys}::text[])`;
}

function tokenSql(db: Db, l: string, raw: string): Fragment {
  const a = (column: string) => db`${db.unsafe(l)}.${db.unsafe(column)}`;
  const entry = parseEntry(raw);
  if (entry.present) {
    switch (entry.param) {
      case 'type':
      case 'subtype':
      case 'action':
      case 'outcome':
      case 'purpose':
      case 'agent':
      case 'agent-role':
      case 'source':
      case 'entity-type':
      case 'entity-role':
        return db`true`;
      case 'patient':
        return db`${a('patients')} IS NOT NULL`;
      case 'entity':
        return db`${a('entities')} IS NOT NULL`;
      case 'site':
        return db`${a('entrance')} NOT IN ('rest', 'oauth')`;
      default:
        throw unsupported(`${entry.param}:missing`);
    }
  }
  switch (entry.param) {
    case 'type':
      return fromCodings(db, a('type'), AUDIT_TYPES, entry);
    case 'subtype': {
      if (entry.code !== undefined) {
        return entry.system === undefined || entry.system === subtypeSystem(entry.code)
          ? db`${a('subtype')} = ${entry.code}`
          : db`false`;
      }
      return subtypeSystem('110122') === entry.system
        ? db`${a('subtype')} = '110122'`
        : subtypeSystem('read') === entry.system
          ? db`${a('subtype')} <> '110122'`
          : db`false`;
    }
    case 'action':
      return coded(db, a('action'), 'http://hl7.org/fhir/audit-event-action', entry);
    case 'outcome':
      return coded(db, a('outcome'), 'http://hl7.org/fhir/audit-event-outcome', entry);
    case 'purpose':
      return coded(db, a('purpose'), 'http://terminology.hl7.org/CodeSystem/v3-ActReason', entry);
    // The requestor's role is a text (its kind or role: supplier, person, ...): matched by its code, any system.
    case 'agent-role':
      return entry.system ? db`false` : entry.code === undefined ? db`true` : db`${a('role')} = ${entry.code}`;
    case 'site':
      return entry.system || entry.code === undefined
        ? db`false`
        : db`(${a('entrance')} = ${entry.code} AND ${a('entrance')} NOT IN ('rest', 'oauth'))`;
    case 'entity-type':
      return entityType(db, a, entry);
    case 'entity-role':
      return entityRole(db, a, entry);
    case 'agent:identifier': {
      if (entry.system === OAUTH_CLIENT) {
        return entry.code === undefined ? db`${a('client_id')} IS NOT NULL` : db`${a('client_id')} = ${entry.code}`;
      }
      if (entry.system !== undefined) {
        return entry.code === undefined
          ? db`${a('organization')} LIKE ${likePattern(`${entry.system}|`)}`
          : db`${a('organization')} = ${`${entry.system}|${entry.code}`}`;
      }
      return db`(${a('client_id')} = ${entry.code ?? ''} OR ${a('organization')} LIKE ${`%|${entry.code ?? ''}`})`;
    }
    case 'source:identifier':
      return entry.system === 'urn:ietf:rfc:3986' && entry.code !== undefined
        ? db`${a('source')} = ${entry.code}`
        : db`false`;
    case 'patient:identifier':
    case 'entity:identifier':
      return db`false`; // the log names clients and resources by reference only
    default:
      throw unsupported(entry.param);
  }
}

const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

/** entity-type: 1 Person (the clients named), 2 System Object (the resources, the query). */
function entityType(db: Db, a: (column: string) => Fragment, entry: Entry): Fragment {
  if (entry.system !== undefined && entry.system !== ENTITY_TYPE) return db`false`;
  if (entry.code === '1') return db`${a('patients')} IS NOT NULL`;
  if (entry.code === '2') return db`(${a('entities')} IS NOT NULL OR ${a('query')} IS NOT NULL)`;
  return entry.code === undefined ? db`true` : db`false`;
}

/** entity-role: 1 Patient, 4 Domain Resource, 24 Query. */
function entityRole(db: Db, a: (column: string) => Fragment, entry: Entry): Fragment {
  if (entry.system !== undefined && entry.system !== OBJECT_ROLE) return db`false`;
  if (entry.code === '1') return db`${a('patients')} IS NOT NULL`;
  if (entry.code === '4') return db`${a('entities')} IS NOT NULL`;
  if (entry.code === '24') return db`${a('query')} IS NOT NULL`;
  return entry.code === undefined ? db`true` : db`false`;
}

/** The references a reference parameter of AuditEvent points at, as `(type, id)` rows of a subquery on alias `l`. */
function referenceTargets(db: Db, l: string, param: string): Fragment {
  const a = (column: string) => db`${db.unsafe(l)}.${db.unsafe(column)}`;
  switch (param) {
    case 'patient':
      return db`SELECT 'Patient' AS type, p AS id FROM unnest(${a('patients')}) p`;
    case 'entity':
      return db`SELECT split_part(e, '/', 1) AS type, split_part(e, '/', 2) AS id FROM unnest(${a('entities')}) e`;
    case 'agent':
      return db`SELECT 'RelatedPerson' AS type, substr(${a('actor')}, 15) AS id WHERE ${a('actor')} IS NOT NULL
        UNION ALL SELECT 'Patient', ${a('patient')} WHERE ${a('patient')} IS NOT NULL`;
    default:
      throw unsupported(param);
  }
}

function referenceSql(db: Db, l: string, condition: Extract<Condition, { kind: 'reference' }>): Fragment {
  const a = (column: string) => db`${db.unsafe(l)}.${db.unsafe(column)}`;
  if (condition.url !== undefined) return db`false`; // nothing in the log is named by an absolute URL
  const { param, targetType, targetId } = condition;
  if (param === 'patient' || (param === 'agent' && targetType === 'Patient')) {
    if (targetType !== undefined && targetType !== 'Patient') return db`false`;
    if (targetId === undefined) return db`${a('patients')} IS NOT NULL`;
    // The GIN index on compartments finds the rows; the ids confirm (a compartment key is the id's, compartment-key.ts).
    const named = param === 'patient' ? db`${targetId} = ANY(${a('patients')})` : db`${a('patient')} = ${targetId}`;
    return db`(${a('compartments')} @> ARRAY[${compartmentKey(targetId)}]::uuid[] AND ${named})`;
  }
  if (param === 'entity') {
    if (targetType === undefined || targetId === undefined) {
      return db`EXISTS (SELECT 1 FROM (${referenceTargets(db, l, param)}) t
        WHERE ${targetType === undefined ? db`true` : db`t.type = ${targetType}`} AND ${targetId === undefined ? db`true` : db`t.id = ${targetId}`})`;
    }
    const reference = `${targetType}/${targetId}`;
    const contains = db`${a('entities')} @> ARRAY[${reference}]::text[]`;
    return condition.version === undefined
      ? contains
      : db`(${contains} AND EXISTS (SELECT 1 FROM unnest(${a('entities')}, ${a('entity_versions')}) AS e(ref, v)
          WHERE e.ref = ${reference} AND e.v = ${condition.version}))`;
  }
  if (param === 'agent') {
    if (targetType === 'RelatedPerson' || targetType === undefined) {
      return targetId === undefined
        ? db`(${a('actor')} IS NOT NULL OR ${a('patient')} IS NOT NULL)`
        : db`(${a('actor')} = ${`RelatedPerson/${targetId}`} OR ${a('patient')} = ${targetId})`;
    }
    return db`false`; // clients and organisations are named by identifier (agent:identifier)
  }
  if (param === 'source') return db`false`; // the source is named by its URL (source:identifier)
  throw unsupported(param);
}

/** `policy`: a rule (urn:zorghub:access-rule:<id>) or a Consent relied on. */
function policySql(db: Db, l: string, condition: Extract<Condition, { kind: 'uri' }>): Fragment {
  const a = (column: string) => db`${db.unsafe(l)}.${db.unsafe(column)}`;
  if (condition.match !== 'eq') throw unsupported(`policy:${condition.match}`);
  const value = condition.value.startsWith(RULE_PREFIX) ? condition.value.slice(RULE_PREFIX.length) : condition.value;
  const rule = db`${a('rules')} @> ARRAY[${value}]::text[]`;
  return value.startsWith('Consent/') ? db`(${rule} OR ${a('consent')} = ${value})` : rule;
}

/** A Condition on AuditEvent as SQL over audit_log under `alias`. */
export function auditConditionSql(ctx: CompileContext, alias: string, condition: Condition): Fragment {
  const { db } = ctx;
  const a = (column: string) => db`${db.unsafe(alias)}.${db.unsafe(column)}`;
  const depth = ctx.depth ?? 0;
  switch (condition.kind) {
    case 'true':
      return db`true`;
    case 'false':
      return db`false`;
    case 'and':
    case 'or': {
      const parts = condition.conditions.map((c) => auditConditionSql(ctx, alias, c));
      const joiner = condition.kind === 'and' ? db` AND ` : db` OR `;
      return db`(${parts.reduce((acc, part) => db`${acc}${joiner}${part}`)})`;
    }
    case 'not':
      return db`NOT (${auditConditionSql(ctx, alias, condition.condition)})`;
    case 'id':
      return db`${a('id')} = ANY(${condition.ids.filter(isUuid)}::uuid[])`;
    case 'last-updated':
      return instantCondition(db, a('recorded'), condition.clause, ctx.now);
    case 'compartment':
      return db`${a('compartments')} @> ARRAY[${condition.patientKey}]::uuid[]`;
    case 'tokens': {
      const parts = condition.entries.map((entry) => tokenSql(db, alias, entry));
      return parts.length === 1 ? parts[0] : db`(${parts.reduce((acc, part) => db`${acc} OR ${part}`)})`;
    }
    case 'date': {
      if (condition.param !== 'date') throw unsupported(condition.param);
      const clauses = condition.clauses.map((clause) => instantCondition(db, a('recorded'), clause, ctx.now));
      return db`(${clauses.reduce((acc, c) => db`${acc} AND ${c}`)})`;
    }
    case 'string': {
      if (condition.param !== 'address') throw unsupported(condition.param);
      return condition.match === 'exact'
        ? db`${a('address')} = ${condition.value}`
        : db`lower(${a('address')}) LIKE ${likePattern(condition.value.toLowerCase(), condition.match === 'contains')}`;
    }
    case 'present':
      if (condition.param === 'date') return db`true`;
      if (condition.param === 'address') return db`${a('address')} IS NOT NULL`;
      if (condition.param === 'policy') return db`(${a('rules')} IS NOT NULL OR ${a('consent')} IS NOT NULL)`;
      throw unsupported(condition.param);
    case 'reference':
      return referenceSql(db, alias, condition);
    case 'uri':
      if (condition.param !== 'policy') throw unsupported(condition.param);
      return policySql(db, alias, condition);
    case 'chain': {
      // AuditEvent?patient.identifier=..., ?entity:Coverage.status=...: the targets that meet the inner condition.
      const inner = `c${depth + 1}`;
      const innerWhere = conditionSql({ ...ctx, depth: depth + 1 }, condition.targetType, inner, condition.condition);
      return db`EXISTS (SELECT 1 FROM (${referenceTargets(db, alias, condition.param)}) t
        JOIN ${db(condition.targetType)} ${db.unsafe(inner)} ON ${db.unsafe(inner)}.id = t.id
        WHERE t.type = ${condition.targetType} AND NOT ${db.unsafe(inner)}.deleted AND ${innerWhere})`;
    }
    case 'in-compartment-of': {
      const inner = `p${depth + 1}`;
      const innerWhere = conditionSql({ ...ctx, depth: depth + 1 }, 'Patient', inner, condition.condition);
      return db`${a('compartments')} && ARRAY(
        SELECT unnest(${db.unsafe(inner)}.compartments) FROM "Patient" ${db.unsafe(inner)}
        WHERE NOT ${db.unsafe(inner)}.deleted AND ${innerWhere})`;
    }
    case 'has':
      // Nothing the hub stores references an AuditEvent through a parameter it could follow back.
      return db`false`;
    case 'number':
    case 'quantity':
      throw unsupported(condition.param);
  }
}

/**
 * `resourceType` resources that AuditEvents satisfying `condition` reference through `param` (`_has:AuditEvent:...`),
 * for the generic compiler: `alias` is the outer resource's row.
 */
export function referencedByAuditSql(
  ctx: CompileContext,
  resourceType: string,
  alias: string,
  param: string,
  condition: Condition,
): Fragment {
  const { db } = ctx;
  const inner = `h${(ctx.depth ?? 0) + 1}`;
  const innerWhere = auditConditionSql({ ...ctx, depth: (ctx.depth ?? 0) + 1 }, inner, condition);
  return db`${db.unsafe(alias)}.id IN (
    SELECT t.id FROM audit_log ${db.unsafe(inner)}, LATERAL (${referenceTargets(db, inner, param)}) t
    WHERE t.type = ${resourceType} AND ${innerWhere})`;
}

/** The sort keys the log can order by: its time (date, _lastUpdated) and id. */
export function auditSortKeySql(
  db: Db,
  alias: string,
  key: SortKey,
): { sql: Fragment; type: 'text' | 'timestamptz'; notNull: true } {
  const a = (column: string) => db`${db.unsafe(alias)}.${db.unsafe(column)}`;
  if (key.param === 'date' || key.param === '_lastUpdated') {
    return { sql: a('recorded'), type: 'timestamptz', notNull: true };
  }
  if (key.param === '_id') return { sql: db`${a('id')}::text`, type: 'text', notNull: true };
  throw errors.unsupportedSearchParameter(`_sort=${key.param}`, 'AuditEvent (it sorts by date and _id)');
}

/** The resources an AuditEvent names through `param` (undefined: every reference parameter), for `_include`. */
export function auditReferences(json: string, param: string | undefined): { type: string; id: string }[] {
  const event = JSON.parse(json) as {
    agent?: { who?: { reference?: string } }[];
    entity?: { what?: { reference?: string }; role?: { code?: string } }[];
  };
  const references: string[] = [];
  if (param === undefined || param === 'agent' || param === 'patient') {
    for (const agent of event.agent ?? []) if (agent.who?.reference) references.push(agent.who.reference);
  }
  if (param === undefined || param === 'entity' || param === 'patient') {
    for (const entity of event.entity ?? []) if (entity.what?.reference) references.push(entity.what.reference);
  }
  return references
    .map((reference) => reference.split('/'))
    .filter(([type, id]) => type && id && (param !== 'patient' || type === 'Patient'))
    .map(([type, id]) => ({ type, id }));
}

/** AuditEvents that name one of `ids` of `targetType` through `param`, for `_revinclude=AuditEvent:<param>`. */
export function auditNamingSql(db: Db, alias: string, param: string, targetType: string, ids: string[]): Fragment {
  const a = (column: string) => db`${db.unsafe(alias)}.${db.unsafe(column)}`;
  if (param === 'patient' || (param === 'agent' && targetType === 'Patient')) {
    if (targetType !== 'Patient') return db`false`;
    const keys = ids.map(compartmentKey);
    const named =
      param === 'patient' ? db`${a('patients')} && ${ids}::text[]` : db`${a('patient')} = ANY(${ids}::text[])`;
    return db`(${a('compartments')} && ${keys}::uuid[] AND ${named})`;
  }
  if (param === 'entity') return db`${a('entities')} && ${ids.map((id) => `${targetType}/${id}`)}::text[]`;
  if (param === 'agent' && targetType === 'RelatedPerson') {
    return db`${a('actor')} = ANY(${ids.map((id) => `RelatedPerson/${id}`)}::text[])`;
  }
  return db`false`;
}
