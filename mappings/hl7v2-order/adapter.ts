// HL7 v2 orders for aids (ORM^O01, OMG^O19) from hospital and care EHRs: split a body into messages, parse each
// with @medplum/core's Hl7Message, map it to one transaction (client, parties, Zvw Coverage, DeviceRequests), and
// answer with an HL7 ACK. See README.md for the field map and what is refused.
import { type Adapter, MappingError } from '../adapter.js';
import { Hl7MappingError } from './errors.js';
import { mapOrderMessage } from './map-message.js';
import { type ParsedOrderMessage, parseOrderMessage } from './parse.js';
import { buildAck, HL7_MEDIA_TYPE } from './reply.js';
import { splitBody } from './split.js';

export interface Hl7v2OrderOptions {
  /** The clock of the ACK's MSH-7 and MSH-10 (tests pass a fixed one). */
  readonly now?: () => Date;
}

export function createHl7v2OrderAdapter(options: Hl7v2OrderOptions = {}): Adapter<ParsedOrderMessage> {
  const now = options.now ?? (() => new Date());
  return {
    name: 'hl7v2-order',
    description: 'HL7 v2 ORM^O01 / OMG^O19 orders for aids from hospital and care EHRs, answered with an HL7 ACK',
    mediaTypes: [HL7_MEDIA_TYPE, 'text/plain'],
    split: (body) => guarded('parse', () => splitBody(body)),
    parse: (message) => guarded('parse', () => parseOrderMessage(message)),
    map: (parsed, context) => guarded('map', () => mapOrderMessage(parsed, context)),
    respond: (message, parsed, outcome) => buildAck(message, parsed, outcome, now()),
  };
}

export const hl7v2OrderAdapter = createHl7v2OrderAdapter();

/** Anything thrown that is not a MappingError is a fault of the adapter on odd input: it still becomes a refusal. */
function guarded<T>(stage: 'parse' | 'map', run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof MappingError) {
      throw err;
    }
    const reason = `the message could not be read (${(err as Error)?.message ?? String(err)})`;
    throw new Hl7MappingError('MSH', reason, 'HUB_ERR_MAP_HL7_APPLICATION', stage);
  }
}
