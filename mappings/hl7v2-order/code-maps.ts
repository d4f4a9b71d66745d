// The code maps of the adapter, as data: HL7 v2 tables and the names senders use for registers and code systems,
// to the hub's FHIR codes and identifier systems. The aid list and the Zvw insurance types are the hub's own
// ValueSets, read from profiles/ so that the adapter accepts exactly what the profiles accept.
import type { Address, ContactPoint, DeviceRequest, HumanName, Patient } from '@medplum/fhirtypes';
import aidType from '../../profiles/value-sets/aid-type.json' with { type: 'json' };
import zvwInsuranceType from '../../profiles/value-sets/zvw-insurance-type.json' with { type: 'json' };

/** ORC-1 order control -> DeviceRequest.status. Other controls (SC, OC, DC, HD, RP, ...) are refused. */
export const ORDER_CONTROL: Record<string, NonNullable<DeviceRequest['status']>> = {
  NW: 'active',
  XO: 'active',
  CA: 'revoked',
};

/** TQ1-9 priority (table 0485) -> DeviceRequest.priority; other priorities (P, C, T, PRN) are left out. */
export const PRIORITY: Record<string, NonNullable<DeviceRequest['priority']>> = {
  S: 'stat',
  A: 'asap',
  R: 'routine',
};

/** PID-8 administrative sex (HL7 table 0001) -> Patient.gender; A (ambiguous) and N (not applicable) as other. */
export const GENDER: Record<string, NonNullable<Patient['gender']>> = {
  M: 'male',
  F: 'female',
  O: 'other',
  U: 'unknown',
  A: 'other',
  N: 'other',
};

/** XPN-7 name type (table 0200) -> HumanName.use. */
export const NAME_USE: Record<string, NonNullable<HumanName['use']>> = {
  L: 'official',
  D: 'usual',
  M: 'maiden',
  N: 'nickname',
};

/** XAD-7 address type (table 0190) -> Address.use / Address.type. */
export const ADDRESS_TYPE: Record<string, { use?: Address['use']; type?: Address['type'] }> = {
  H: { use: 'home' },
  L: { use: 'home' },
  B: { use: 'work' },
  O: { use: 'work' },
  C: { use: 'temp' },
  BA: { use: 'old' },
  M: { type: 'postal' },
};

/** XTN-2 telecommunication use (table 0201) -> ContactPoint.use. */
export const TELECOM_USE: Record<string, ContactPoint['use']> = {
  PRN: 'home',
  ORN: 'home',
  VHN: 'temp',
  WPN: 'work',
};

/** XTN-3 equipment type (table 0202) -> ContactPoint.system (and use, for a mobile phone). */
export const TELECOM_EQUIPMENT: Record<string, { system: ContactPoint['system']; use?: ContactPoint['use'] }> = {
  PH: { system: 'phone' },
  CP: { system: 'phone', use: 'mobile' },
  FX: { system: 'fax' },
  BP: { system: 'pager' },
  Internet: { system: 'email' },
  'X.400': { system: 'email' },
};

/** The registers an identifier can come from, and the names (assigning authority, identifier type, OID) that say so. */
export const REGISTERS = {
  bsn: ['NLMINBIZA', 'NNNLD', '2.16.840.1.113883.2.4.6.3'],
  agb: ['AGB', 'AGB-Z', '2.16.840.1.113883.2.4.6.1'],
  ura: ['URA', '2.16.528.1.1007.3.3'],
  uzovi: ['UZOVI', '2.16.840.1.113883.2.4.6.4'],
} as const;

export type Register = keyof typeof REGISTERS;

/** Which register a name (HD namespace or universal id, CX-5 / XCN-13 / XON-7 identifier type) stands for. */
export function registerNamed(name: string | undefined): Register | undefined {
  if (!name) {
    return undefined;
  }
  const upper = name.toUpperCase();
  return (Object.keys(REGISTERS) as Register[]).find((r) => (REGISTERS[r] as readonly string[]).includes(upper));
}

export const ISO_9999 = 'urn:iso:std:iso:9999';
export const SNOMED_CT = 'http://snomed.info/sct';
export const GTIN = 'https://www.gs1.org/gtin';

/** CE-3 / CWE-3 name of coding system -> the FHIR system of the aid codes the hub accepts (ValueSet aid-type). */
export const AID_CODING_SYSTEMS: Record<string, string> = {
  ISO9999: ISO_9999,
  'ISO 9999': ISO_9999,
  'ISO-9999': ISO_9999,
  [ISO_9999.toUpperCase()]: ISO_9999,
  SCT: SNOMED_CT,
  SNOMED: SNOMED_CT,
  SNOMEDCT: SNOMED_CT,
  'SNOMED CT': SNOMED_CT,
  'SNOMED-CT': SNOMED_CT,
  '2.16.840.1.113883.6.96': SNOMED_CT,
  [SNOMED_CT.toUpperCase()]: SNOMED_CT,
  GTIN: GTIN,
  GS1: GTIN,
  [GTIN.toUpperCase()]: GTIN,
};

/** The ISO 9999 classes of the hub's aid list, with their display. */
export const ISO_9999_CLASSES: ReadonlyMap<string, string> = new Map(
  (aidType.compose.include.find((i) => i.system === ISO_9999)?.concept ?? []).map((c) => [c.code, c.display]),
);

const ZIB_VERZEKERINGSSOORT = zvwInsuranceType.compose.include[0];

/** The zib Verzekeringssoort system and its codes with display (IN1-15). */
export const VERZEKERINGSSOORT = {
  system: ZIB_VERZEKERINGSSOORT.system,
  codes: new Map(ZIB_VERZEKERINGSSOORT.concept.map((c) => [c.code, c.display])),
};

export const HUB_CODE_SYSTEM = 'https://zorghub.example.org/fhir/CodeSystem/';
export const HUB_PROFILE = 'https://zorghub.example.org/fhir/StructureDefinition/';

/** OBR-46 placer supplemental service information: the hub's order modifiers, by code (case-insensitive). */
export const ORDER_MODIFIERS: Record<string, OrderModifier> = {
  purchase: { provisionMode: 'purchase' },
  koop: { provisionMode: 'purchase' },
  rental: { provisionMode: 'rental' },
  huur: { provisionMode: 'rental' },
  loan: { provisionMode: 'loan' },
  bruikleen: { provisionMode: 'loan' },
  'installation-required': { installationRequired: true },
  installatie: { installationRequired: true },
  'instruction-required': { instructionRequired: true },
  instructie: { instructionRequired: true },
};

export type ProvisionMode = 'purchase' | 'rental' | 'loan';

export interface OrderModifier {
  provisionMode?: ProvisionMode;
  installationRequired?: true;
  instructionRequired?: true;
}

export const PROVISION_MODE_DISPLAY: Record<ProvisionMode, string> = {
  purchase: 'Purchase',
  rental: 'Rental',
  loan: 'Loan',
};
