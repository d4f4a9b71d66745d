// Seeded, varied resources for the search differential test (differential.db.test.ts): Patients, Observations,
// DeviceRequests, Coverages, Encounters, and the Organizations, Groups and Devices they refer to. The same seed
// gives the same resources, ids included. Values are drawn from small pools so that searches find several
// resources, and cover what search has to get right: accents and multi-word names, identifiers with and without
// system, dates at year / month / day / minute / second precision with and without zones, open Periods, quantities
// with different units and precisions, references relative, absolute to this server and to another one.
import type {
  Coverage,
  Device,
  DeviceRequest,
  Encounter,
  Group,
  Observation,
  Organization,
  Patient,
  Resource,
} from '@medplum/fhirtypes';

import { Random } from '../../../bench/support/random.js';

export { Random };

export const HUB_BASE = 'http://hub.test';
export const FOREIGN_BASE = 'https://other.example/fhir';
export const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
export const MRN = 'urn:oid:2.16.840.1.113883.2.4.6.3';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const LOCAL_OBS = 'urn:hub:obs';
export const ISO9999 = 'urn:iso:std:iso:9999';
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const UZOVI = 'http://fhir.nl/fhir/NamingSystem/uzovi';

export const FAMILIES = [
  'Jansen',
  'Janssen',
  'de Vries',
  'van den Berg',
  'Müller',
  'Ünal',
  'Bakker',
  'Çelik',
  'Smit',
  'Søren',
  'Dijkstra',
  'van Dijk',
  'Öztürk',
  'Lefèvre',
];
export const GIVENS = [
  'Zoë',
  'Anne Marie',
  'José',
  'Jan',
  'Jan-Willem',
  'Renée',
  'Chloé',
  'Piet',
  'Noël',
  'Émile',
  'Johanna',
  'Sophie',
  'Mohammed',
  'Fatma',
];
export const CITIES = [
  'Utrecht',
  'Den Haag',
  'Amsterdam',
  'Amstelveen',
  'Groningen',
  'Zürich',
  'Sint-Oedenrode',
  'Ede',
  "'s-Hertogenbosch",
];
const STREETS = ['Dorpsstraat', 'Kerkweg', 'Hoofdstraat', 'Molenlaan', 'Bloemenhof'];

/** LOINC codes with the units (UCUM code, display unit) and value scale they come in. */
export const OBS_CODES: {
  code: string;
  display: string;
  units: [code: string, unit: string][];
  scale: [number, number];
}[] = [
  { code: '8867-4', display: 'Heart rate', units: [['/min', 'beats/minute']], scale: [40, 180] },
  {
    code: '29463-7',
    display: 'Body weight',
    units: [
      ['kg', 'kg'],
      ['g', 'g'],
    ],
    scale: [3, 150],
  },
  {
    code: '8302-2',
    display: 'Body height',
    units: [
      ['cm', 'cm'],
      ['m', 'm'],
    ],
    scale: [50, 200],
  },
  {
    code: '2339-0',
    display: 'Glucose [Mass/volume] in Blood',
    units: [
      ['mg/dL', 'mg/dL'],
      ['mmol/L', 'mmol/l'],
    ],
    scale: [3, 200],
  },
  {
    code: '8310-5',
    display: 'Body temperature',
    units: [
      ['Cel', '°C'],
      ['[degF]', '°F'],
    ],
    scale: [35, 104],
  },
];
export const LOCAL_OBS_CODES = ['hr', 'gewicht', 'lengte', 'glucose', 'temp'];
export const OBS_STATUSES = ['registered', 'preliminary', 'final', 'amended', 'cancelled'] as const;
export const DR_STATUSES = [
  'draft',
  'active',
  'on-hold',
  'revoked',
  'completed',
  'entered-in-error',
  'unknown',
] as const;
export const DR_INTENTS = ['proposal', 'plan', 'order', 'original-order', 'filler-order'] as const;
export const AIDS = [
  { code: '12 22 03', display: 'Rolstoel' },
  { code: '12 06 06', display: 'Rollator' },
  { code: '18 12 10', display: 'Hoog-laagbed' },
  { code: '09 12 03', display: 'Toiletstoel' },
  { code: '22 06 03', display: 'Hoortoestel' },
];
export const COVERAGE_STATUSES = ['active', 'cancelled', 'draft', 'entered-in-error'] as const;
export const COVERAGE_TYPES = ['EHCPOL', 'PUBLICPOL', 'DENTAL', 'VISPOL'];
export const ENCOUNTER_STATUSES = ['planned', 'arrived', 'in-progress', 'finished', 'cancelled'] as const;
export const ENCOUNTER_CLASSES = ['AMB', 'IMP', 'HH', 'VR'];
export const ZONES = ['Z', '+01:00', '+02:00', '-05:00'];

