// The storage side of the audit trail. A request inserts its record into audit_inbox (migration 0010): the exact
// text the AuditEvent will be stored as, in the caller's transaction when there is one, without the chain's lock.
// sealAuditInbox() moves the records, in position order under that lock, into the chain (audit_trail, with their
// text: migration 0011); indexAuditTrail() later stores them in "AuditEvent" as ordinary resources (readable and
// searchable, through the policy like everything else) and clears the text from the chain. The hub builds the events itself, so they skip the validation of client writes (a test holds
// the builder to the hub-AuditEvent profile instead). Their compartments are those of the resources the access
// touched, so that a client finds in his own compartment every access to his data, even where the event names no
// Patient of his.
import { createHash } from 'node:crypto';
import type { Sql } from 'postgres';
import type { Resource } from '@medplum/fhirtypes';
import { computeIndexValues, type IndexOptions, type IndexValues } from '../index-values.js';
import { newResourceId } from '../resource-id.js';
import type { Db } from './db.js';
import { storedContent } from './prepare.js';
import { insertSearchRows } from './search-rows.js';
import { pgTextArray, type VersionRow } from './write.js';

/** The advisory lock of the chain: sealing and pruning take it. */
export const AUDIT_LOCK = 7513;
/** The advisory lock of indexing sealed records as AuditEvents (one indexer at a time across processes). */
export const AUDIT_INDEX_LOCK = 7514;

export interface AuditRecord {
  event: Resource;
  /** Patient compartment keys the access touched (compartment-key.ts). */
  compartments: string[];
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Puts the records into the inbox in one statement: atomic on its own, and inside the caller's transaction when
 * there is one, so a write and its record commit together. The text is final (id, version 1, lastUpdated): its
 * hash is what the chain will hold.
 */
export async function appendAuditRecords(db: Db, records: AuditRecord[], now: Date): Promise<void> {
  if (records.length === 0) {
    return;
  }
  const rows = records.map(({ event, compartments }) => {
    const id = event.id ?? newResourceId();
    return { recorded: now, event_id: id, content: storedContent(event, id, 1, now), compartments: `{${compartments.join(',')}}` };
  });
  await db`INSERT INTO audit_inbox ${db(rows, 'recorded', 'event_id', 'content', 'compartments')}`;
}

interface InboxRow {
  position: string;
  recorded: Date;
  event_id: string;
  content: string;
  compartments: string;
}

const GENESIS = '0'.repeat(64);

/**
 * Seals up to `limit` records, oldest position first, in one transaction under the chain's lock: each gets its
 * link in audit_trail (seq, hashes) with its text and compartments, in position order. Indexing them as AuditEvent
 * resources is indexAuditTrail()'s work, later. Returns how many it sealed.
 */
export async function sealAuditInbox(sql: Sql, limit: number): Promise<number> {
  return (await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`;
    const taken = await tx<InboxRow[]>`
      WITH taken AS (
        DELETE FROM audit_inbox WHERE position IN (SELECT position FROM audit_inbox ORDER BY position LIMIT ${limit})
        RETURNING position, recorded, event_id, content, compartments::text AS compartments
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
      const contentHash = sha256Hex(row.content);
      const chainHash = sha256Hex(previous + contentHash);
      const link = { seq: ++seq, recorded: row.recorded, event_id: row.event_id, content_hash: contentHash, previous_hash: previous, chain_hash: chainHash, content: row.content, compartments: row.compartments };
      previous = chainHash;
      return link;
    });
    await tx`INSERT INTO audit_trail ${tx(links, 'seq', 'recorded', 'event_id', 'content_hash', 'previous_hash', 'chain_hash', 'content', 'compartments')}`;
    return taken.length;
  })) as number;
}

interface UnindexedRow {
  seq: string;
  recorded: Date;
  event_id: string;
  content: string;
  compartments: string | null;
}

/**
 * Indexes up to `limit` sealed records, lowest seq first, in one transaction under the index lock: each becomes an
 * AuditEvent (current row, history row, search rows) and its text is cleared from audit_trail. Returns how many.
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
      SELECT seq, recorded, event_id, content, compartments::text AS compartments FROM audit_trail
      WHERE content IS NOT NULL ORDER BY seq LIMIT ${limit}`;
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
        index = { compartments: [], tokens: [], strings: [], dates: [], numbers: [], quantities: [], references: [], uris: [] };
      }
      index.compartments = [...new Set([...index.compartments, ...touched])];
      return { resourceType: 'AuditEvent', id: row.event_id, version: 1, lastUpdated: row.recorded, content: row.content, index, method: 'POST' };
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
      UPDATE audit_trail SET content = NULL, compartments = NULL WHERE seq = ANY(${taken.map((r) => r.seq)}::bigint[])`;
    return taken.length;
  })) as number;
}

/** How many sealed records still wait to be indexed as AuditEvent resources. */
export async function auditUnindexedSize(sql: Db): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_trail WHERE content IS NOT NULL`;
  return row.n;
}

/** Whether a sealed record at or before `seq` still waits to be indexed. */
export async function auditUnindexedUpTo(sql: Db, seq: number): Promise<boolean> {
  const [row] = await sql`SELECT 1 FROM audit_trail WHERE content IS NOT NULL AND seq <= ${seq} LIMIT 1`;
  return row !== undefined;
}

/** The chain's last seq, if any. */
export async function auditTrailHead(sql: Db): Promise<number | undefined> {
  const [row] = await sql<{ max: string | null }[]>`SELECT max(seq) AS max FROM audit_trail`;
  return row.max === null ? undefined : Number(row.max);
}

/** How many records wait in the inbox (committed ones: what this transaction's snapshot sees). */
export async function auditInboxSize(sql: Db): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_inbox`;
  return row.n;
}

/** The highest position committed in the inbox, if any. */
export async function auditInboxHead(sql: Db): Promise<number | undefined> {
  const [row] = await sql<{ max: string | null }[]>`SELECT max(position) AS max FROM audit_inbox`;
  return row.max === null ? undefined : Number(row.max);
}

/** Whether a committed record at or before `position` still waits. */
export async function auditInboxHolds(sql: Db, position: number): Promise<boolean> {
  const [row] = await sql`SELECT 1 FROM audit_inbox WHERE position <= ${position} LIMIT 1`;
  return row !== undefined;
}
