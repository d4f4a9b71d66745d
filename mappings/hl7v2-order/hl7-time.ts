// HL7 v2 DTM (YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]) to FHIR date and dateTime. A date stays a date; a time
// without an offset gets the offset Europe/Amsterdam had at that wall-clock time (Intl, no dependency).

interface Dtm {
  year: string;
  month?: string;
  day?: string;
  hour?: string;
  minute?: string;
  second?: string;
  fraction?: string;
  offset?: string;
}

const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?([+-]\d{4})?$/;

/** The parts of a DTM, or undefined when it is not one (or names a day or time that does not exist). */
function parseDtm(value: string): Dtm | undefined {
  const m = DTM.exec(value.trim());
  if (!m) {
    return undefined;
  }
  const [, year, month, day, hour, minute, second, fraction, offset] = m;
  const dtm: Dtm = { year, month, day, hour, minute, second, fraction, offset };
  const n = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
  const mo = n(month, 1);
  const d = n(day, 1);
  const daysInMonth = new Date(Date.UTC(Number(year), mo, 0)).getUTCDate();
  const valid =
    mo >= 1 &&
    mo <= 12 &&
    d >= 1 &&
    d <= daysInMonth &&
    n(hour, 0) <= 23 &&
    n(minute, 0) <= 59 &&
    n(second, 0) <= 59 &&
    (offset === undefined || (Number(offset.slice(1, 3)) <= 14 && Number(offset.slice(3)) <= 59));
  return valid ? dtm : undefined;
}

/** The date part as a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD). */
export function fhirDate(value: string): string | undefined {
  const dtm = parseDtm(value);
  if (!dtm) {
    return undefined;
  }
  return [dtm.year, dtm.month, dtm.day].filter((p) => p !== undefined).join('-');
}

/**
 * A FHIR date when the DTM has no time, else a dateTime with seconds and offset (an hour without minutes reads as
 * HH:00; the message's offset, else Europe/Amsterdam's).
 */
export function fhirDateTime(value: string): string | undefined {
  const dtm = parseDtm(value);
  if (!dtm) {
    return undefined;
  }
  if (dtm.hour === undefined || dtm.day === undefined) {
    return fhirDate(value);
  }
  const minute = dtm.minute ?? '00';
  const second = dtm.second ?? '00';
  const fraction = dtm.fraction ? `.${dtm.fraction}` : '';
  const local = `${dtm.year}-${dtm.month}-${dtm.day}T${dtm.hour}:${minute}:${second}${fraction}`;
  const offset = dtm.offset
    ? `${dtm.offset.slice(0, 3)}:${dtm.offset.slice(3)}`
    : formatOffset(amsterdamOffsetMinutes(local));
  return `${local}${offset}`;
}

/** A dateTime with at least minutes (MSH-7 and other times that must be instants), else undefined. */
export function fhirInstant(value: string): string | undefined {
  const dtm = parseDtm(value);
  return dtm?.minute === undefined ? undefined : fhirDateTime(value);
}

const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Amsterdam', timeZoneName: 'longOffset' });

/** Europe/Amsterdam's UTC offset in minutes at an instant. */
function offsetAt(epochMs: number): number {
  const name = offsetFormat.formatToParts(new Date(epochMs)).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The offset for a wall-clock time in Amsterdam (YYYY-MM-DDTHH:MM:SS): two passes settle DST transitions. */
function amsterdamOffsetMinutes(local: string): number {
  const asUtc = Date.parse(`${local.slice(0, 19)}Z`);
  const first = offsetAt(asUtc - 60 * 60_000);
  return offsetAt(asUtc - first * 60_000);
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
