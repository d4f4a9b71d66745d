// Ids for new resources: UUIDv7 (RFC 9562), a millisecond timestamp followed by random bits. New ids sort after
// older ones, so every index keyed on a resource id (the primary keys, and the search tables' resource indexes)
// grows at its right edge instead of touching a random page per insert: fewer pages dirtied, fewer full-page
// images in the WAL. The random part (74 bits) keeps ids unguessable; the time part tells no more than
// meta.lastUpdated does.
import { randomBytes } from 'node:crypto';

export function newResourceId(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
