// Data minimisation: what a masked principal gets of a resource. A mask keeps the listed top-level elements (and
// resourceType, id, meta) and drops the rest; the resource is then labelled SUBSETTED in meta.security, as FHIR
// asks of a resource that is not whole. `delivery` is what a supplier or logistics provider needs to deliver (the
// client's name, address and phone, the time window, the items, the instructions) and never the reason, notes on
// health or the diagnosis; `administrative` is what a financier needs to know whom it pays for.
import type { MaskName } from './rules.js';

const ALWAYS = ['resourceType', 'id', 'meta'];

/** Per mask, per type: the elements kept. A type without an entry is kept whole (e.g. the supplier's own SupplyDelivery). */
export const MASKS: Readonly<Record<MaskName, Readonly<Record<string, readonly string[]>>>> = {
  delivery: {
    Patient: ['name', 'address', 'telecom'],
    SupplyRequest: [
      'extension',
      'identifier',
      'status',
      'category',
      'priority',
      'itemCodeableConcept',
      'itemReference',
      'quantity',
      'parameter',
      'occurrenceDateTime',
      'occurrencePeriod',
      'occurrenceTiming',
      'authoredOn',
      'requester',
      'supplier',
      'deliverFrom',
      'deliverTo',
    ],
    DeviceRequest: [
      'extension',
      'identifier',
      'status',
      'intent',
      'priority',
      'codeReference',
      'codeCodeableConcept',
      'parameter',
      'subject',
      'occurrenceDateTime',
      'occurrencePeriod',
      'occurrenceTiming',
      'authoredOn',
      'performerType',
      'performer',
    ],
    Device: [
      'extension',
      'identifier',
      'definition',
      'udiCarrier',
      'status',
      'statusReason',
      'distinctIdentifier',
      'manufacturer',
      'manufactureDate',
      'expirationDate',
      'lotNumber',
      'serialNumber',
      'deviceName',
      'modelNumber',
      'partNumber',
      'type',
      'owner',
      'contact',
      'location',
      'patient',
      'parent',
    ],
  },
  administrative: {
    Patient: ['identifier', 'active', 'name', 'gender', 'birthDate', 'deceasedBoolean', 'deceasedDateTime', 'address'],
  },
};

export const SUBSETTED = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'subsetted',
};

/** The elements `mask` keeps of `resourceType`, or undefined when it keeps the resource whole. */
export function keptElements(mask: MaskName, resourceType: string): ReadonlySet<string> | undefined {
  const kept = MASKS[mask][resourceType];
  return kept ? new Set([...ALWAYS, ...kept]) : undefined;
}

/** The resource as the mask lets it through; the same object when the mask keeps it whole. */
export function applyMask<T extends { resourceType: string; meta?: { security?: unknown[] } }>(
  resource: T,
  mask: MaskName | undefined,
): T {
  const kept = mask ? keptElements(mask, resource.resourceType) : undefined;
  if (!kept) {
    return resource;
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(resource)) {
    if (kept.has(name)) {
      out[name] = value;
    }
  }
  const meta = (out.meta ?? {}) as { security?: { system?: string; code?: string }[] };
  const security = (meta.security ?? []).filter((s) => !(s.system === SUBSETTED.system && s.code === SUBSETTED.code));
  out.meta = { ...meta, security: [...security, SUBSETTED] };
  return out as T;
}

/**
 * An update by a masked principal: the elements it cannot see keep their stored values, whatever the body says, so
 * that writing back what it read does not erase what the mask hid (and it cannot change what it cannot see).
 */
export function mergeMaskedUpdate(
  stored: Record<string, unknown>,
  body: Record<string, unknown>,
  mask: MaskName | undefined,
): Record<string, unknown> {
  const kept = mask ? keptElements(mask, String(body.resourceType)) : undefined;
  if (!kept) {
    return body;
  }
  const merged: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(stored)) {
    if (!kept.has(name)) {
      merged[name] = value;
    }
  }
  for (const [name, value] of Object.entries(body)) {
    if (kept.has(name) && name !== 'meta') {
      merged[name] = value;
    }
  }
  if (body.meta !== undefined || stored.meta !== undefined) {
    const meta = { ...((stored.meta as object | undefined) ?? {}), ...((body.meta as object | undefined) ?? {}) } as {
      security?: { system?: string; code?: string }[];
    };
    if (meta.security) {
      meta.security = meta.security.filter((s) => !(s.system === SUBSETTED.system && s.code === SUBSETTED.code));
      if (meta.security.length === 0) delete meta.security;
    }
    merged.meta = meta;
  }
  return merged;
}
