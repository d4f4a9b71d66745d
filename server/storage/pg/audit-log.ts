// The storage side of the audit trail. A request inserts its record into audit_inbox (migration 0010): the exact
// text the AuditEvent will be stored as, in the caller's transaction when there is one, without the chain's lock,
// with its content hash in a narrow line of audit_unsealed (0013). sealAuditInbox() chains those lines, in
// position order under that lock, into audit_trail; indexAuditTrail() later stores the sealed records in
// "AuditEvent" as ordinary resources (readable and searchable, through the policy like everything else) and takes
// them out of the inbox. The hub builds the events itself, so they skip the validation of client writes (a test holds
// the builder to the hub-AuditEvent profile instead). Their compartments are those of the resources the access
// touched, so that a client finds in his own compartment every access to his data, even where the event names no
// Patient of his.
import { createHash } from 'node:crypto';
import type { Sql } from 'postgres';
import type { Resource } from '@medplum/fhirtypes';
import { computeIndexValues, type IndexOptions, type IndexValues } from '../index-values.js';
import { newResourceId } from '../resource-id.js';
import type { AuditRecord } from '../../contracts/audit-record.js';
import type { Db } from './db.js';
import { storedContent } from './prepare.js';
import { insertSearchRows } from './search-rows.js';
import { pgTextArray, type VersionRow } from './write.js';

/** The advisory lock of the chain: sealing and pruning take it. */
export const AUDIT_LOCK = 7513;
/** The advisory lock of indexing sealed records as AuditEvents (one indexer at a time across processes). */
export const AUDIT_INDEX_LOCK = 7514;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The most records one inbox statement carries: the audit trail's group commit takes no more at a time. */
export const INBOX_STATEMENT_RECORDS = 64;
/** The inbox statement's sizes: a batch is padded up to the next one, so a connection prepares only these seven. */
const INBOX_SIZES = [1, 2, 4, 8, 16, 32, INBOX_STATEMENT_RECORDS];
/** Parameters per record: event_id, content, compartments, content_hash (after the one shared `recorded`). */
const PER_RECORD = 4;

/**
 * The inbox statement for `size` records: their texts and hashes go into audit_inbox and their lines into
 * audit_unsealed in one statement. Every value is a parameter of its own: as one JSON parameter, PostgreSQL
 * parsed and unescaped each record's text again, about 50 µs of its time per record (measured), three times what
 * the inserts cost. Padding slots are all NULL and are skipped.
 */
const inboxStatement = (size: number): string => {
  const rows = Array.from({ length: size }, (_, i) => {
    const p = 2 + i * PER_RECORD;
    return `($${p}::text, $${p + 1}::text, $${p + 2}::uuid[], $${p + 3}::text)`;
  });
  return `WITH r (event_id, content, compartments, content_hash) AS (VALUES ${rows.join(', ')}
    ), i AS (
      INSERT INTO audit_inbox (recorded, event_id, content, compartments)
      SELECT $1::timestamptz, event_id, content, compartments FROM r WHERE event_id IS NOT NULL
      RETURNING position, event_id
    )
    INSERT INTO audit_unsealed (position, recorded, event_id, content_hash)
    SELECT i.position, $1::timestamptz, r.event_id, r.content_hash FROM i JOIN r USING (event_id)`;
};
const INBOX_STATEMENTS = new Map(INBOX_SIZES.map((size) => [size, inboxStatement(size)]));

/**
 * Puts the records into the inbox, inside the caller's transaction when there is one, so a write and its record
 * commit together. The text is final (id, version 1, lastUpdated), and its hash, computed here, is what the chain
 * will hold: each record also gets its line in audit_unsealed (0013). Up to INBOX_STATEMENT_RECORDS records go in
 * one statement (atomic on its own); more take several, which only a transaction makes atomic together.
 */
