// Track-and-trace webhooks of a logistics provider (README.md): one event, an array of events, or
// { "events": [...] }; one message per event, each event one transaction on its shipment.
import { type Adapter, MappingError, type SourceMessage } from '../adapter.js';
import { type JsonNode, JsonSyntaxError, lineColumn, parseJson } from './json-source.js';
import { mapEvent } from './map-event.js';
import { type LogisticsEvent, readEvent } from './parse-event.js';

const withoutBom = (text: string): string => (text.startsWith('\uFEFF') ? text.slice(1) : text);

/** The JSON of `text`, or a MappingError at the line and column where it stops being JSON. */
function readJson(text: string): JsonNode {
  try {
    return parseJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const { line, column } = lineColumn(text, error.position);
    throw new MappingError(`line ${line}, column ${column}`, `not JSON: ${error.message}`, 'parse');
  }
}

function eventNodes(root: JsonNode, text: string): readonly JsonNode[] {
  if (root.items) return root.items;
  const events = root.members?.get('events');
  if (events) {
    if (events.items) return events.items;
    const { line, column } = lineColumn(text, events.start);
    throw new MappingError(`line ${line}, column ${column}`, 'events must be an array of event objects', 'parse');
  }
  if (root.members) return [root];
  const { line, column } = lineColumn(text, root.start);
  throw new MappingError(
    `line ${line}, column ${column}`,
    'the body is neither an event object, an array of events nor { "events": [...] }',
    'parse',
  );
}

export const logisticsEvents: Adapter<LogisticsEvent> = {
  name: 'logistics-events',
  description:
    "A logistics provider's track-and-trace webhooks (JSON, single or batched): each event to the shipment's SupplyDelivery and the Device it carries",
  mediaTypes: ['application/json'],

  split(body: string): SourceMessage[] {
    const text = withoutBom(body);
    return eventNodes(readJson(text), text).map((node, index) => ({
      raw: text.slice(node.start, node.end),
      location: `events[${index}]`,
    }));
  },

  parse(message: SourceMessage): LogisticsEvent {
    return readEvent(readJson(withoutBom(message.raw)).value, message.location);
  },

  map: mapEvent,
};
