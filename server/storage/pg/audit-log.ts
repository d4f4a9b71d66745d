// The storage side of the audit trail (migrations 0013, 0015). A request writes its record as one row of typed
// columns into audit_log, in the caller's transaction when there is one, together with a narrow line in
// audit_unsealed (its position, time, id and the hash of its canonical form); the row is searchable the moment it
// commits. sealAuditLog() then chains those lines, in position order under the chain's lock, into audit_trail.
// Nothing else is deferred: there is no index to build afterwards. Reads render a row as its AuditEvent
// (server/storage/audit-event-form.ts); a record from before the log (`legacy`) is its stored text.
import { createHash } from 'node:crypto';
import type { Fragment } from 'postgres';
import type { Sql } from 'postgres';
import type { AuditRecord } from '../../contracts/audit-record.js';
import { isUuid } from '../../contracts/compartment-key.js';
import { AUDIT_FIELDS, canonicalAuditText, renderAuditEvent } from '../audit-event-form.js';
import { newResourceId } from '../resource-id.js';
import type { CurrentRow, Db } from './db.js';
import { pgTextArray } from './write.js';

/** The advisory lock of the chain: sealing and pruning take it. */
export const AUDIT_LOCK = 7513;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The most records one statement carries: the audit trail's group commit takes no more at a time. */
export const INBOX_STATEMENT_RECORDS = 64;

/** Each field's column in audit_log and its type (arrays are stored NULL when empty). */
const COLUMN_OF: Record<(typeof AUDIT_FIELDS)[number], [string, string]> = {
  id: ['id', 'uuid'],
  recorded: ['recorded', 'timestamptz'],
  type: ['type', 'text'],
  subtype: ['subtype', 'text'],
  interaction: ['interaction', 'text'],
  action: ['action', 'text'],
  outcome: ['outcome', 'text'],
  outcomeDesc: ['outcome_desc', 'text'],
  purpose: ['purpose', 'text'],
  clientId: ['client_id', 'text'],
  role: ['role', 'text'],
  organization: ['organization', 'text'],
  actor: ['actor', 'text'],
  patient: ['patient', 'text'],
  rules: ['rules', 'text[]'],
  consent: ['consent', 'text'],
  address: ['address', 'text'],
  entrance: ['entrance', 'text'],
  source: ['source', 'text'],
  patients: ['patients', 'text[]'],
  entities: ['entities', 'text[]'],
  entityVersions: ['entity_versions', 'text[]'],
  entityClients: ['entity_clients', 'text[]'],
  query: ['query', 'text'],
  compartments: ['compartments', 'uuid[]'],
};
/** The columns a record fills, in the order of its canonical form (AUDIT_FIELDS). */
const COLUMNS = AUDIT_FIELDS.map((field) => COLUMN_OF[field]);
const NAMES = COLUMNS.map(([name]) => name).join(', ');

/**
 * The one statement that appends records: their rows into audit_log and their lines into audit_unsealed. Each column
 * is one array parameter holding that column of every record (an array column travels as the text of its literal,
 * cast on insert), so the statement has the same 26 parameters for one record or sixty-four: binding a parameter per
 * value cost more than the insert itself. (One JSON parameter of all records was slower still: PostgreSQL parsed
 * each record again.)
 */
const APPEND_STATEMENT = `WITH r (${NAMES}, content_hash) AS (
    SELECT * FROM unnest(${COLUMNS.map(([, type], c) => `$${c + 1}::${type.endsWith('[]') ? 'text' : type}[]`).join(', ')}, $${COLUMNS.length + 1}::text[])
  ), l AS (
    INSERT INTO audit_log (${NAMES})
    SELECT ${COLUMNS.map(([name, type]) => (type.endsWith('[]') ? `${name}::${type}` : name)).join(', ')} FROM r
  )
  INSERT INTO audit_unsealed (recorded, event_id, content_hash) SELECT recorded, id::text, content_hash FROM r`;

/** An element of an array literal: quoted, or NULL. */
const element = (value: string | null): string =>
  value === null ? 'NULL' : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** A record's value of one field as text (an array as its literal, empty as NULL). */
function columnValue(record: AuditRecord & { id: string }, field: (typeof AUDIT_FIELDS)[number]): string | null {
  const value = record[field];
  if (value instanceof Date) return value.toISOString();
  if (!Array.isArray(value)) return value;
  if (!value.length) return null;
  return field === 'compartments' ? `{${value.join(',')}}` : pgTextArray(value);
}

/**
 * Writes the records into the log, inside the caller's transaction when there is one, so a write and its record
 * commit together; each gets its line in audit_unsealed with the hash of its canonical form, which the chain will
 * hold. Up to INBOX_STATEMENT_RECORDS records go in one statement (atomic on its own); more take several, which
 * only a transaction makes atomic together.
 */
