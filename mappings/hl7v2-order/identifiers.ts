// Identifiers out of HL7 data types (CX, XCN, XON, HD): which register a value belongs to, and the checks the hub's
// profiles make on it, made here first so that a bad value is refused at its HL7 field rather than at validation.
import type { Identifier } from '@medplum/fhirtypes';
import { NAMING } from '../shared/naming-systems.js';
import { REGISTERS, type Register, registerNamed } from './code-maps.js';
import type { Rep } from './hl7-read.js';

/** A value with the register it belongs to. */
export interface RegisterId {
  readonly register: Register;
  readonly value: string;
}

/** A GTIN-8, -12, -13 or -14 with a valid GS1 check digit. */
export function validGtin(code: string): boolean {
  if (!/^(\d{8}|\d{12,14})$/.test(code)) {
    return false;
  }
  const digits = [...code.padStart(14, '0')].map(Number);
  const sum = digits.slice(0, 13).reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === digits[13];
}

/** The register of a CX (PID-3, IN1-3): CX-4 assigning authority (namespace or universal id), else CX-5 type. */
export function cxId(rep: Rep): RegisterId | undefined {
  const value = rep.get(1);
  const register = registerNamed(rep.get(4, 1)) ?? registerNamed(rep.get(4, 2)) ?? registerNamed(rep.get(5));
  return value && register ? { register, value } : undefined;
}

/** The register of an XCN (ORC-12, OBR-16): XCN-9 assigning authority, else XCN-13 identifier type. */
export function xcnId(rep: Rep): RegisterId | undefined {
  const value = rep.get(1);
  const register = registerNamed(rep.get(9, 1)) ?? registerNamed(rep.get(9, 2)) ?? registerNamed(rep.get(13));
  return value && register ? { register, value } : undefined;
}

/** The register of an XON (ORC-21): XON-6 assigning authority, else XON-7 identifier type; the id in XON-10 or XON-3. */
export function xonId(rep: Rep): RegisterId | undefined {
  const value = rep.get(10) ?? rep.get(3);
  const register = registerNamed(rep.get(6, 1)) ?? registerNamed(rep.get(6, 2)) ?? registerNamed(rep.get(7));
  return value && register ? { register, value } : undefined;
}

/**
 * The register of an HD (MSH-4): universal id type AGB or URA with the code as universal id, or an ISO universal id
 * that is the register's OID followed by the code (2.16.528.1.1007.3.3.<URA>).
 */
export function hdId(rep: Rep): RegisterId | undefined {
  const universal = rep.get(2);
  if (!universal) {
    return undefined;
  }
  const byType = registerNamed(rep.get(3));
  if (byType === 'agb' || byType === 'ura') {
    return { register: byType, value: universal };
  }
  for (const register of ['agb', 'ura'] as const) {
    const oid = REGISTERS[register].find((name) => /^\d+(\.\d+)+$/.test(name));
    if (oid && universal.startsWith(`${oid}.`)) {
      return { register, value: universal.slice(oid.length + 1) };
    }
  }
  return undefined;
}

export function identifierOf(id: RegisterId): Identifier {
  return { system: NAMING[id.register], value: id.value };
}

/** AGB and URA codes have 8 digits, UZOVI codes 4 (hub-org-8). */
export function wellFormed(id: RegisterId): boolean {
  return id.register === 'uzovi' ? /^\d{4}$/.test(id.value) : /^\d{8}$/.test(id.value);
}

/**
 * The system of a Zvw verzekerdenummer: unique per insurer only, so scoped by the UZOVI code. Not (yet) in
 * mappings/shared/naming-systems.ts; the report proposes it there.
 */
export function verzekerdenummerSystem(uzovi: string): string {
  return `https://zorghub.example.org/fhir/NamingSystem/zvw-verzekerdenummer/${encodeURIComponent(uzovi)}`;
}
