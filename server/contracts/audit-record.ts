// An audit record as the hub hands it on: one NEN 7513 record of one access, as typed facts (who, for whom, what,
// when, why, the outcome, the rules relied on, the data touched), and the sink records go to. The consent layer
// builds records (only in the access seam, consent/access/); the storage keeps them in the audit log
// (server/storage/pg/audit-log.ts) and renders each as a FHIR AuditEvent on read (server/storage/audit-event-form.ts).
// Values are plain strings as they appear in the AuditEvent; absent ones are null, so a record's canonical form
// (and its hash in the chain) does not depend on how it was built.

/** What the record is of: a FHIR interaction, a change of consent, an authentication (login or token). */
type AuditEventType = 'rest' | 'consent-change' | 'authentication';

export interface AuditRecord {
  /** The AuditEvent's id (a uuid; the storage assigns one when absent). */
  id?: string;
  /** When it happened (ms precision). */
  recorded: Date;
  type: AuditEventType;
  /** The subtype code (restful-interaction: read, search-type, transaction, operation...; 110122 for a login). */
  subtype: string;
  /** What the subtype stands for in words: the route's interaction (operation:validate), `consent given`, `Login`. */
  interaction: string;
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  /** 0 success, 4 refused, 8 failed. */
  outcome: '0' | '4' | '8';
  /** The error code and why (never data content). */
  outcomeDesc: string | null;
  /** v3 ActReason code. */
  purpose: string;
  /** The OAuth client; null: the caller could not be identified. */
  clientId: string | null;
  /** The requesting agent's role text: the principal's kind or role (person, supplier, ...), `client`, `pgo`. */
  role: string;
  /** The organisation acted for, as `system|value` (URA, AGB, GLN, UZOVI, gemeentecode). */
  organization: string | null;
  /** A delegate who acted, as `RelatedPerson/<id>`. */
  actor: string | null;
  /** The client who acted himself or was acted for, as a Patient id (an agent of the record). */
  patient: string | null;
  /** The access rules relied on (rule ids) and client directives (`Consent/<id>`). */
  rules: string[];
  /** The Consent the caller's token rests on (`Consent/<id>`). */
  consent: string | null;
  /** The caller's network address. */
  address: string | null;
  /** Where the access came in: rest, ingest, subscription, export, console, audit, admin; oauth for the authorization server. */
  entrance: string;
  /** The hub's base URL, naming it as the source. */
  source: string;
  /** The clients concerned, as Patient ids (entities with role Patient). */
  patients: string[];
  /** The resources read or written (`Type/id`), at most 50. */
  entities: string[];
  /** Per entity, the version read or written (empty when none). */
  entityVersions: string[];
  /** Per entity, the Patient ids whose compartment it is in (space separated; empty for none). */
  entityClients: string[];
  /** The request as a query entity (`GET Patient?identifier=...`, `POST /oauth/token grant_type=...`). */
  query: string | null;
  /** Patient compartment keys the record is filed under (compartment-key.ts): those of `patients`. */
  compartments: string[];
}

/** Where records go: recorded durably before the answer, or sealed after committing with a write. */
export interface AuditSink {
  /** Writes a record; resolves once it is durable (a failed record fails the access it records). */
  record(record: AuditRecord): Promise<void>;
  /** Records committed with a write (appendAudit) are waiting: chain them soon. */
  sealSoon(): void;
  /** Resolves once every record committed before the call is sealed into the hash chain. */
  sealPending(): Promise<void>;
}
