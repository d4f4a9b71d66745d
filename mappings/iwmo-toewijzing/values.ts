// Checks of the values a mapping relies on, each refusing with the element's own location.
import { MappingError } from '../adapter.js';
import type { Located } from './model.js';

/** An iWmo LDT_Datum (YYYY-MM-DD, no time zone) that is a real calendar date. */
export function date(field: Located, what: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(field.value);
  const day = match && new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  if (!match || !day || day.toISOString().slice(0, 10) !== field.value) {
    throw new MappingError(field.at, `${what} "${field.value}" is not a date (YYYY-MM-DD)`);
  }
  return field.value;
}

/** A period from optional start and end dates; an end before the start is refused. */
export function period(start: Located | undefined, end: Located | undefined): { start?: string; end?: string } {
  const from = start && date(start, start.at.split('/').pop() ?? 'start');
  const to = end && date(end, end.at.split('/').pop() ?? 'end');
  if (from && to && to < from) {
    throw new MappingError(end.at, `the end date ${to} is before the start date ${from} (${start.at})`);
  }
  return { ...(from ? { start: from } : {}), ...(to ? { end: to } : {}) };
}

/** A value that must match a pattern (a register code, a code of a list). */
export function matching(field: Located, pattern: RegExp, what: string): string {
  if (!pattern.test(field.value)) {
    throw new MappingError(field.at, `${what} "${field.value}" is not valid: ${describe(pattern)}`);
  }
  return field.value;
}

function describe(pattern: RegExp): string {
  const known: Record<string, string> = {
    '^[0-9]{4}$': 'a gemeentecode has 4 digits',
    '^[0-9]{8}$': 'an AGB code has 8 digits',
    '^[0-9]{2}$': 'a product category has 2 digits',
    '^[0-9A-Z]{5}$': 'a product code has 5 characters (digits, capitals)',
  };
  return known[pattern.source] ?? `expected ${pattern.source}`;
}

/** A code of a code list, looked up; a code not in the list is refused, naming the list. */
export function coded<T>(field: Located, list: Readonly<Record<string, T>>, listName: string): T {
  const found = Object.hasOwn(list, field.value) ? list[field.value] : undefined;
  if (found === undefined) {
    throw new MappingError(field.at, `"${field.value}" is not a code of ${listName} (${Object.keys(list).join(', ')})`);
  }
  return found;
}

/** Midnight of a date in Europe/Amsterdam as an ISO 8601 date-time with its offset (+01:00 or +02:00). */
export function amsterdamMidnight(day: string): string {
  // Clocks change at 01:00 UTC, so the offset at 00:00 UTC of the day is the offset of that day's local midnight.
  const instant = new Date(`${day}T00:00:00Z`);
  const zone = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', timeZoneName: 'longOffset' })
    .formatToParts(instant)
    .find((part) => part.type === 'timeZoneName')?.value;
  const offset = /^GMT([+-]\d{2}:\d{2})$/.exec(zone ?? '')?.[1] ?? '+00:00';
  return `${day}T00:00:00${offset}`;
}

/** Today's date in Europe/Amsterdam (the Dagtekening of a retour). */
export function amsterdamDate(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(now);
}
