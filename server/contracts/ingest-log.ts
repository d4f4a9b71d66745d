// The ingest path's own log of what arrived (implemented by server/storage/pg/ingest-log.ts): each message whole,
// accepted with the answer it had, or quarantined with the reason. The FHIR writes a message makes go through the
// access seam; this log is not client data seen through the policy but the hub's record of its input, read only by
// the admin and by the client that sent a message (server/ingest/ingest-routes.ts).

type IngestStage = 'parse' | 'map' | 'validate' | 'authorise' | 'store';

export interface IngestMessageFacts {
  adapter: string;
  clientId: string;
  /** The message's identity; undefined when it could not even be parsed far enough to have one. */
  key?: string;
  received: Date;
  time?: string;
  position: string;
  raw: string;
  mediaType?: string;
}

export interface IngestFault {
  stage: IngestStage;
  code: string;
  location?: string;
  reason: string;
}

export interface LoggedMessage extends IngestMessageFacts {
  id: string;
  status: 'accepted' | 'quarantined' | 'replayed';
  fault?: IngestFault;
  /** The transaction-response an accepted message had. */
  response?: string;
  replayedAs?: string;
  updated: Date;
}

export interface QuarantineQuery {
  /** Only this sender's messages (a sending client sees its own); undefined: every sender's (the admin). */
  clientId?: string;
  adapter?: string;
  count: number;
  /** Messages received before this one's time (paging, newest first). */
  before?: { received: Date; id: string };
}

export interface IngestLog {
  /** The accepted message with this identity, if there is one. */
  accepted(adapter: string, clientId: string, key: string): Promise<LoggedMessage | undefined>;
  /**
   * Logs an accepted message with its answer. Returns false when another with the same identity was accepted first
   * (a concurrent duplicate): the caller answers with that one's.
   */
  accept(id: string, message: IngestMessageFacts, response: string): Promise<boolean>;
  /** Keeps a message that could not be taken in, whole, with the reason, under the id given. */
  quarantine(id: string, message: IngestMessageFacts, fault: IngestFault): Promise<void>;
  /** One logged message by id. */
  get(id: string): Promise<LoggedMessage | undefined>;
  /** Quarantined messages, newest first. */
  quarantined(query: QuarantineQuery): Promise<LoggedMessage[]>;
  /** A quarantined message was replayed and became `as` (accepted, or quarantined again with a new reason). */
  replayed(id: string, as: string): Promise<void>;
}
