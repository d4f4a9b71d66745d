// How a supplier's or logistics provider's message names what it answers and whom it is for: the hub's delivery
// request (SupplyRequest) by the number senders quote, and the client as the subject of that request. Never the
// client's BSN: the delivery mask keeps it from these roles (consent/policy/masks.ts), so a lookup by BSN is refused
// (consent/policy/masked-search.ts), and it would let a sender probe who is a client. A delivery request is readable
// by its own supplier only, so another sender's order number finds no one, as an unknown number does.
import type { BundleEntry, Patient, Reference, SupplyRequest } from '@medplum/fhirtypes';
import { identifierCriteria, patchWhere, referenceByIdentifier } from './bundle-entries.js';
import { NAMING } from './naming-systems.js';

const requestNumber = (orderNumber: string) => ({ system: NAMING.supplyRequestNumber, value: orderNumber });

/** `SupplyRequest?identifier=…/supply-request-number|<order>`: the delivery request a row or event answers. */
export function deliveryRequestReference(orderNumber: string): Reference<SupplyRequest> {
  return { reference: referenceByIdentifier('SupplyRequest', requestNumber(orderNumber)) };
}

/**
 * `Patient?_has:SupplyRequest:subject:identifier=…/supply-request-number|<order>`: the client the delivery request
 * is for (R4 SupplyRequest `subject` is SupplyRequest.deliverTo, the client a delivery goes to; the hub's policy
 * links a delivery request to its client by the same parameter, rules.ts DELIVERY_VIA). A new object each call:
 * the store resolves references in place.
 */
export function clientOfDeliveryRequest(orderNumber: string): Reference<Patient> {
  return { reference: `Patient?_has:SupplyRequest:subject:${identifierCriteria(requestNumber(orderNumber))}` };
}

/**
 * The delivery request with this number completed: a conditional JSON Patch of its status alone (the sender may
 * change nothing else of it, consent/policy/rules.ts `*-request-status`). For a delivered or collected item; a
 * failed attempt leaves the request open.
 */
export function completedDeliveryRequest(fullUrl: string, orderNumber: string): BundleEntry {
  return patchWhere(fullUrl, referenceByIdentifier('SupplyRequest', requestNumber(orderNumber)), [
    { op: 'replace', path: '/status', value: 'completed' },
  ]);
}
