// Dates and times as senders write them, read into FHIR: a date stays a date; a date-time keeps its own offset, or
// gets the Europe/Amsterdam offset of that moment when it has none (the senders are Dutch).
import type { Checked } from './identifiers.js';

export interface When {
  /** For the resource: a FHIR date (YYYY-MM-DD) or dateTime with seconds and offset. */
  readonly fhir: string;
  /** For the message time: always a date-time with offset (a date is the start of that day in Amsterdam). */
  readonly instant: string;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
/** Dutch spreadsheets: 6-5-2025, 06-05-2025 15:12, 06/05/2025 15:12:30 (day first, always). */
const DUTCH = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

const amsterdam = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Amsterdam', timeZoneName: 'longOffset' });

/** Minutes east of UTC in Amsterdam at the instant `utcMs`. */
function amsterdamOffsetMinutes(utcMs: number): number {
  const name = amsterdam.formatToParts(new Date(utcMs)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The Amsterdam offset of a wall-clock time in Amsterdam (the later offset for a time the clock skips). */
function offsetOfLocal(year: number, month: number, day: number, hour: number, minute: number, second: number) {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const first = amsterdamOffsetMinutes(wall);
  return formatOffset(amsterdamOffsetMinutes(wall - first * 60_000));
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

interface Parts {
  year: number;
  month: number;
  day: number;
  time?: { hour: number; minute: number; second: number; fraction: string; offset?: string };
}

function validParts({ year, month, day, time }: Parts): string | undefined {
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return 'there is no such day';
  if (time && (time.hour > 23 || time.minute > 59 || time.second > 59)) return 'there is no such time of day';
  if (
    time?.offset &&
    time.offset !== 'Z' &&
    (Number(time.offset.slice(1, 3)) > 14 || Number(time.offset.slice(4)) > 59)
  ) {
    return 'the offset is out of range';
  }
  return undefined;
}

function toWhen(parts: Parts): When {
  const date = `${pad(parts.year, 4)}-${pad(parts.month)}-${pad(parts.day)}`;
  const { time } = parts;
  if (!time) {
    return { fhir: date, instant: `${date}T00:00:00${offsetOfLocal(parts.year, parts.month, parts.day, 0, 0, 0)}` };
  }
  const offset = time.offset ?? offsetOfLocal(parts.year, parts.month, parts.day, time.hour, time.minute, time.second);
  const value = `${date}T${pad(time.hour)}:${pad(time.minute)}:${pad(time.second)}${time.fraction}${offset}`;
  return { fhir: value, instant: value };
}

/**
 * Reads `text` as ISO 8601 (date, or date-time with or without seconds and offset) and, when `dutch`, as a Dutch
 * day-first date. `dateOnly: false` refuses a date without a time.
 */
export function readWhen(text: string, options: { dutch: boolean; dateOnly: boolean }): Checked<When> {
  let parts: Parts | undefined;
  const iso = ISO.exec(text);
  if (iso) {
    parts = {
      year: Number(iso[1]),
      month: Number(iso[2]),
      day: Number(iso[3]),
      time:
        iso[4] === undefined
          ? undefined
          : {
              hour: Number(iso[4]),
              minute: Number(iso[5]),
              second: Number(iso[6] ?? 0),
              fraction: iso[7] ?? '',
              offset: iso[8],
            },
    };
  } else if (options.dutch) {
    const nl = DUTCH.exec(text);
    if (nl) {
      parts = {
        year: Number(nl[3]),
        month: Number(nl[2]),
        day: Number(nl[1]),
        time:
          nl[4] === undefined
            ? undefined
            : { hour: Number(nl[4]), minute: Number(nl[5]), second: Number(nl[6] ?? 0), fraction: '' },
      };
    }
  }
  const forms = options.dutch
    ? 'YYYY-MM-DDThh:mm[:ss][+hh:mm], YYYY-MM-DD hh:mm or DD-MM-YYYY hh:mm'
    : 'YYYY-MM-DDThh:mm:ss+hh:mm';
  if (!parts) return { ok: false, reason: `${text} is not a date-time (write ${forms})` };
  const invalid = validParts(parts);
  if (invalid) return { ok: false, reason: `${text} is not a valid date-time: ${invalid}` };
  if (!parts.time && !options.dateOnly) return { ok: false, reason: `${text} has no time of day (write ${forms})` };
  return { ok: true, value: toWhen(parts) };
}
