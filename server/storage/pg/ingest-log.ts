// The ingest log in PostgreSQL (migration 0016): what arrived through the adapters, accepted or quarantined.
import type { Sql } from 'postgres';
import type {
  IngestFault,
  IngestLog,
  IngestMessageFacts,
  LoggedMessage,
  QuarantineQuery,
} from '../../contracts/ingest-log.js';

interface Row {
  id: string;
  adapter: string;
  client_id: string;
  message_key: string | null;
  received: Date;
  message_time: Date | null;
  position: string;
  status: LoggedMessage['status'];
  stage: IngestFault['stage'] | null;
  code: string | null;
  fault_location: string | null;
  reason: string | null;
  raw: string;
  media_type: string | null;
  response: string | null;
  replayed_as: string | null;
  updated: Date;
}

function loggedMessage(row: Row): LoggedMessage {
  return {
    id: row.id,
    adapter: row.adapter,
    clientId: row.client_id,
    key: row.message_key ?? undefined,
    received: row.received,
    time: row.message_time?.toISOString(),
    position: row.position,
    raw: row.raw,
    mediaType: row.media_type ?? undefined,
    status: row.status,
    fault: row.stage
      ? { stage: row.stage, code: row.code ?? '', location: row.fault_location ?? undefined, reason: row.reason ?? '' }
      : undefined,
    response: row.response ?? undefined,
    replayedAs: row.replayed_as ?? undefined,
    updated: row.updated,
  };
}

export class PgIngestLog implements IngestLog {
  constructor(private readonly sql: Sql) {}

  async accepted(adapter: string, clientId: string, key: string): Promise<LoggedMessage | undefined> {
    const [row] = await this.sql<Row[]>`
      SELECT * FROM ingest_message
      WHERE adapter = ${adapter} AND client_id = ${clientId} AND message_key = ${key} AND status = 'accepted'`;
    return row && loggedMessage(row);
  }

  async accept(id: string, message: IngestMessageFacts, response: string): Promise<boolean> {
    const rows = await this.sql`
      INSERT INTO ingest_message (id, adapter, client_id, message_key, received, message_time, position, status, raw,
        media_type, response, updated)
      VALUES (${id}, ${message.adapter}, ${message.clientId}, ${message.key ?? null}, ${message.received},
        ${message.time ?? null}, ${message.position}, 'accepted', ${message.raw}, ${message.mediaType ?? null},
        ${response}, now())
      ON CONFLICT (adapter, client_id, message_key) WHERE status = 'accepted' DO NOTHING
      RETURNING id`;
    return rows.length === 1;
  }

  async quarantine(id: string, message: IngestMessageFacts, fault: IngestFault): Promise<void> {
    await this.sql`
      INSERT INTO ingest_message (id, adapter, client_id, message_key, received, message_time, position, status,
        stage, code, fault_location, reason, raw, media_type, updated)
      VALUES (${id}, ${message.adapter}, ${message.clientId}, ${message.key ?? null}, ${message.received},
        ${message.time ?? null}, ${message.position}, 'quarantined', ${fault.stage}, ${fault.code},
        ${fault.location ?? null}, ${fault.reason}, ${message.raw}, ${message.mediaType ?? null}, now())`;
  }

  async get(id: string): Promise<LoggedMessage | undefined> {
    const [row] = await this.sql<Row[]>`SELECT * FROM ingest_message WHERE id = ${id}`;
    return row && loggedMessage(row);
  }

  async quarantined(query: QuarantineQuery): Promise<LoggedMessage[]> {
    const sql = this.sql;
    const rows = await sql<Row[]>`
      SELECT * FROM ingest_message
      WHERE status = 'quarantined'
        ${query.clientId !== undefined ? sql`AND client_id = ${query.clientId}` : sql``}
        ${query.adapter !== undefined ? sql`AND adapter = ${query.adapter}` : sql``}
        ${query.before ? sql`AND (received, id) < (${query.before.received}, ${query.before.id})` : sql``}
      ORDER BY received DESC, id DESC
      LIMIT ${query.count}`;
    return rows.map(loggedMessage);
  }

  async replayed(id: string, as: string): Promise<void> {
    await this.sql`
      UPDATE ingest_message SET status = 'replayed', replayed_as = ${as}, updated = now()
      WHERE id = ${id} AND status = 'quarantined'`;
  }
}
