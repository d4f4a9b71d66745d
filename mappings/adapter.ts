// The contract every message adapter meets. An adapter is pure: it splits a body into messages, parses one, and maps
// it to a transaction Bundle. Storing, deciding, auditing, quarantine and idempotency belong to the ingest path, which
// runs the Bundle through the access seam as the client that sent the message.
import type { Bundle } from '@medplum/fhirtypes';

/** Why a message cannot be taken in, and where in the source: the ingest path quarantines it with this reason. */
export class MappingError extends Error {
  constructor(
    /** Where the fault is, in the source's own terms: "line 4", "PID-3", "/Bericht/Client[2]/Bsn", "events[3].sscc". */
    readonly location: string,
    message: string,
    /** parse: the text is not a message of this kind; map: it is, but it cannot become the hub's resources. */
    readonly stage: 'parse' | 'map' = 'map',
  ) {
    super(message);
    this.name = 'MappingError';
  }
}

/** One message of a body: a body may hold several (HL7 batches, CSV rows, batched JSON events). */
export interface SourceMessage {
  /** The message's own text, whole enough to be quarantined and replayed alone (a CSV row keeps its header line). */
  readonly raw: string;
  /** Where it sat in the body: "message 2", "row 5", "events[3]". */
  readonly location: string;
}

/** What the ingest path knows about the sender when it maps. */
export interface MappingContext {
  /** The time the hub received the body (ISO 8601), for messages that carry no time of their own. */
  readonly receivedAt: string;
  /** The sending client's organisation, if its registration names one (system and value of its identifier). */
  readonly sender?: { readonly system: string; readonly value: string };
}

/** A message mapped: one transaction, all or nothing. */
export interface MappedMessage {
  /**
   * The message's identity: the same message sent twice has the same key, so the second creates nothing
   * (MSH-10 with the sending application, the BerichtIdentificatie, a CSV row key, an event id, else a content hash).
   */
  readonly key: string;
  /** The message's own time (ISO 8601 with offset): input older than what the hub holds for an object never overwrites it. */
  readonly time: string;
  /**
   * A transaction Bundle. Entries find their business objects by identifier: conditional create (`ifNoneExist`) for
   * parties (Patient by BSN, Practitioner by AGB, Organization by URA / AGB / UZOVI / gemeentecode / zorgkantoor code),
   * conditional update (`PUT Type?identifier=system|value`) for what the message is about (DeviceRequest, Coverage,
   * SupplyRequest, SupplyDelivery, Device). Entries refer to each other by `urn:uuid:` full URLs, derived from the
   * message key so that the same message maps to the same Bundle.
   */
  readonly bundle: Bundle;
}

/** The outcome the sender is told about, in its own terms (HL7 ACK, an iWmo retour). */
export interface IngestOutcome {
  readonly status: 'accepted' | 'rejected' | 'error';
  /** A code of the hub's error catalogue or the adapter's own (HUB_ERR_...), when not accepted. */
  readonly code?: string;
  readonly text?: string;
  /** Where in the source the fault is (from MappingError.location or a validation issue). */
  readonly location?: string;
}

export interface AdapterReply {
  readonly contentType: string;
  readonly body: string;
}

export interface Adapter<Parsed = unknown> {
  /** The name in `POST /$ingest?adapter=<name>` and `npm run ingest -- --adapter <name>`. */
  readonly name: string;
  /** One line for the adapter list and the docs. */
  readonly description: string;
  /** The media types a body of this kind arrives with (the first is the canonical one). */
  readonly mediaTypes: readonly string[];
  /**
   * Extensions (by url) that other messages add to the objects this adapter's messages replace (an AW35's aanvang
   * zorg on the Coverage an AW33 replaces): a conditional update keeps the ones the object holds.
   */
  readonly keptOnReplace?: readonly string[];
  /** The messages of a body, in order. Throws MappingError (stage parse) when the body cannot be split at all. */
  split(body: string): SourceMessage[];
  /** One message read into the adapter's own model. Throws MappingError (stage parse). */
  parse(message: SourceMessage): Parsed | Promise<Parsed>;
  /** The parsed message as one transaction. Throws MappingError (stage map). */
  map(parsed: Parsed, context: MappingContext): MappedMessage;
  /** The answer a sender of this kind expects (HL7 ACK, iWmo retour); the ingest path answers FHIR otherwise. */
  respond?(message: SourceMessage, parsed: Parsed | undefined, outcome: IngestOutcome): AdapterReply;
}
