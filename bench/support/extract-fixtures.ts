// Realistic resources of the hub's domain (care, aids, logistics), shared by extract.test.ts and bench.ts.
import type { Coverage, DeviceRequest, Patient } from '@medplum/fhirtypes';

export const patient: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  meta: {
    profile: ['http://fhir.nl/fhir/StructureDefinition/nl-core-Patient'],
    tag: [{ system: 'urn:hub', code: 'test' }],
    source: 'urn:hub:import',
  },
  identifier: [
    {
      system: 'http://fhir.nl/fhir/NamingSystem/bsn',
      value: '999911120',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NI' }] },
    },
  ],
  active: true,
  name: [{ use: 'official', family: 'Ündrik', given: ['Zoë', 'Anna'], prefix: ['Mw.'] }],
  telecom: [
    { system: 'phone', value: '+31612345678', use: 'mobile' },
    { system: 'email', value: 'zoe@example.nl' },
  ],
  gender: 'female',
  birthDate: '1948-03',
  address: [{ use: 'home', line: ['Dorpsstraat 1'], city: 'Utrecht', postalCode: '3511 AB', country: 'NL' }],
  generalPractitioner: [{ reference: 'https://huisarts.example.nl/fhir/Practitioner/h1' }],
  managingOrganization: { reference: 'Organization/o1' },
};

export const deviceRequest: DeviceRequest = {
  resourceType: 'DeviceRequest',
  id: 'dr1',
  identifier: [{ system: 'urn:hub:order', value: 'ORD-1' }],
  instantiatesCanonical: ['http://example.nl/PlanDefinition/rollator|2'],
  status: 'active',
  intent: 'order',
  codeCodeableConcept: {
    coding: [{ system: 'urn:iso:std:iso:9999', code: '12 06 06', display: 'Rollator' }],
    text: 'rollator',
  },
  subject: { reference: 'Patient/p1' },
  encounter: { reference: 'Encounter/e1' },
  occurrencePeriod: { start: '2024-05-01T09:00:00+02:00' },
  authoredOn: '2024-04-30T14:12:00+02:00',
  requester: { reference: '#pr1' },
  performer: { reference: 'Organization/leverancier' },
  insurance: [{ reference: 'Coverage/c1' }],
  contained: [{ resourceType: 'Practitioner', id: 'pr1', name: [{ family: 'Bakker' }] }],
};

export const coverage: Coverage = {
  resourceType: 'Coverage',
  id: 'c1',
  identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '0101' }],
  status: 'active',
  type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EHCPOL' }] },
  subscriber: { reference: 'Patient/p1' },
  beneficiary: { reference: 'Patient/p1' },
  dependent: '01',
  period: { start: '2024-01-01', end: '2024-12-31' },
  payor: [
    {
      reference: 'Organization/zorgverzekeraar',
      identifier: { system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '3311' },
    },
  ],
  class: [{ type: { coding: [{ code: 'plan' }] }, value: 'basis', name: 'Basisverzekering' }],
};
