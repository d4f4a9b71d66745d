// Date values as the range of instants they cover, by the precision they were written with (FHIR search, "date"):
// 2024 covers the whole year, 2024-03-01T10:00:00+01:00 one second. A dateTime without a zone is read as UTC (FHIR
// says the zone is then unknown; one fixed reading keeps stored ranges stable). Period ends may be open.
import type { TypedValue } from '@medplum/core';
import type { DateRange } from './types.js';

export const NEG_INFINITY = '-infinity';
export const POS_INFINITY = 'infinity';

// year, month, day, hour, minute, second, fraction, zone
const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Milliseconds since the epoch for a UTC date; years below 100 are taken literally (Date.UTC would add 1900). */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

function iso(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Field ranges the pattern cannot express: 2024-02-30, 25:00, +15:00 are not dates (Date would roll them over). */
function fieldsValid(m: RegExpExecArray): boolean {
  const year = Number(m[1]);
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 12)) {
    return false;
  }
  if (m[3] !== undefined) {
    const daysInMonth = new Date(utc(year, Number(m[2]), 0)).getUTCDate();
    if (Number(m[3]) < 1 || Number(m[3]) > daysInMonth) {
      return false;
    }
  }
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) {
    return false;
  }
  const zone = m[8];
  return zone === undefined || zone === 'Z' || (Number(zone.slice(1, 3)) <= 14 && Number(zone.slice(4, 6)) <= 59);
}

/** The range a date, dateTime or instant covers; undefined when the text is not one. */
export function dateRange(text: string): DateRange | undefined {
  const m = DATE_TIME.exec(text);
  if (!m || !fieldsValid(m)) {
    return undefined;
  }
  const year = Number(m[1]);
  let low: number;
  let high: number;
  if (m[2] === undefined) {
    low = utc(year, 0, 1);
    high = utc(year + 1, 0, 1);
  } else if (m[3] === undefined) {
    const month = Number(m[2]) - 1;
    low = utc(year, month, 1);
    high = utc(year, month + 1, 1);
  } else if (m[4] === undefined) {
    const month = Number(m[2]) - 1;
    const day = Number(m[3]);
    low = utc(year, month, day);
    high = utc(year, month, day + 1);
  } else {
    const fraction = m[7] ?? '';
    const ms = fraction === '' ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
    const zone = m[8];
    const offsetMinutes =
      zone === undefined || zone === 'Z'
        ? 0
        : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    low =
      utc(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), ms) -
      offsetMinutes * 60_000;
    // Precision as written: minutes, seconds, or 10^-n s for n fraction digits (at most ms).
    const step = m[6] === undefined ? 60_000 : fraction === '' ? 1000 : 10 ** Math.max(0, 3 - fraction.length);
    high = low + step;
  }
  const lowIso = iso(low);
  const highIso = iso(high);
  return lowIso && highIso ? { low: lowIso, high: highIso } : undefined;
}

function periodRange(period: Record<string, unknown>): DateRange | undefined {
  const start = typeof period.start === 'string' ? dateRange(period.start) : undefined;
  const end = typeof period.end === 'string' ? dateRange(period.end) : undefined;
  if (!start && !end) {
    return undefined;
  }
  return { low: start?.low ?? NEG_INFINITY, high: end?.high ?? POS_INFINITY };
}

function pushDate(out: DateRange[], typed: TypedValue): void {
  const v = typed.value as unknown;
  if (typeof v === 'string') {
    const range = dateRange(v);
    if (range) {
      out.push(range);
    }
    return;
  }
  if (!v || typeof v !== 'object') {
    return;
  }
  const json = v as Record<string, unknown>;
  if (typed.type === 'Period') {
    const range = periodRange(json);
    if (range) {
      out.push(range);
    }
  } else if (typed.type === 'Timing') {
    // Each event is a point in time; the repeat bounds, when a Period, cover the whole schedule.
    for (const event of (json.event as unknown[] | undefined) ?? []) {
      const range = typeof event === 'string' ? dateRange(event) : undefined;
      if (range) {
        out.push(range);
      }
    }
    const bounds = (json.repeat as Record<string, unknown> | undefined)?.boundsPeriod;
    const range = bounds && typeof bounds === 'object' ? periodRange(bounds as Record<string, unknown>) : undefined;
    if (range) {
      out.push(range);
    }
  }
}

export function dateValues(values: TypedValue[]): DateRange[] {
  const out: DateRange[] = [];
  for (const value of values) {
    pushDate(out, value);
  }
  return out;
}