export async function appendAuditRecords(db: Db, records: AuditRecord[], now: Date): Promise<void> {
  for (let start = 0; start < records.length; start += INBOX_STATEMENT_RECORDS) {
    const chunk = records.slice(start, start + INBOX_STATEMENT_RECORDS);
    const size = INBOX_SIZES.find((n) => n >= chunk.length)!;
    const params: (string | null)[] = new Array(1 + size * PER_RECORD).fill(null);
    params[0] = now.toISOString();
    chunk.forEach(({ event, compartments }, i) => {
      const id = event.id ?? newResourceId();
      const content = storedContent(event, id, 1, now);
      const at = 1 + i * PER_RECORD;
      params[at] = id;
      params[at + 1] = content;
      params[at + 2] = `{${compartments.join(',')}}`;
      params[at + 3] = sha256Hex(content);
    });
    await db.unsafe(INBOX_STATEMENTS.get(size)!, params, { prepare: true });
  }
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
 * link in audit_trail (seq, hashes) in position order, from its narrow line in audit_unsealed; its text stays in
 * the inbox. Indexing them as AuditEvent resources is indexAuditTrail()'s work, later. Returns how many it sealed.
 */
export async function sealAuditInbox(sql: Sql, limit: number): Promise<number> {
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

interface UnindexedRow {
  position: string;
  recorded: Date;
  event_id: string;
  content: string;
  compartments: string | null;
}

/** Inbox rows that are sealed: their audit_unsealed line is gone (SQL condition on alias `i`). */
const SEALED = 'NOT EXISTS (SELECT 1 FROM audit_unsealed u WHERE u.position = i.position)';

/**
 * Indexes up to `limit` sealed records, oldest position first, in one transaction under the index lock: each
 * becomes an AuditEvent (current row, history row, search rows) and leaves the inbox. Returns how many.
 * `onIndexError` hears of a record whose search values could not be computed: it is still stored (with its
 * compartments only), since a record that can never be indexed would hold up every AuditEvent reader.
 */
export async function indexAuditTrail(
  sql: Sql,
  limit: number,
  options: IndexOptions,
  onIndexError?: (eventId: string, error: unknown) => void,
): Promise<number> {
  return (await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${AUDIT_INDEX_LOCK})`;
    const taken = await tx<UnindexedRow[]>`
      SELECT i.position, i.recorded, i.event_id, i.content, i.compartments::text AS compartments FROM audit_inbox i
      WHERE ${tx.unsafe(SEALED)} ORDER BY i.position LIMIT ${limit}`;
    if (taken.length === 0) {
      return 0;
    }
    const rows: VersionRow[] = taken.map((row) => {
      const stored = (row.compartments ?? '').replace(/^\{|\}$/g, '');
      const touched = stored ? stored.split(',') : [];
      let index: IndexValues;
      try {
        index = computeIndexValues(JSON.parse(row.content) as Resource, options);
      } catch (error) {
        onIndexError?.(row.event_id, error);
        index = {
          compartments: [],
          tokens: [],
          strings: [],
          dates: [],
          numbers: [],
          quantities: [],
          references: [],
          uris: [],
        };
      }
      index.compartments = [...new Set([...index.compartments, ...touched])];
      return {
        resourceType: 'AuditEvent',
        id: row.event_id,
        version: 1,
        lastUpdated: row.recorded,
        content: row.content,
        index,
        method: 'POST',
      };
    });
    const values = rows.map((row) => ({
      id: row.id,
      version: 1,
      last_updated: row.lastUpdated,
      content: row.content,
      compartments: `{${row.index.compartments.join(',')}}`,
      tokens: pgTextArray(row.index.tokens),
    }));
    await tx`
      WITH cur AS (
        INSERT INTO "AuditEvent" ${tx(values)}
        RETURNING id, version, last_updated, content
      ), hist AS (
        INSERT INTO resource_history (resource_type, id, version, last_updated, method, content)
        SELECT 'AuditEvent', id, version, last_updated, 'POST', content FROM cur
      )${insertSearchRows(tx, 'AuditEvent', rows)}
      DELETE FROM audit_inbox WHERE position = ANY(${taken.map((r) => r.position)}::bigint[])`;
    return taken.length;
  })) as number;
}

/** The stored texts of these records: in "AuditEvent" once indexed, in the inbox until then. A record gone has none. */
export async function auditRecordTexts(sql: Db, eventIds: string[]): Promise<Map<string, string>> {
  const rows = await sql<{ event_id: string; content: string }[]>`
    SELECT id AS event_id, content FROM "AuditEvent" WHERE id = ANY(${eventIds}::text[]) AND NOT deleted
    UNION ALL
    SELECT event_id, content FROM audit_inbox WHERE event_id = ANY(${eventIds}::text[])`;
  return new Map(rows.map((row) => [row.event_id, row.content]));
}

/** How many sealed records still wait to be indexed as AuditEvent resources. */
export async function auditUnindexedSize(sql: Db): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_inbox i WHERE ${sql.unsafe(SEALED)}`;
  return row.n;
}

/** The highest position committed in the inbox, sealed or not, if any. */
export async function auditInboxTail(sql: Db): Promise<number | undefined> {
  const [row] = await sql<{ max: string | null }[]>`SELECT max(position) AS max FROM audit_inbox`;
  return row.max === null ? undefined : Number(row.max);
}

/** Whether a sealed record at or before inbox `position` still waits to be indexed. */
export async function auditUnindexedUpTo(sql: Db, position: number): Promise<boolean> {
  const [row] =
    await sql`SELECT 1 FROM audit_inbox i WHERE i.position <= ${position} AND ${sql.unsafe(SEALED)} LIMIT 1`;
  return row !== undefined;
}

/** How many records wait to be sealed (committed ones: what this transaction's snapshot sees). */
export async function auditUnsealedSize(sql: Db): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_unsealed`;
  return row.n;
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
