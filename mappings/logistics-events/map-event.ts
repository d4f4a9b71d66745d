// One track-and-trace event as one transaction: the shipment's SupplyDelivery (created or replaced by its SSCC),
// complete on its own because PUT replaces it whole; when the event names a serialised device and its owner, the
// Device with where it now is and who holds it; once delivered or collected, the delivery request completed. The
// client is the subject of the delivery request the event's orderNumber names (never by BSN: delivery-request.ts).
import type { BundleEntry, Location, SupplyDelivery } from '@medplum/fhirtypes';
import { type MappedMessage, MappingError, type MappingContext } from '../adapter.js';
import { createOrUpdate, urnFor } from '../shared/bundle-entries.js';
import {
  clientOfDeliveryRequest,
  completedDeliveryRequest,
  deliveryRequestReference,
} from '../shared/delivery-request.js';
import { NAMING } from '../shared/naming-systems.js';
import {
  buildDevice,
  deviceIdentifier,
  directionExtension,
  eventLocationExtension,
  PROFILE,
  receivedByExtension,
  senderReference,
  statusReasonExtension,
  suppliedItem,
  supplyItemDevice,
} from '../supplier-delivery-csv/delivery-parts.js';
import { EVENT_TYPES, eventRule } from './code-maps.js';
import type { LogisticsEvent, Place } from './parse-event.js';

const PLACE_ID = 'event-location';

/** Where the event happened, as a contained Location (the hub keeps no Location of its own for a scan point). */
function placeLocation(place: Place): Location {
  const { address, geo } = place;
  return {
    resourceType: 'Location',
    id: PLACE_ID,
    ...(place.gln ? { identifier: [{ system: NAMING.gln, value: place.gln }] } : {}),
    ...(address
      ? {
          address: {
            ...(address.line ? { line: [address.line] } : {}),
            ...(address.city ? { city: address.city } : {}),
            ...(address.postalCode ? { postalCode: address.postalCode } : {}),
            ...(address.country ? { country: address.country } : {}),
          },
        }
      : {}),
    ...(geo ? { position: { longitude: geo.long, latitude: geo.lat } } : {}),
  };
}

function need<T>(value: T | undefined, at: string, reason: string): T {
  if (value === undefined) throw new MappingError(at, reason, 'map');
  return value;
}

export function mapEvent(event: LogisticsEvent, context: MappingContext): MappedMessage {
  const at = (member: string) => `${event.location}.${member}`;
  const rule = need(
    eventRule(event.type),
    at('type'),
    `unknown event type "${event.type}": accepted are ${Object.keys(EVENT_TYPES).join(', ')}`,
  );
  const gtin = need(
    event.gtin,
    at('gtin'),
    'the event names no item: the hub records what a delivery carries (hub-SupplyDelivery: suppliedItem.item is required) and each event replaces the whole delivery, so every event carries the gtin',
  );
  const delivered = rule.status === 'completed' && rule.direction === 'delivery';
  if (delivered) {
    need(event.receivedBy, at('receivedBy'), 'a delivered event says who received it (hub-sd-3, proof of delivery)');
  }
  const carrier = senderReference(context, event.location);
  const key = `logistics:${event.eventId}`;
  // The client of the delivery request; each resource its own copy: the store rewrites references in place.
  const patient = () => clientOfDeliveryRequest(event.orderNumber);
  const place = event.place && placeLocation(event.place);
  const deviceUrl = event.serial && event.owner ? urnFor(key, 'device') : undefined;

  const sscc = { system: NAMING.sscc, value: event.sscc };
  const delivery: SupplyDelivery = {
    resourceType: 'SupplyDelivery',
    meta: { profile: [PROFILE.SupplyDelivery] },
    ...(place ? { contained: [place] } : {}),
    extension: [
      directionExtension(rule.direction),
      ...(delivered && event.receivedBy ? [receivedByExtension(event.receivedBy)] : []),
      ...(event.type === 'failed_attempt' && event.reason ? [statusReasonExtension(event.reason)] : []),
      ...(place ? [eventLocationExtension(`#${PLACE_ID}`)] : []),
    ],
    identifier: [sscc],
    basedOn: [deliveryRequestReference(event.orderNumber)],
    status: rule.status,
    patient: patient(),
    type: supplyItemDevice(),
    suppliedItem: suppliedItem({ gtin, lot: event.lot, quantity: event.quantity }, deviceUrl),
    occurrenceDateTime: event.occurredAt.fhir,
    supplier: carrier,
    ...(delivered && place ? { destination: { reference: `#${PLACE_ID}` } } : {}),
  };
  // The delivery goes first: a Device the LSP neither owns nor holds any more (handed to the client) stays within its
  // reach as the item of this delivery (rules.ts, DELIVERY_ITEM_VIA), which must then be written.
  const entries: BundleEntry[] = [createOrUpdate(urnFor(key, 'supply-delivery'), delivery, sscc)];
  if (deviceUrl && event.serial && event.owner) {
    const atClient = rule.lifecycle === 'at-client';
    const device = buildDevice({
      gtin,
      serial: event.serial,
      lot: event.lot,
      owner: event.owner,
      lifecycle: rule.lifecycle,
      holder: atClient ? patient() : { ...carrier },
      patient: atClient ? patient() : undefined,
      location: event.place && { contained: [placeLocation(event.place)], location: { reference: `#${PLACE_ID}` } },
    });
    entries.push(createOrUpdate(deviceUrl, device, deviceIdentifier(gtin, event.serial)));
  }
  if (rule.status === 'completed') {
    entries.push(completedDeliveryRequest(urnFor(key, 'supply-request'), event.orderNumber));
  }

  return {
    key,
    time: event.occurredAt.instant,
    bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries },
  };
}
