// Ids for new resources: UUIDv7 (RFC 9562), a millisecond timestamp followed by random bits. New ids sort after
// older ones, so every index keyed on a resource id (the primary keys, and the search tables' resource indexes)
// grows at its right edge instead of touching a random page per insert: fewer pages dirtied, fewer full-page
// images in the WAL. The random part (74 bits) keeps ids unguessable; the time part tells no more than
// meta.lastUpdated does.
import { randomUUID } from 'node:crypto';

/**
 * A version 4 uuid with its first 48 bits replaced by the time: the 74 random bits and the variant are its own.
 * randomUUID() draws from a buffered pool, where randomBytes(16) asked for fresh bytes on every call (ten times the
 * cost; an id is made for every write and every audit record).
 */
export function newResourceId(now = Date.now()): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
