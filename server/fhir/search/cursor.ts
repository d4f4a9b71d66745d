// The page cursor of `next` and `previous` links: the sort-key values, resource type and id of the row a page
// starts after (keyset paging), so a link keeps working while data changes: no row is skipped or repeated because
// rows before it were added or deleted. Opaque to clients (base64url JSON); a forged or stale one is a 400.
import { errors } from '../../errors.js';

export interface Cursor {
  direction: 'next' | 'previous';
  /** One value per sort key (null when the row has no value), as text. */
  values: (string | null)[];
  resourceType: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(
    JSON.stringify([cursor.direction === 'next' ? 'n' : 'p', cursor.values, cursor.resourceType, cursor.id]),
  ).toString('base64url');
}

export function decodeCursor(text: string, keyCount: number): Cursor {
  const invalid = () =>
    errors.badParameter(
      `_cursor "${text.slice(0, 40)}" is not a cursor of this search; follow the Bundle's links as given`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) {
    throw invalid();
  }
  const [direction, values, resourceType, id] = parsed as unknown[];
  const valid =
    (direction === 'n' || direction === 'p') &&
    Array.isArray(values) &&
    values.length === keyCount &&
    values.every((v) => v === null || (typeof v === 'string' && v.length <= 1024)) &&
    typeof resourceType === 'string' &&
    /^[A-Z][A-Za-z]{0,63}$/.test(resourceType) &&
    typeof id === 'string' &&
    /^[A-Za-z0-9\-.]{1,64}$/.test(id);
  if (!valid) {
    throw invalid();
  }
  return { direction: direction === 'n' ? 'next' : 'previous', values: values as (string | null)[], resourceType, id };
}
