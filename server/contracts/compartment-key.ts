// The `compartments uuid[]` column holds one uuid per Patient compartment a resource belongs to. FHIR ids need not be
// uuids ("example"), so a non-uuid Patient id is mapped to a name-based uuid (RFC 4122 version 5) of "Patient/<id>".
// The consent layer computes the same key from a token's patient id, so both sides agree without a lookup.
import { createHash } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A fixed namespace for the hub (itself a random v4 uuid, chosen once; never change it: stored keys depend on it).
const NAMESPACE = Buffer.from('6f3c2a8e4b1d47c59e0a7d2b8c4f1e93', 'hex');

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function compartmentKey(patientId: string): string {
  if (isUuid(patientId)) {
    return patientId.toLowerCase();
  }
  const hash = createHash('sha1').update(NAMESPACE).update(`Patient/${patientId}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