export async function appendAuditRecords(db: Db, records: AuditRecord[]): Promise<void> {
  for (let start = 0; start < records.length; start += INBOX_STATEMENT_RECORDS) {
    const chunk = records.slice(start, start + INBOX_STATEMENT_RECORDS);
    const columns: (string | null)[][] = COLUMNS.map(() => []);
    const hashes: string[] = [];
    for (const record of chunk) {
      // A v7 uuid of the record's own time: its id tells which partition holds it.
      const withId = { ...record, id: (record.id ?? newResourceId(record.recorded.getTime())).toLowerCase() };
      for (const [c, field] of AUDIT_FIELDS.entries()) columns[c]?.push(columnValue(withId, field));
      hashes.push(sha256Hex(canonicalAuditText(withId)));
    }
    const params = [...columns.map((values) => `{${values.map(element).join(',')}}`), `{${hashes.join(',')}}`];
    await db.unsafe(APPEND_STATEMENT, params, { prepare: true });
  }
}

/** The content of a row under `alias`: the legacy text, or the typed values as a JSON array in canonical order. */
function contentSql(db: Db, l: Fragment): Fragment {
  const values = COLUMNS.map(([column]) =>
    column === 'recorded' ? db`(extract(epoch FROM ${l}.recorded) * 1000)::bigint` : db`${l}.${db.unsafe(column)}`,
  );
  return db`coalesce(${l}.legacy, json_build_array(${values.reduce((acc, value) => db`${acc}, ${value}`)})::text)`;
}

/**
 * A row of audit_log as the read path takes it (CurrentRow: id, version 1, recorded as last_updated, content, the
 * compartments): the content as auditEventText() renders it. `alias` names the audit_log row. `withContent` false
 * leaves the content NULL, for a search page, whose ordering would otherwise build it for every row it sorts:
 * fillAuditContents() adds it to the rows kept.
 */
export function auditRowSelect(db: Db, alias: string, withContent = true): Fragment {
  const l = db.unsafe(alias);
  return db`${l}.id::text AS id, 1 AS version, ${l}.recorded AS last_updated, false AS deleted,
    ${withContent ? contentSql(db, l) : db`NULL::text`} AS content, coalesce(${l}.compartments, '{}') AS compartments`;
}

/** Adds the content to AuditEvent rows of a search page selected without it (by id and time: their partitions). */
export async function fillAuditContents(db: Db, rows: (CurrentRow & { resource_type: string })[]): Promise<void> {
  const missing = rows.filter((row) => row.resource_type === 'AuditEvent' && row.content === null);
  if (!missing.length) return;
  // The time range of the page (a Date holds milliseconds; the column may hold microseconds) picks the partitions.
  const times = missing.map((row) => row.last_updated.getTime());
  const found = await db<{ id: string; content: string }[]>`
    SELECT l.id::text AS id, ${contentSql(db, db.unsafe('l'))} AS content FROM audit_log l
    WHERE l.id = ANY(${missing.map((row) => row.id)}::uuid[])
      AND l.recorded >= ${new Date(Math.min(...times))} AND l.recorded < ${new Date(Math.max(...times) + 1)}`;
  const contents = new Map(found.map((row) => [row.id, row.content]));
  for (const row of missing) row.content = contents.get(row.id) ?? row.content;
}

/** The record a row's typed values (contentSql's JSON array, in AUDIT_FIELDS order) stand for. */
function recordOf(values: unknown[]): AuditRecord & { id: string } {
  const record: Record<string, unknown> = {};
  AUDIT_FIELDS.forEach((field, i) => {
    const value = values[i];
    record[field] =
      field === 'recorded' ? new Date(Number(value)) : COLUMN_OF[field][1].endsWith('[]') ? (value ?? []) : value;
  });
  return record as unknown as AuditRecord & { id: string };
}

const isTyped = (content: string) => content.charCodeAt(0) === 91; // '[': typed values; a legacy text is an object

/** The AuditEvent text of a row's content (auditRowSelect). */
export function auditEventText(content: string): string {
  return isTyped(content) ? JSON.stringify(renderAuditEvent(recordOf(JSON.parse(content) as unknown[]))) : content;
}

/** The hash the chain holds for a row's content: of the canonical form, or of the legacy text. */
export function auditContentHash(content: string): string {
  return sha256Hex(isTyped(content) ? canonicalAuditText(recordOf(JSON.parse(content) as unknown[])) : content);
}

/** The time a v7 uuid carries, if it is one: the record's partition, give or take a day. */
function idTime(id: string): number | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7/i.test(id)) return undefined;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

const DAY_MS = 86_400_000;

/** The row of one record (auditRowSelect), if it exists: looked for in the partitions of its id's time first. */
export async function readAuditRow(
  db: Db,
  id: string,
  where: (alias: string) => Fragment,
): Promise<CurrentRow | undefined> {
  if (!isUuid(id)) return undefined;
  const time = idTime(id);
  if (time !== undefined) {
    const [row] = await db<CurrentRow[]>`
      SELECT ${auditRowSelect(db, 'l')} FROM audit_log l
      WHERE l.id = ${id}::uuid AND l.recorded >= ${new Date(time - DAY_MS)} AND l.recorded < ${new Date(time + DAY_MS)}
        AND ${where('l')}`;
    if (row) return row;
  }
  const [row] = await db<
    CurrentRow[]
  >`SELECT ${auditRowSelect(db, 'l')} FROM audit_log l WHERE l.id = ${id}::uuid AND ${where('l')}`;
  return row;
}

