// One delivery line as one transaction: the SupplyDelivery (created or replaced by its line identifier); when
// the line says where a serialised device now is and who owns it, the Device (created or replaced by its serial
// within its GTIN); when the item was delivered or collected, the delivery request's status completed. The supplier, the delivery request and the owner are found by identifier, the client as the
// subject of the delivery request the row answers (never by BSN: ../shared/delivery-request.ts).
import { createHash } from 'node:crypto';
import type { BundleEntry, Identifier, SupplyDelivery } from '@medplum/fhirtypes';
import { type MappedMessage, MappingError, type MappingContext } from '../adapter.js';
import { createOrUpdate, urnFor } from '../shared/bundle-entries.js';
import {
  clientOfDeliveryRequest,
  completedDeliveryRequest,
  deliveryRequestReference,
} from '../shared/delivery-request.js';
import { NAMING } from '../shared/naming-systems.js';
import { STATUS_WORDS, STATUSES, type StatusId, statusKey } from './code-maps.js';
import {
  buildDevice,
  deviceIdentifier,
  directionExtension,
  PROFILE,
  receivedByExtension,
  SYSTEMS,
  senderReference,
  statusReasonExtension,
  suppliedItem,
  supplyItemDevice,
} from './delivery-parts.js';
import { cellOf, type DeliveryRow } from './parse-row.js';

const ACCEPTED =
  'geleverd, afgeleverd, delivered; opgehaald, retour, collected; mislukt, niet geleverd, failed; ophalen mislukt, niet opgehaald, collection failed';

function statusOf(row: DeliveryRow): StatusId {
  const word = statusKey(row.status);
  const id = Object.hasOwn(STATUS_WORDS, word) ? STATUS_WORDS[word] : undefined;
  if (!id) {
    throw new MappingError(cellOf(row, 'status'), `unknown status "${row.status}": accepted are ${ACCEPTED}`, 'map');
  }
  return id;
}

/** The same line gives the same key; any corrected value (a time, the receiver) a different one. */
function rowKey(row: DeliveryRow, status: StatusId): string {
  const normalised = {
    orderNumber: row.orderNumber,
    gtin: row.gtin.gtin14,
    serial: row.serial,
    lot: row.lot,
    sscc: row.sscc,
    deliveredAt: row.deliveredAt.fhir,
    receiver: row.receiver,
    status,
    quantity: row.quantity,
    reason: row.reason,
    owner: row.owner ? `${row.owner.system}|${row.owner.value}` : undefined,
  };
  return `supplier-csv:${createHash('sha256').update(JSON.stringify(normalised)).digest('hex')}`;
}

/** One line of the report: order ^ GTIN ^ the item (serial, else lot, else SSCC), all as the report writes them. */
function lineIdentifier(row: DeliveryRow): Identifier {
  const item = row.serial ?? row.lot ?? row.sscc;
  return {
    system: SYSTEMS.supplyDeliveryLine,
    value: [row.orderNumber, row.gtin.code, ...(item ? [item] : [])].join('^'),
  };
}

export function mapRow(row: DeliveryRow, context: MappingContext): MappedMessage {
  const status = statusOf(row);
  const rule = STATUSES[status];
  const delivered = rule.direction === 'delivery' && rule.supplyStatus === 'completed';
  if (delivered && !row.receiver) {
    throw new MappingError(
      cellOf(row, 'receiver'),
      'a delivered row says who received it (hub-sd-3, proof of delivery): fill the column ontvanger',
      'map',
    );
  }
  const supplier = senderReference(context, row.location);
  const key = rowKey(row, status);
  // The client of the delivery request the row answers; copies everywhere: the store resolves references in place.
  const patient = () => clientOfDeliveryRequest(row.orderNumber);
  const deviceUrl = rule.lifecycle && row.serial && row.owner ? urnFor(key, 'device') : undefined;

  const line = lineIdentifier(row);
  const delivery: SupplyDelivery = {
    resourceType: 'SupplyDelivery',
    meta: { profile: [PROFILE.SupplyDelivery] },
    extension: [
      directionExtension(rule.direction),
      ...(row.receiver && rule.direction === 'delivery' ? [receivedByExtension(row.receiver)] : []),
      ...(row.reason && rule.supplyStatus === 'abandoned' ? [statusReasonExtension(row.reason)] : []),
    ],
    identifier: [...(row.sscc ? [{ system: NAMING.sscc, value: row.sscc }] : []), line],
    basedOn: [deliveryRequestReference(row.orderNumber)],
    status: rule.supplyStatus,
    patient: patient(),
    type: supplyItemDevice(),
    suppliedItem: suppliedItem(row, deviceUrl),
    occurrenceDateTime: row.deliveredAt.fhir,
    supplier,
  };
  // The delivery goes first: a Device the sender neither owns nor holds (a municipality's, delivered to the client)
  // is within its reach as the item of this delivery (rules.ts, DELIVERY_ITEM_VIA), which must then be written.
  const entries: BundleEntry[] = [createOrUpdate(urnFor(key, 'supply-delivery'), delivery, line)];
  if (deviceUrl && rule.lifecycle && row.serial && row.owner) {
    const atClient = rule.lifecycle === 'at-client';
    const device = buildDevice({
      gtin: row.gtin,
      serial: row.serial,
      lot: row.lot,
      owner: row.owner,
      lifecycle: rule.lifecycle,
      holder: atClient ? patient() : { ...supplier },
      patient: atClient ? patient() : undefined,
    });
    entries.push(createOrUpdate(deviceUrl, device, deviceIdentifier(row.gtin, row.serial)));
  }
  if (rule.supplyStatus === 'completed') {
    entries.push(completedDeliveryRequest(urnFor(key, 'supply-request'), row.orderNumber));
  }

  return {
    key,
    time: row.deliveredAt.instant,
    bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries },
  };
}
