// The Provenance of one ingested message: every resource it produced or changed, the message it came from (by its
// id in the ingest log, where it is kept whole) and the client that sent it. Written in the message's own
// transaction, created once per message (If-None-Exist on the message), so a message taken in twice has one.
import type { BundleEntry, Identifier, Provenance } from '@medplum/fhirtypes';
import type { MappedMessage } from '../../mappings/adapter.js';
import { urnFor } from '../../mappings/shared/bundle-entries.js';
import type { Principal } from '../contracts/principal.js';

/** The identifier system of a message in the ingest log (Provenance.entity.what). */
const INGEST_MESSAGE_SYSTEM = 'https://zorghub.example.org/fhir/NamingSystem/ingest-message';
/** The identifier system of an OAuth client that has no organisation of its own. */
const OAUTH_CLIENT_SYSTEM = 'https://zorghub.example.org/fhir/NamingSystem/oauth-client';

/** The log id of an accepted message: the same for the same message from the same sender through the same adapter. */
export function messageId(adapter: string, clientId: string, key: string): string {
  return urnFor(`${adapter}\n${clientId}`, key).slice('urn:uuid:'.length);
}

export function provenanceEntry(
  mapped: MappedMessage,
  message: { id: string; adapter: string; principal: Principal },
): BundleEntry<Provenance> {
  const targets = (mapped.bundle.entry ?? []).flatMap((entry) => (entry.fullUrl ? [{ reference: entry.fullUrl }] : []));
  const sender: Identifier = message.principal.organization ?? {
    system: OAUTH_CLIENT_SYSTEM,
    value: message.principal.clientId,
  };
  const source: Identifier = { system: INGEST_MESSAGE_SYSTEM, value: message.id };
  return {
    fullUrl: urnFor(mapped.key, 'provenance'),
    resource: {
      resourceType: 'Provenance',
      target: targets,
      // The message's own time: the Provenance of a message is the same however often it arrives.
      occurredDateTime: mapped.time,
      recorded: mapped.time,
      activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'UPDATE' }] },
      agent: [
        {
          type: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' }],
          },
          who: { identifier: sender, display: message.principal.clientId },
        },
      ],
      entity: [{ role: 'source', what: { identifier: source, display: `${message.adapter} message ${mapped.key}` } }],
    },
    request: {
      method: 'POST',
      url: 'Provenance',
      ifNoneExist: `entity:identifier=${encodeURIComponent(source.system!)}|${encodeURIComponent(source.value!)}`,
    },
  };
}
