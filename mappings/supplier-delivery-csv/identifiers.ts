// Checks of the identifiers a delivery report or logistics event carries (GS1 GTIN, SSCC, GLN, serial and lot; the
// owner of a device; the delivery request's number), each returning the value to write or a reason a sender can act
// on. Pure, no FHIR. No BSN: these messages name the client through the delivery request (../shared/delivery-request.ts).
import type { Identifier } from '@medplum/fhirtypes';
import { NAMING } from '../shared/naming-systems.js';

/** A value's reading: the value to write, or why it cannot be taken. */
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(reason: string): Checked<T> => ({ ok: false, reason });

/** Excel writes long numbers as 8,71235E+12 unless the column is text: say so rather than "not 13 digits". */
const SCIENTIFIC = /^\d+([.,]\d+)?E\+?\d+$/i;
const EXCEL_HINT = 'Excel wrote it in scientific notation: format the column as text before exporting';

/** GS1 mod 10: weights 3 and 1 from the right, the last digit the check digit (GTIN, SSCC, GLN). */
export function gs1CheckDigitValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length - 1; i++) {
    const weight = (digits.length - 1 - i) % 2 === 1 ? 3 : 1;
    sum += Number(digits[i]) * weight;
  }
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

export interface Gtin {
  /** As the sender wrote it (8, 12, 13 or 14 digits): the code of a GTIN coding. */
  readonly code: string;
  /** Padded to 14 digits: the UDI device identifier (hub-dev-4). */
  readonly gtin14: string;
}

export function checkGtin(text: string): Checked<Gtin> {
  const code = text.replace(/^\(01\)/, '');
  if (SCIENTIFIC.test(code)) return bad(`GTIN ${text}: ${EXCEL_HINT}`);
  if (!/^(\d{8}|\d{12,14})$/.test(code)) return bad(`GTIN ${text} is not 8, 12, 13 or 14 digits`);
  if (!gs1CheckDigitValid(code)) return bad(`GTIN ${code} has a wrong check digit (GS1 mod 10)`);
  return ok({ code, gtin14: code.padStart(14, '0') });
}

export function checkSscc(text: string): Checked<string> {
  const sscc = text.replace(/^\(00\)/, '').replace(/^00(?=\d{18}$)/, '');
  if (SCIENTIFIC.test(sscc)) return bad(`SSCC ${text}: ${EXCEL_HINT}`);
  if (!/^\d{18}$/.test(sscc)) return bad(`SSCC ${text} is not 18 digits`);
  if (!gs1CheckDigitValid(sscc)) return bad(`SSCC ${sscc} has a wrong check digit (GS1 mod 10)`);
  return ok(sscc);
}

export function checkGln(text: string): Checked<string> {
  if (!/^\d{13}$/.test(text)) return bad(`GLN ${text} is not 13 digits`);
  if (!gs1CheckDigitValid(text)) return bad(`GLN ${text} has a wrong check digit (GS1 mod 10)`);
  return ok(text);
}

/**
 * A serial (AI 21) or lot (AI 10): up to 20 characters of GS1's character set, without parentheses (the UDI string
 * (01)...(10)...(21)... could not be read back: hub-dev-3).
 */
export function checkGs1Text(what: 'serial' | 'lot', text: string): Checked<string> {
  if (text.length > 20) return bad(`the ${what} ${text} is longer than the 20 characters GS1 allows`);
  if (!/^[A-Za-z0-9!"%&'*+,\-./:;<=>?_]+$/.test(text)) {
    return bad(`the ${what} ${text} has characters a GS1 ${what} cannot hold (letters, digits and !"%&'*+,-./:;<=>?_)`);
  }
  return ok(text);
}

/** The ways a report names a device's owner: `<scheme>:<value>`, or a bare 13-digit GLN. */
const OWNER_SCHEMES: Record<string, { system: string; pattern: RegExp; what: string; gs1?: boolean }> = {
  gln: { system: NAMING.gln, pattern: /^\d{13}$/, what: '13 digits', gs1: true },
  agb: { system: NAMING.agb, pattern: /^\d{8}$/, what: '8 digits' },
  ura: { system: NAMING.ura, pattern: /^\d{8}$/, what: '8 digits' },
  uzovi: { system: NAMING.uzovi, pattern: /^\d{4}$/, what: '4 digits' },
  gemeentecode: { system: NAMING.gemeentecode, pattern: /^\d{4}$/, what: '4 digits' },
  gemeente: { system: NAMING.gemeentecode, pattern: /^\d{4}$/, what: '4 digits' },
};

export function checkOwner(text: string): Checked<Identifier> {
  const match = /^([A-Za-z]+)\s*:\s*(\S+)$/.exec(text);
  const [scheme, value] = match ? [match[1].toLowerCase(), match[2]] : ['gln', text];
  const rule = Object.hasOwn(OWNER_SCHEMES, scheme) ? OWNER_SCHEMES[scheme] : undefined;
  if (!rule) {
    return bad(`owner ${text}: the scheme ${scheme} is not one of ${Object.keys(OWNER_SCHEMES).join(', ')}`);
  }
  if (!rule.pattern.test(value) || (rule.gs1 && !gs1CheckDigitValid(value))) {
    return bad(
      match
        ? `owner ${text}: a ${scheme} is ${rule.what}${rule.gs1 ? ' with a valid GS1 check digit' : ''}`
        : `owner ${text} is neither <scheme>:<value> (gln, agb, ura, uzovi, gemeentecode) nor a valid 13-digit GLN`,
    );
  }
  return ok({ system: rule.system, value });
}

/** A delivery request's number as senders quote it: no spaces or | (it becomes a search criterion). */
export function checkOrderNumber(text: string): Checked<string> {
  if (text.length > 64 || /[|\s]/.test(text)) {
    return bad(`order number ${text} is not an order number (at most 64 characters, no spaces or |)`);
  }
  return ok(text);
}
