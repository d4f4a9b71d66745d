// The code maps of the mapping, as data: iWlz 2.2 basisschema codes (LDT_...) to FHIR codes and hub codings. The
// labels of zorgkantoor, zorgzwaartepakket and leveringsvorm codes are not here: they are read from the basisschema.
import type { Address, Coding, Patient } from '@medplum/fhirtypes';

const HUB = 'https://zorghub.example.org/fhir/';

export const PROFILE = {
  patient: `${HUB}StructureDefinition/hub-Patient`,
  organization: `${HUB}StructureDefinition/hub-Organization`,
  coverage: `${HUB}StructureDefinition/hub-Coverage`,
} as const;

/** Coverage.type: the Wlz financing regime (hub CodeSystem financing-regime). */
export const REGIME_WLZ: Coding = {
  system: `${HUB}CodeSystem/financing-regime`,
  code: 'wlz',
  display: 'Long-term Care Act (Wlz)',
};

/** Organization.type: the zorgkantoor role (hub CodeSystem organisation-role). */
export const ROLE_ZORGKANTOOR: Coding = {
  system: `${HUB}CodeSystem/organisation-role`,
  code: 'zorgkantoor',
  display: 'Care office (zorgkantoor)',
};

/** The extension an AW35 adds to the Coverage of a toewijzing: a report that delivery began. */
export const CARE_START_URL = `${HUB}StructureDefinition/hub-ext-care-start`;

/** LDT_Leveringsstatus 1 to 7 (hub CodeSystem iwlz-leveringsstatus); the display is the basisschema's label. */
export const LEVERINGSSTATUS_SYSTEM = `${HUB}CodeSystem/iwlz-leveringsstatus`;

/** Coverage.class.type codes (hub CodeSystem coverage-class). */
export const COVERAGE_CLASS_SYSTEM = `${HUB}CodeSystem/coverage-class`;

/** LDT_Geslacht -> Patient.gender. */
export const GENDER: Readonly<Record<string, NonNullable<Patient['gender']>>> = {
  '0': 'unknown',
  '1': 'male',
  '2': 'female',
};

/** LDT_DatumGebruik -> how much of Geboortedatum is known (absent: all of it). */
export const BIRTH_DATE_KNOWN: Readonly<Record<string, 'month' | 'year' | 'nothing'>> = {
  '1': 'month',
  '2': 'year',
  '3': 'nothing',
};

/** LDT_NaamGebruik -> humanname-assembly-order (NL1 own, NL2 partner, NL3 partner-own, NL4 own-partner). */
export const ASSEMBLY_ORDER: Readonly<Record<string, 'NL1' | 'NL2' | 'NL3' | 'NL4'>> = {
  '1': 'NL1',
  '2': 'NL2',
  '3': 'NL3',
  '4': 'NL4',
};

/** LDT_AdresSoort -> Address.use / Address.type. */
export const ADDRESS_KIND: Readonly<Record<string, Pick<Address, 'use' | 'type'>>> = {
  '01': { use: 'home' }, // BRP-adres
  '02': { type: 'postal' }, // correspondentieadres
  '03': { use: 'home', type: 'physical' }, // verblijfadres
  '04': { use: 'temp' }, // tijdelijk verblijfadres
};

/** LDT_LandCode of the Netherlands, and the Landnummer of a Dutch phone number. */
export const NL = { landCode: 'NL', landnummer: '0031' } as const;

export const EXTENSION = {
  assemblyOrder: 'http://hl7.org/fhir/StructureDefinition/humanname-assembly-order',
  ownPrefix: 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix',
  ownName: 'http://hl7.org/fhir/StructureDefinition/humanname-own-name',
  partnerPrefix: 'http://hl7.org/fhir/StructureDefinition/humanname-partner-prefix',
  partnerName: 'http://hl7.org/fhir/StructureDefinition/humanname-partner-name',
  nameQualifier: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier',
  streetName: 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-streetName',
  houseNumber: 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-houseNumber',
  houseNumberSuffix: 'http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-buildingNumberSuffix',
} as const;