export interface Dataset {
  resources: Resource[];
  patients: Patient[];
  organizations: Organization[];
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A date or dateTime at a random precision: year, month, day, or a time (with a zone) to the second or a fraction. */
export function randomDate(
  rng: Random,
  fromYear: number,
  toYear: number,
  precisions: ('y' | 'm' | 'd' | 'min' | 's' | 'ms')[],
): string {
  const year = rng.int(fromYear, toYear);
  const month = rng.int(1, 12);
  const day = rng.int(1, 28);
  const precision = rng.pick(precisions);
  const time = `${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}`;
  switch (precision) {
    case 'y':
      return String(year);
    case 'm':
      return `${year}-${pad(month)}`;
    case 'd':
      return `${year}-${pad(month)}-${pad(day)}`;
    case 'min':
      // FHIR dateTime has no minute precision: seconds are required with a time. Minutes here mean ":00" seconds.
      return `${year}-${pad(month)}-${pad(day)}T${time}:00${rng.pick(ZONES)}`;
    case 's':
      return `${year}-${pad(month)}-${pad(day)}T${time}:${pad(rng.int(0, 59))}${rng.pick(ZONES)}`;
    case 'ms':
      // Fractions of a second, 1 to 3 digits (R4 dateTime requires a zone with a time, so every time has one).
      return `${year}-${pad(month)}-${pad(day)}T${time}:${pad(rng.int(0, 59))}.${String(rng.int(0, 999)).padStart(3, '0').slice(0, rng.int(1, 3))}${rng.pick(ZONES)}`;
  }
}

function humanName(rng: Random): Patient['name'] {
  const names: NonNullable<Patient['name']> = [];
  const count = rng.chance(0.1) ? 0 : rng.chance(0.15) ? 2 : 1;
  for (let i = 0; i < count; i++) {
    const given = rng.chance(0.3) ? [rng.pick(GIVENS), rng.pick(GIVENS)] : [rng.pick(GIVENS)];
    const family = rng.pick(FAMILIES);
    const name: NonNullable<Patient['name']>[number] = { use: i === 0 ? 'official' : 'usual', family, given };
    if (rng.chance(0.2)) name.prefix = [rng.pick(['Dhr.', 'Mw.', 'Dr.'])];
    if (rng.chance(0.2)) name.text = `${given.join(' ')} ${family}`;
    names.push(name);
  }
  return names.length ? names : undefined;
}

function patient(rng: Random, i: number, organizations: Organization[]): Patient {
  const resource: Patient = { resourceType: 'Patient', id: `pat-${i}` };
  const identifier: NonNullable<Patient['identifier']> = [];
  if (rng.chance(0.7)) identifier.push({ system: BSN, value: String(100000000 + rng.int(0, 899999999)) });
  if (rng.chance(0.3)) identifier.push({ system: MRN, value: `MRN${rng.int(1, 300)}` });
  if (rng.chance(0.25)) identifier.push({ value: `L${rng.int(1, 60)}` });
  if (identifier.length) resource.identifier = identifier;
  if (rng.chance(0.7)) resource.active = rng.chance(0.8);
  const name = humanName(rng);
  if (name) resource.name = name;
  if (rng.chance(0.9)) resource.gender = rng.pick(['male', 'female', 'female', 'male', 'other', 'unknown'] as const);
  if (rng.chance(0.9)) resource.birthDate = randomDate(rng, 1930, 2022, ['y', 'm', 'd', 'd', 'd']);
  if (rng.chance(0.85)) {
    const city = rng.pick(CITIES);
    const address: NonNullable<Patient['address']>[number] = {
      use: 'home',
      line: [`${rng.pick(STREETS)} ${rng.int(1, 120)}`],
      city,
      postalCode: `${rng.int(1000, 9999)} ${rng.pick(['AB', 'CD', 'XY'])}`,
      country: rng.pick(['NL', 'NL', 'BE', 'CH']),
    };
    resource.address = [address];
  }
  if (rng.chance(0.5)) resource.managingOrganization = { reference: `Organization/${rng.pick(organizations).id}` };
  return resource;
}

/** A reference to a subject: mostly a local Patient, sometimes absolute to this server, a Group, a Device or a Patient elsewhere. */
function subjectReference(rng: Random, patients: Patient[], groups: Group[], devices: Device[]): { reference: string } {
  const r = rng.next();
  if (r < 0.8) return { reference: `Patient/${rng.pick(patients).id}` };
  if (r < 0.86) return { reference: `${HUB_BASE}/Patient/${rng.pick(patients).id}` };
  if (r < 0.92) return { reference: `Group/${rng.pick(groups).id}` };
  if (r < 0.97) return { reference: `Device/${rng.pick(devices).id}` };
  return { reference: `${FOREIGN_BASE}/Patient/ext-${rng.int(1, 5)}` };
}

/** A decimal at a random precision (0, 1 or 2 decimals); JSON keeps what JavaScript writes. */
function decimal(rng: Random, low: number, high: number): number {
  const places = rng.pick([0, 0, 1, 1, 2]);
  return Number((low + rng.next() * (high - low)).toFixed(places));
}

function observation(rng: Random, i: number, patients: Patient[], groups: Group[], devices: Device[]): Observation {
  const kind = rng.pick(OBS_CODES);
  const coding: NonNullable<Observation['code']['coding']> = [
    { system: LOINC, code: kind.code, display: kind.display },
  ];
  if (rng.chance(0.3)) coding.push({ system: LOCAL_OBS, code: LOCAL_OBS_CODES[OBS_CODES.indexOf(kind)] });
  const resource: Observation = {
    resourceType: 'Observation',
    id: `obs-${i}`,
    status: rng.pick(OBS_STATUSES),
    code: rng.chance(0.3) ? { coding, text: `${kind.display} meting` } : { coding },
  };
  if (rng.chance(0.95)) resource.subject = subjectReference(rng, patients, groups, devices);
  const effective = rng.next();
  if (effective < 0.6) {
    resource.effectiveDateTime = randomDate(rng, 2018, 2024, ['y', 'm', 'd', 'min', 's', 's', 'ms']);
  } else if (effective < 0.9) {
    const start = randomDate(rng, 2018, 2022, ['d', 'min', 's']);
    const end = randomDate(rng, 2023, 2024, ['d', 'min', 's']);
    const open = rng.next();
    resource.effectivePeriod = open < 0.2 ? { start } : open < 0.35 ? { end } : { start, end };
  }
  if (rng.chance(0.85)) {
    const [code, unit] = rng.pick(kind.units);
    const value = decimal(rng, kind.scale[0], kind.scale[1]);
    const q = rng.next();
    resource.valueQuantity =
      q < 0.8 ? { value, unit, system: UCUM, code } : q < 0.9 ? { value, unit } : { value, system: UCUM, code };
  }
  return resource;
}

function deviceRequest(rng: Random, i: number, patients: Patient[], groups: Group[]): DeviceRequest {
  const aid = rng.pick(AIDS);
  const resource: DeviceRequest = {
    resourceType: 'DeviceRequest',
    id: `dr-${i}`,
    status: rng.pick(DR_STATUSES),
    intent: rng.pick(DR_INTENTS),
    codeCodeableConcept: rng.chance(0.5)
      ? { coding: [{ system: ISO9999, code: aid.code, display: aid.display }] }
      : { coding: [{ system: ISO9999, code: aid.code }], text: aid.display.toLowerCase() },
    subject: rng.chance(0.9)
      ? { reference: `Patient/${rng.pick(patients).id}` }
      : { reference: `Group/${rng.pick(groups).id}` },
  };
  if (rng.chance(0.8)) resource.authoredOn = randomDate(rng, 2019, 2024, ['d', 's', 's']);
  return resource;
}

function coverage(rng: Random, i: number, patients: Patient[], organizations: Organization[]): Coverage {
  const beneficiary = rng.pick(patients);
  const resource: Coverage = {
    resourceType: 'Coverage',
    id: `cov-${i}`,
    status: rng.pick(COVERAGE_STATUSES),
    beneficiary: { reference: `Patient/${beneficiary.id}` },
    payor: rng.chance(0.85)
      ? [{ reference: `Organization/${rng.pick(organizations).id}` }]
      : [{ reference: `Patient/${beneficiary.id}` }],
  };
  if (rng.chance(0.8)) resource.type = { coding: [{ system: ACT_CODE, code: rng.pick(COVERAGE_TYPES) }] };
  if (rng.chance(0.6)) resource.identifier = [{ system: UZOVI, value: `POL-${rng.int(1, 400)}` }];
  if (rng.chance(0.5)) resource.subscriber = { reference: `Patient/${rng.pick(patients).id}` };
  return resource;
}

function encounter(rng: Random, i: number, patients: Patient[], groups: Group[]): Encounter {
  const resource: Encounter = {
    resourceType: 'Encounter',
    id: `enc-${i}`,
    status: rng.pick(ENCOUNTER_STATUSES),
    class: { system: ACT_CODE, code: rng.pick(ENCOUNTER_CLASSES) },
  };
  if (rng.chance(0.9))
    resource.subject = rng.chance(0.9)
      ? { reference: `Patient/${rng.pick(patients).id}` }
      : { reference: `Group/${rng.pick(groups).id}` };
  if (rng.chance(0.85)) {
    const start = randomDate(rng, 2019, 2023, ['d', 's', 's']);
    const end = randomDate(rng, 2024, 2024, ['d', 's']);
    const open = rng.next();
    resource.period = open < 0.25 ? { start } : open < 0.35 ? { end } : { start, end };
  }
  return resource;
}

export const ORGANIZATION_NAMES = [
  'Zilveren Kruis',
  'VGZ',
  'CZ',
  'Menzis',
  'DSW',
  'Zorg en Zekerheid',
  'ONVZ',
  'Eno',
  'Salland',
  'Achmea Zorg',
];

export function generateDataset(
  seed: number,
  counts = { patients: 700, observations: 1500, deviceRequests: 400, coverages: 300, encounters: 300 },
): Dataset {
  const rng = new Random(seed);
  const organizations: Organization[] = ORGANIZATION_NAMES.map((name, i) => ({
    resourceType: 'Organization',
    id: `org-${i}`,
    name,
    identifier: [{ system: UZOVI, value: String(3300 + i) }],
  }));
  const groups: Group[] = Array.from({ length: 8 }, (_, i) => ({
    resourceType: 'Group',
    id: `grp-${i}`,
    type: 'person',
    actual: true,
    name: `Groep ${i}`,
  }));
  const devices: Device[] = Array.from({ length: 8 }, (_, i) => ({
    resourceType: 'Device',
    id: `dev-${i}`,
    status: 'active',
  }));
  const patients = Array.from({ length: counts.patients }, (_, i) => patient(rng, i, organizations));
  const observations = Array.from({ length: counts.observations }, (_, i) =>
    observation(rng, i, patients, groups, devices),
  );
  const deviceRequests = Array.from({ length: counts.deviceRequests }, (_, i) =>
    deviceRequest(rng, i, patients, groups),
  );
  const coverages = Array.from({ length: counts.coverages }, (_, i) => coverage(rng, i, patients, organizations));
  const encounters = Array.from({ length: counts.encounters }, (_, i) => encounter(rng, i, patients, groups));
  return {
    resources: [
      ...organizations,
      ...groups,
      ...devices,
      ...patients,
      ...observations,
      ...deviceRequests,
      ...coverages,
      ...encounters,
    ],
    patients,
    organizations,
  };
}
