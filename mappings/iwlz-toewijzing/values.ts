// Small value rules of the mapping: BSN 11-proof, dates as the message writes them, the message time, and the
// identifier of one toewijzing.
import type { Identifier } from '@medplum/fhirtypes';
import { isValidBsn } from '../../server/fhir/bsn.js';
import { MappingError } from '../adapter.js';
import { NAMING } from '../shared/naming-systems.js';
import type { Header, Located } from './parse-messages.js';

/**
 * One iWlz toewijzing of a zorgzwaartepakket, as iWlz itself refers to it (AW35 GeleverdZorgzwaartepakket:
 * Besluitnummer, ZzpCode, ToewijzingIngangsdatum). Proposed for NAMING as `wlzToewijzing`.
 */
const TOEWIJZING_SYSTEM = 'https://zorghub.example.org/fhir/NamingSystem/iwlz-toewijzing';

/** The message's identity: BerichtCode, Afzender and BerichtIdentificatie (`iwlz:352:5515:ZK5515-08812`). */
export function messageKey(header: Header): string {
  return `iwlz:${header.berichtCode}:${header.afzender}:${header.identificatie}`;
}

export function bsnIdentifier(bsn: Located): Identifier {
  if (!isValidBsn(bsn.value)) {
    throw new MappingError(bsn.path, `BSN ${bsn.value} does not pass the 11-proof (elfproef)`, 'map');
  }
  return { system: NAMING.bsn, value: bsn.value };
}

/** A date of the message (LDT_Datum, YYYY-MM-DD), checked once more so that no odd form reaches FHIR. */
export function date(value: Located): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value.value) || Number.isNaN(Date.parse(`${value.value}T00:00:00Z`))) {
    throw new MappingError(value.path, `${value.value} is not a date of the form YYYY-MM-DD`, 'map');
  }
  return value.value;
}

/** The Besluitnummer in its canonical form (xs:integer allows "+0241045873"), 1 to 9 digits as hub-Coverage wants. */
export function besluitnummer(value: Located): string {
  const canonical = value.value.replace(/^\+/, '').replace(/^0+(?=\d)/, '');
  if (!/^[1-9][0-9]{0,8}$/.test(canonical)) {
    throw new MappingError(value.path, `Besluitnummer ${value.value} is not a number from 1 to 999999999`, 'map');
  }
  return canonical;
}

/** Besluitnummer, ZzpCode and Ingangsdatum, separated by spaces so that each part is the message's own text. */
export function toewijzingIdentifier(besluit: string, zzpCode: string, ingangsdatum: string): Identifier {
  return { system: TOEWIJZING_SYSTEM, value: `${besluit} ${zzpCode} ${ingangsdatum}` };
}

const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Amsterdam', timeZoneName: 'longOffset' });

/** The Europe/Amsterdam offset at an instant, in minutes east of UTC. */
function amsterdamOffset(instant: number): number {
  const name = offsetFormat.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** 00:00 of a date in Europe/Amsterdam, with that moment's offset: "2025-05-12T00:00:00+02:00". */
export function amsterdamMidnight(day: string): string {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  // Midnight is never inside a DST switch (those are at 02:00 and 03:00), so one correction settles it.
  const offset = amsterdamOffset(utcMidnight - amsterdamOffset(utcMidnight) * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${day}T00:00:00${sign}${hh}:${mm}`;
}
