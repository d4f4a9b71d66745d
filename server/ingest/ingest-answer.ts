// What a sender is answered for a body it ingested: the adapter's own reply where its senders expect one (an HL7
// ACK, an iWmo retour) unless it asks for FHIR; else FHIR: one message's transaction-response Bundle, or the
// OperationOutcome naming where it failed and where it is kept; several messages as a batch-response Bundle with one
// entry each, so that a CSV file with one bad row says which row and takes in the others.
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Adapter } from '../../mappings/adapter.js';
import { outcomeForError } from '../fhir/outcome.js';
import type { MessageOutcome } from './ingest-service.js';

export interface IngestAnswer {
  status: number;
  contentType: string;
  body: string;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** The sender asked for FHIR (or the adapter has no reply of its own). */
function wantsFhir(adapter: Adapter, accept: string | undefined): boolean {
  return !adapter.respond || /application\/(fhir\+)?json/.test(accept ?? '');
}

export function ingestAnswer(adapter: Adapter, outcomes: MessageOutcome[], accept: string | undefined): IngestAnswer {
  if (!wantsFhir(adapter, accept)) {
    const replies = outcomes.flatMap((o) => (o.reply ? [o.reply] : []));
    // The reply carries the outcome (AA / AE / AR): the transport succeeded.
    return {
      status: 200,
      contentType: replies[0]?.contentType ?? 'text/plain',
      body: replies.map((r) => r.body).join(replies[0]?.contentType.includes('hl7') ? '\r' : '\n'),
    };
  }
  if (outcomes.length === 1) {
    const [only] = outcomes as [MessageOutcome];
    return only.status === 'quarantined'
      ? {
          status: only.error?.statusCode ?? 422,
          contentType: FHIR_JSON,
          body: JSON.stringify(quarantinedOutcome(only)),
        }
      : { status: 200, contentType: FHIR_JSON, body: only.response ?? '{}' };
  }
  const entries = outcomes.map((o) =>
    o.status === 'quarantined'
      ? `{"response":{"status":"${o.error?.statusCode ?? 422}","outcome":${JSON.stringify(quarantinedOutcome(o))}}}`
      : `{"resource":${o.response ?? '{}'},"response":{"status":"200"}}`,
  );
  return {
    status: 200,
    contentType: FHIR_JSON,
    body: `{"resourceType":"Bundle","type":"batch-response","entry":[${entries.join(',')}]}`,
  };
}

/** The error of a quarantined message, with where it sat and where it is kept for a replay. */
function quarantinedOutcome(outcome: MessageOutcome): OperationOutcome {
  const base: OperationOutcome = outcome.error
    ? outcomeForError(outcome.error)
    : { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing' }] };
  return {
    ...base,
    issue: [
      ...base.issue,
      {
        severity: 'information',
        code: 'informational',
        diagnostics: `${outcome.position} is kept in quarantine as ${outcome.messageId}; after a fix, replay it with POST /$ingest/quarantine/${outcome.messageId}/$replay`,
      },
    ],
  };
}
