// The entries an adapter's transaction is made of. Every object is found by a business identifier, so that the same
// message twice changes nothing and a later message finds what an earlier one made; full URLs are derived from the
// message key, so that the same message maps to the same Bundle byte for byte.
import { createHash } from 'node:crypto';
import type { BundleEntry, Identifier, Resource } from '@medplum/fhirtypes';

/** A `urn:uuid:` that is the same for the same message key and part ("patient", "order-2"). */
export function urnFor(messageKey: string, part: string): string {
  const hex = createHash('sha256').update(`${messageKey}\n${part}`).digest('hex');
  // A version 8 (custom) UUID with the RFC 9562 variant: valid syntax, stable, no clock.
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The search criterion that finds an object by one identifier. */
export function identifierCriteria(identifier: Identifier): string {
  if (!identifier.system || !identifier.value) {
    throw new Error('an identifier criterion needs a system and a value');
  }
  return `identifier=${encodeURIComponent(identifier.system)}|${encodeURIComponent(identifier.value)}`;
}

/** A reference that the store resolves by identifier (a conditional reference in a transaction). */
export function referenceByIdentifier(type: string, identifier: Identifier): string {
  return `${type}?${identifierCriteria(identifier)}`;
}

/** Create unless an object with this identifier exists (parties: Patient, Practitioner, Organization). */
export function createIfAbsent(fullUrl: string, resource: Resource, identifier: Identifier): BundleEntry {
  return {
    fullUrl,
    resource,
    request: { method: 'POST', url: resource.resourceType, ifNoneExist: identifierCriteria(identifier) },
  };
}

/** Create or replace the object with this identifier (what the message is about: an order, a coverage, a delivery). */
export function createOrUpdate(fullUrl: string, resource: Resource, identifier: Identifier): BundleEntry {
  return {
    fullUrl,
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}?${identifierCriteria(identifier)}` },
  };
}

/** A conditional JSON Patch of the one object `url` finds (`Type?criteria`): a change of a few elements it does not own. */
export function patchWhere(fullUrl: string, url: string, operations: readonly object[]): BundleEntry {
  return {
    fullUrl,
    resource: {
      resourceType: 'Binary',
      contentType: 'application/json-patch+json',
      data: Buffer.from(JSON.stringify(operations)).toString('base64'),
    },
    request: { method: 'PATCH', url },
  };
}