/** The contents (auditRowSelect) of these records, by id; a record gone has none. */
export async function auditContents(db: Db, eventIds: string[]): Promise<Map<string, string>> {
  const ids = eventIds.filter((id) => isUuid(id));
  const rows = await db<{ id: string; content: string }[]>`
    SELECT ${auditRowSelect(db, 'l')} FROM audit_log l WHERE l.id = ANY(${ids}::uuid[])`;
  return new Map(rows.map((row) => [row.id, row.content]));
}

interface UnsealedRow {
  position: string;
  recorded: Date;
  event_id: string;
  content_hash: string;
}

const GENESIS = '0'.repeat(64);

/**
 * Seals up to `limit` records, oldest position first, in one transaction under the chain's lock: each gets its
 * link in audit_trail (seq, hashes) in position order, from its narrow line in audit_unsealed. Returns how many.
 */
export async function sealAuditLog(sql: Sql, limit: number): Promise<number> {
  return (await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`;
    const taken = await tx<UnsealedRow[]>`
      WITH taken AS (
        DELETE FROM audit_unsealed WHERE position IN (SELECT position FROM audit_unsealed ORDER BY position LIMIT ${limit})
        RETURNING position, recorded, event_id, content_hash
      )
      SELECT * FROM taken ORDER BY position`;
    if (taken.length === 0) {
      return 0;
    }
    // The head: the last link, or after a prune that removed everything the prune checkpoint, or the genesis.
    const [head] = await tx<{ seq: string; chain_hash: string }[]>`
      (SELECT seq, chain_hash FROM audit_trail ORDER BY seq DESC LIMIT 1)
      UNION ALL (SELECT seq, chain_hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1)
      ORDER BY seq DESC LIMIT 1`;
    let seq = head ? Number(head.seq) : 0;
    let previous = head?.chain_hash ?? GENESIS;
    const links = taken.map((row) => {
      const chainHash = sha256Hex(previous + row.content_hash);
      const link = {
        seq: ++seq,
        recorded: row.recorded.toISOString(),
        event_id: row.event_id,
        content_hash: row.content_hash,
        previous_hash: previous,
        chain_hash: chainHash,
      };
      previous = chainHash;
      return link;
    });
    await tx`
      INSERT INTO audit_trail (seq, recorded, event_id, content_hash, previous_hash, chain_hash)
      SELECT * FROM json_to_recordset(${JSON.stringify(links)}::text::json)
        AS r(seq bigint, recorded timestamptz, event_id text, content_hash text, previous_hash text, chain_hash text)`;
    return taken.length;
  })) as number;
}

/** What waits to be sealed: how many committed lines, and since when the oldest. */
export async function auditUnsealed(sql: Db): Promise<{ count: number; oldest?: Date }> {
  const [row] = await sql<{ n: number; oldest: Date | null }[]>`
    SELECT count(*)::int AS n, min(recorded) AS oldest FROM audit_unsealed`;
  return { count: row.n, ...(row.oldest ? { oldest: row.oldest } : {}) };
}

/** The highest position committed and not sealed yet, if any. */
export async function auditUnsealedHead(sql: Db): Promise<number | undefined> {
  const [row] = await sql<{ max: string | null }[]>`SELECT max(position) AS max FROM audit_unsealed`;
  return row.max === null ? undefined : Number(row.max);
}

/** Whether a committed record at or before `position` still waits to be sealed. */
export async function auditUnsealedHolds(sql: Db, position: number): Promise<boolean> {
  const [row] = await sql`SELECT 1 FROM audit_unsealed WHERE position <= ${position} LIMIT 1`;
  return row !== undefined;
}

/** Makes the partitions of this month and the next (UTC), and of every month that has rows in the default one. */
export async function ensureAuditPartitions(sql: Sql, now: Date): Promise<string[]> {
  const month = (date: Date) => `${date.toISOString().slice(0, 7)}-01`;
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const waiting = await sql<{ month: string }[]>`
    SELECT DISTINCT to_char(recorded AT TIME ZONE 'UTC', 'YYYY-MM-01') AS month FROM audit_log_default`;
  const months = [...new Set([month(now), month(next), ...waiting.map((row) => row.month)])];
  const made: string[] = [];
  for (const start of months) {
    const [row] = await sql<{ made: boolean }[]>`SELECT audit_log_partition(${start}::date) AS made`;
    if (row.made) made.push(start.slice(0, 7));
  }
  return made;
}

/** The log's monthly partitions and the range each covers, oldest first (the default one not included). */
export async function auditPartitions(db: Db): Promise<{ name: string; from: Date; to: Date }[]> {
  const rows = await db<{ name: string; bound: string }[]>`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'audit_log'::regclass AND c.relname <> 'audit_log_default'`;
  return rows
    .map((row) => {
      const [from, to] = [...row.bound.matchAll(/'([^']+)'/g)].map((m) => new Date(m[1]));
      return { name: row.name, from, to };
    })
    .sort((a, b) => a.from.getTime() - b.from.getTime());
}
