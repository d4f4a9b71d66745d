// The hub's terms for deliveries and devices, and the pieces a SupplyDelivery and a Device are built from, shared by
// the supplier delivery report (this folder) and the logistics events (../logistics-events/). The codings and
// extension URLs are those of the hub's profiles and their valid examples (profiles/examples/hub-SupplyDelivery,
// hub-Device).
import type {
  CodeableConcept,
  Coding,
  Device,
  Extension,
  Identifier,
  Organization,
  Patient,
  Reference,
  SupplyDelivery,
} from '@medplum/fhirtypes';
import { MappingError, type MappingContext } from '../adapter.js';
import { referenceByIdentifier } from '../shared/bundle-entries.js';
import { NAMING } from '../shared/naming-systems.js';
import type { Gtin } from './identifiers.js';

const BASE = 'https://zorghub.example.org/fhir/';
const SD = `${BASE}StructureDefinition/`;

export const PROFILE = { SupplyDelivery: `${SD}hub-SupplyDelivery`, Device: `${SD}hub-Device` } as const;

/**
 * Identifier systems these adapters need beside NAMING (the delivery request's number is there, shared): the
 * supplier's delivery line, and a device's serial within its GTIN.
 */
export const SYSTEMS = {
  /** SupplyDelivery.identifier of one line of a supplier's report: order ^ GTIN ^ serial, lot or SSCC. */
  supplyDeliveryLine: `${BASE}NamingSystem/supply-delivery-line`,
} as const;

/** GS1 serialises per GTIN: system + "/" + serial is the instance's GS1 Digital Link (https://id.gs1.org/01/.../21/...). */
function deviceSerialSystem(gtin14: string): string {
  return `https://id.gs1.org/01/${gtin14}/21`;
}

export type Direction = 'delivery' | 'return';
export type Lifecycle = 'at-client' | 'in-transit';

const DIRECTION: Record<Direction, Coding> = {
  delivery: { system: `${BASE}CodeSystem/supply-direction`, code: 'delivery', display: 'Delivery' },
  return: { system: `${BASE}CodeSystem/supply-direction`, code: 'return', display: 'Return (collection)' },
};

const LIFECYCLE: Record<Lifecycle, Coding> = {
  'at-client': { system: `${BASE}CodeSystem/device-lifecycle`, code: 'at-client', display: 'At client' },
  'in-transit': { system: `${BASE}CodeSystem/device-lifecycle`, code: 'in-transit', display: 'In transit' },
};

/** R4 core extensions whose context includes SupplyDelivery (extension-definitions.json). */
const CORE_EXT = {
  statusReason: 'http://hl7.org/fhir/StructureDefinition/event-statusReason',
  location: 'http://hl7.org/fhir/StructureDefinition/event-location',
} as const;

export const directionExtension = (direction: Direction): Extension => ({
  url: `${SD}hub-ext-supply-direction`,
  valueCoding: { ...DIRECTION[direction] },
});

/** Who took it in, by name: the report names a person, not a record the hub could point to. */
export const receivedByExtension = (name: string): Extension => ({
  url: `${SD}hub-ext-received-by`,
  valueReference: { display: name },
});

export const statusReasonExtension = (text: string): Extension => ({
  url: CORE_EXT.statusReason,
  valueCodeableConcept: { text },
});

export const eventLocationExtension = (reference: string): Extension => ({
  url: CORE_EXT.location,
  valueReference: { reference },
});

/** SupplyDelivery.type of every aid, as the hub's examples code it (a new object each time: the store rewrites in place). */
export const supplyItemDevice = (): CodeableConcept => ({
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/supply-item-type', code: 'device', display: 'Device' }],
});

const gtinCoding = (gtin: Gtin): Coding => ({ system: NAMING.gtin, code: gtin.code });

export function deviceIdentifier(gtin: Gtin, serial: string): Identifier {
  return { system: deviceSerialSystem(gtin.gtin14), value: serial };
}

/**
 * What was supplied: the Device (serialised aids: UDI, serial and lot live on it), or the GTIN with the lot in
 * hub-ext-lot-number (consumables, or when no Device is written).
 */
export function suppliedItem(
  item: { gtin: Gtin; lot?: string; quantity?: number },
  device: string | undefined,
): SupplyDelivery['suppliedItem'] {
  const quantity = item.quantity === undefined ? {} : { quantity: { value: item.quantity } };
  if (device) {
    return { ...quantity, itemReference: { reference: device } };
  }
  return {
    ...(item.lot ? { extension: [{ url: `${SD}hub-ext-lot-number`, valueString: item.lot }] } : {}),
    ...quantity,
    itemCodeableConcept: { coding: [gtinCoding(item.gtin)] },
  };
}

export interface DeviceFacts {
  readonly gtin: Gtin;
  readonly serial: string;
  readonly lot?: string;
  readonly owner: Identifier;
  readonly lifecycle: Lifecycle;
  /** The client (at-client) or the carrier (in-transit). */
  readonly holder: Reference<Patient | Organization>;
  /** Only when at the client (hub-dev-5). */
  readonly patient?: Reference<Patient>;
  readonly location?: Pick<Device, 'contained' | 'location'>;
}

/** A Device as complete as hub-Device requires: PUT replaces the stored one whole. */
export function buildDevice(facts: DeviceFacts): Device {
  const hrf = `(01)${facts.gtin.gtin14}${facts.lot ? `(10)${facts.lot}` : ''}(21)${facts.serial}`;
  return {
    resourceType: 'Device',
    meta: { profile: [PROFILE.Device] },
    ...(facts.location?.contained ? { contained: facts.location.contained } : {}),
    extension: [
      { url: `${SD}hub-ext-device-lifecycle`, valueCoding: { ...LIFECYCLE[facts.lifecycle] } },
      { url: `${SD}hub-ext-holder`, valueReference: facts.holder },
    ],
    identifier: [deviceIdentifier(facts.gtin, facts.serial)],
    udiCarrier: [{ deviceIdentifier: facts.gtin.gtin14, issuer: NAMING.gtin, carrierHRF: hrf }],
    status: 'active', // every lifecycle status these adapters write is an active one (hub-dev-6)
    ...(facts.lot ? { lotNumber: facts.lot } : {}),
    serialNumber: facts.serial,
    type: { coding: [gtinCoding(facts.gtin)] },
    ...(facts.patient ? { patient: facts.patient } : {}),
    owner: { reference: referenceByIdentifier('Organization', facts.owner) },
    ...(facts.location?.location ? { location: facts.location.location } : {}),
  };
}

/**
 * The supplier or logistics provider is the sender (SupplyDelivery.supplier 1..1): its registration's organisation,
 * found by identifier (the hub knows its registered parties; a name-only Organization could not be created).
 */
export function senderReference(context: MappingContext, location: string): Reference<Organization> {
  const sender = context.sender;
  if (!sender?.system || !sender.value) {
    throw new MappingError(
      location,
      "the sending client's registration names no organisation: a delivery names its supplier (hub-SupplyDelivery: supplier is required), which the hub takes from the sender",
      'map',
    );
  }
  return { reference: referenceByIdentifier('Organization', sender) };
}
