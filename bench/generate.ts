// Deterministic, realistic Dutch test data for the benchmarks: Patients with a BSN that passes the 11-proof,
// Coverages under Zvw / Wmo / Wlz, DeviceRequests for aids (ISO 9999 or SNOMED CT) and SupplyRequests for their
// delivery, plus the transaction Bundles that tie them together with urn:uuid references. Everything comes from a
// seeded PRNG, so the same seed gives the same JSON text in every process and every run.
// Codes and displays are realistic in form, not an authoritative terminology extract.
import type {
  Bundle,
  BundleEntry,
  CodeableConcept,
  Coverage,
  Device,
  DeviceRequest,
  Organization,
  Patient,
  Practitioner,
  Resource,
  SupplyRequest,
} from '@medplum/fhirtypes';
import { Random } from '../test/support/random.js';

export { Random };

export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
export const UZOVI_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/uzovi';
export const AGB_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/agb-z';
export const BIG_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/big';
export const ISO9999_SYSTEM = 'urn:iso:std:iso:9999';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';


/** The 11-proof of a BSN: 9·d1 + 8·d2 + ... + 2·d8 − d9 is divisible by 11 (and not all zeros). */
export function isValidBsn(bsn: string): boolean {
  if (!/^\d{9}$/.test(bsn) || bsn === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(bsn[i]) * (9 - i);
  return (sum - Number(bsn[8])) % 11 === 0;
}

export function randomBsn(rng: Random): string {
  for (;;) {
    const first8 = String(rng.int(1, 3)) + rng.digits(7); // issued BSNs mostly start with 1-3
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Number(first8[i]) * (9 - i);
    const check = sum % 11;
    if (check < 10) return first8 + String(check);
  }
}

const MALE = ['Jan', 'Pieter', 'Kees', 'Henk', 'Willem', 'Daan', 'Sem', 'Lucas', 'Thijs', 'Bram', 'Ruud', 'Gerrit', 'Johannes', 'Cornelis', 'Joost', 'Maarten', 'Sander', 'Teun', 'Wouter', 'Hendrik'];
const FEMALE = ['Anna', 'Maria', 'Johanna', 'Sanne', 'Emma', 'Julia', 'Sophie', 'Fleur', 'Lotte', 'Anouk', 'Ingrid', 'Els', 'Wilhelmina', 'Geertruida', 'Marieke', 'Femke', 'Noor', 'Tess', 'Hanneke', 'Ilse'];
/** [voorvoegsel, geslachtsnaam] */
const FAMILY: readonly [string, string][] = [
  ['de', 'Jong'], ['', 'Jansen'], ['de', 'Vries'], ['van den', 'Berg'], ['van', 'Dijk'], ['', 'Bakker'], ['', 'Janssen'],
  ['', 'Visser'], ['', 'Smit'], ['', 'Meijer'], ['de', 'Boer'], ['', 'Mulder'], ['de', 'Groot'], ['', 'Bos'], ['', 'Vos'],
  ['', 'Peters'], ['', 'Hendriks'], ['van', 'Leeuwen'], ['', 'Dekker'], ['', 'Brouwer'], ['de', 'Wit'], ['', 'Dijkstra'],
  ['', 'Smits'], ['de', 'Graaf'], ['van der', 'Meer'], ['van der', 'Linden'], ['', 'Kok'], ['', 'Jacobs'], ['de', 'Haan'],
  ['', 'Vermeulen'], ['van den', 'Heuvel'], ['van der', 'Veen'], ['van den', 'Broek'], ['', 'Schouten'], ['', 'Willems'],
];
const STREETS = ['Kerkstraat', 'Dorpsstraat', 'Schoolstraat', 'Molenweg', 'Stationsweg', 'Julianastraat', 'Wilhelminastraat', 'Beatrixlaan', 'Nieuwstraat', 'Marktplein', 'Eikenlaan', 'Lindelaan', 'Beukenlaan', 'Prinses Irenestraat', 'Hoofdstraat', 'Parkweg', 'Industrieweg', 'Sportlaan'];

export interface City {
  name: string;
  /** Range of the four-digit part of its postcodes. */
  postcodes: [number, number];
  /** CBS municipality code, also used as the id of the municipality (Wmo payer). */
  gemeente: string;
}

export const CITIES: readonly City[] = [
  { name: 'Amsterdam', postcodes: [1011, 1109], gemeente: 'GM0363' },
  { name: 'Rotterdam', postcodes: [3011, 3089], gemeente: 'GM0599' },
  { name: "'s-Gravenhage", postcodes: [2491, 2599], gemeente: 'GM0518' },
  { name: 'Utrecht', postcodes: [3511, 3585], gemeente: 'GM0344' },
  { name: 'Eindhoven', postcodes: [5611, 5658], gemeente: 'GM0772' },
  { name: 'Groningen', postcodes: [9711, 9747], gemeente: 'GM0014' },
  { name: 'Tilburg', postcodes: [5011, 5049], gemeente: 'GM0855' },
  { name: 'Almere', postcodes: [1311, 1364], gemeente: 'GM0034' },
  { name: 'Breda', postcodes: [4811, 4839], gemeente: 'GM0758' },
  { name: 'Nijmegen', postcodes: [6511, 6546], gemeente: 'GM0268' },
  { name: 'Apeldoorn', postcodes: [7311, 7339], gemeente: 'GM0200' },
  { name: 'Haarlem', postcodes: [2011, 2037], gemeente: 'GM0392' },
  { name: 'Zwolle', postcodes: [8011, 8048], gemeente: 'GM0193' },
  { name: 'Leeuwarden', postcodes: [8911, 8939], gemeente: 'GM0080' },
  { name: 'Maastricht', postcodes: [6211, 6229], gemeente: 'GM0935' },
];

const POSTCODE_LETTERS = 'ABCDEFGHJKLMNPRSTVWXZ';

export function randomPostcode(rng: Random, city: City): string {
  for (;;) {
    const letters = rng.pick([...POSTCODE_LETTERS]) + rng.pick([...POSTCODE_LETTERS]);
    if (!['SA', 'SD', 'SS'].includes(letters)) return `${rng.int(city.postcodes[0], city.postcodes[1])} ${letters}`;
  }
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function randomDate(rng: Random, fromYear: number, toYear: number): string {
  const year = rng.int(fromYear, toYear);
  const month = rng.int(1, 12);
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${pad(month)}-${pad(rng.int(1, days))}`;
}

function randomDateTime(rng: Random, year: number): string {
  return `${randomDate(rng, year, year)}T${pad(rng.int(8, 17))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}+01:00`;
}

/** Extensions of the Dutch name and address profiles (nl-core) on the primitive parts they split. */
function part(url: string, value: string) {
  return { url: `http://hl7.org/fhir/StructureDefinition/${url}`, valueString: value };
}

export function generatePatient(rng: Random): Patient {
  const male = rng.chance(0.5);
  const given = [rng.pick(male ? MALE : FEMALE)];
  if (rng.chance(0.3)) given.push(rng.pick(male ? MALE : FEMALE));
  const [prefix, own] = rng.pick(FAMILY);
  const family = prefix ? `${prefix} ${own}` : own;
  const city = rng.pick(CITIES);
  const street = rng.pick(STREETS);
  const houseNumber = String(rng.int(1, 250));
  const mobile = `06${rng.digits(8)}`;
  const nameParts = [part('humanname-own-name', own)];
  if (prefix) nameParts.unshift(part('humanname-own-prefix', prefix));
  return {
    resourceType: 'Patient',
    identifier: [{ use: 'official', system: BSN_SYSTEM, value: randomBsn(rng) }],
    active: true,
    name: [
      {
        use: 'official',
        text: `${given.join(' ')} ${family}`,
        family,
        _family: { extension: nameParts },
        given,
      },
    ],
    telecom: [
      { system: 'phone', value: `${mobile.slice(0, 2)}-${mobile.slice(2)}`, use: 'mobile' },
      { system: 'email', value: `${given[0].toLowerCase()}.${own.toLowerCase()}${rng.int(1, 99)}@example.nl`, use: 'home' },
    ],
    gender: male ? 'male' : 'female',
    birthDate: randomDate(rng, 1930, 2015),
    address: [
      {
        use: 'home',
        type: 'physical',
        line: [`${street} ${houseNumber}`],
        _line: [{ extension: [part('iso21090-ADXP-streetName', street), part('iso21090-ADXP-houseNumber', houseNumber)] }],
        city: city.name,
        postalCode: randomPostcode(rng, city),
        country: 'NL',
      },
    ],
  } as unknown as Patient;
}

// ---- Reference data the generated requests point at (created once, with fixed ids, before a run). ----

export type Regime = 'Zvw' | 'Wmo' | 'Wlz';

type OrgRow = readonly [id: string, name: string, code: string];
const INSURERS: readonly OrgRow[] = [
  ['zvw-zilverenkruis', 'Zilveren Kruis Zorgverzekeringen', '3311'],
  ['zvw-vgz', 'VGZ Zorgverzekeraar', '7095'],
  ['zvw-cz', 'CZ Zorgverzekeringen', '9664'],
  ['zvw-menzis', 'Menzis Zorgverzekeraar', '3332'],
  ['zvw-dsw', 'DSW Zorgverzekeraar', '3358'],
];
const ZORGKANTOREN: readonly OrgRow[] = [
  ['wlz-zilverenkruis', 'Zilveren Kruis Zorgkantoor', '5501'],
  ['wlz-vgz', 'VGZ Zorgkantoor', '5502'],
  ['wlz-cz', 'CZ Zorgkantoor', '5503'],
  ['wlz-menzis', 'Menzis Zorgkantoor', '5504'],
];
const SUPPLIERS: readonly OrgRow[] = [
  ['lev-medipoint', 'Medipoint', '47470001'],
  ['lev-welzorg', 'Welzorg', '47470002'],
  ['lev-vegro', 'Vegro Thuiszorgwinkel', '47470003'],
];

export function organizations(): Organization[] {
  const insurer = (id: string, name: string, uzovi: string, type: string): Organization => ({
    resourceType: 'Organization',
    id,
    identifier: [{ system: UZOVI_SYSTEM, value: uzovi }],
    active: true,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: type }] }],
    name,
  });
  return [
    ...INSURERS.map(([id, name, uzovi]) => insurer(id, name, uzovi, 'ins')),
    ...ZORGKANTOREN.map(([id, name, uzovi]) => insurer(id, name, uzovi, 'pay')),
    ...CITIES.map((city) => ({
      resourceType: 'Organization' as const,
      id: `gemeente-${city.gemeente}`,
      active: true,
      type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'govt' }] }],
      name: `Gemeente ${city.name === "'s-Gravenhage" ? 'Den Haag' : city.name}`,
      address: [{ city: city.name, country: 'NL' }],
    })),
    ...SUPPLIERS.map(([id, name, agb]) => ({
      resourceType: 'Organization' as const,
      id,
      identifier: [{ system: AGB_SYSTEM, value: agb }],
      active: true,
      type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov' }] }],
      name,
    })),
  ];
}

const PRACTITIONERS = [
  ['ergo-1', 'Visser', ['Sanne'], 'ergotherapeut'],
  ['ergo-2', 'van Dam', ['Pieter'], 'ergotherapeut'],
  ['fysio-1', 'de Bruijn', ['Femke'], 'fysiotherapeut'],
  ['huisarts-1', 'Kuipers', ['Maarten'], 'huisarts'],
  ['specialist-1', 'Hoekstra', ['Ilse'], 'revalidatiearts'],
] as const;

export function practitioners(): Practitioner[] {
  return PRACTITIONERS.map(([id, family, given, role], i) => ({
    resourceType: 'Practitioner',
    id,
    identifier: [{ system: BIG_SYSTEM, value: `1901234560${i}` }],
    active: true,
    name: [{ use: 'official', family, given: [...given], text: `${given[0]} ${family} (${role})` }],
  }));
}

interface Aid {
  code: string;
  display: string;
}

/** ISO 9999 classes (code with spaces, as the standard writes them) of aids typically supplied under Wmo / Wlz / Zvw. */
export const ISO9999_AIDS: readonly Aid[] = [
  { code: '12 22 03', display: 'Handbewogen rolstoel, met duwhoepels' },
  { code: '12 22', display: 'Handbewogen rolstoel' },
  { code: '12 23 06', display: 'Elektrische rolstoel met elektrische besturing' },
  { code: '12 06 06', display: 'Rollator' },
  { code: '18 30', display: 'Traplift' },
  { code: '18 30 11', display: 'Traplift met zitting' },
  { code: '12 36 03', display: 'Mobiele tillift' },
  { code: '09 12 03', display: 'Toiletstoel' },
  { code: '04 33 06', display: 'Drukverlagend matras' },
  { code: '18 12 10', display: 'Hoog-laagbed' },
];
export const SNOMED_AIDS: readonly Aid[] = [
  { code: '58938008', display: 'Wheelchair' },
  { code: '87405001', display: 'Cane' },
];

function aidConcept(rng: Random): CodeableConcept {
  const snomed = rng.chance(0.2);
  const aid = rng.pick(snomed ? SNOMED_AIDS : ISO9999_AIDS);
  return { coding: [{ system: snomed ? SNOMED_SYSTEM : ISO9999_SYSTEM, code: aid.code, display: aid.display }], text: aid.display };
}

export function catalogueDevices(): Device[] {
  return ISO9999_AIDS.slice(0, 4).map((aid, i) => ({
    resourceType: 'Device',
    id: `catalogus-${i + 1}`,
    status: 'active',
    manufacturer: ['Sunrise Medical', 'Invacare', 'Vermeiren', 'Handicare'][i],
    deviceName: [{ name: aid.display, type: 'user-friendly-name' }],
    type: { coding: [{ system: ISO9999_SYSTEM, code: aid.code, display: aid.display }] },
  }));
}

/** All reference resources (Organizations, Practitioners, catalogue Devices), to create with PUT before a run. */
export function referenceResources(): Resource[] {
  return [...organizations(), ...practitioners(), ...catalogueDevices()];
}

function payerFor(rng: Random, regime: Regime, patient: Patient): { reference: string; display: string } {
  if (regime === 'Wmo') {
    const city = CITIES.find((c) => c.name === patient.address?.[0]?.city) ?? CITIES[0];
    return { reference: `Organization/gemeente-${city.gemeente}`, display: `Gemeente ${city.name}` };
  }
  const [id, name] = rng.pick(regime === 'Zvw' ? INSURERS : ZORGKANTOREN);
  return { reference: `Organization/${id}`, display: name };
}

const REGIME_NAMES: Record<Regime, string> = {
  Zvw: 'Zorgverzekeringswet',
  Wmo: 'Wet maatschappelijke ondersteuning 2015',
  Wlz: 'Wet langdurige zorg',
};

export function generateCoverage(rng: Random, patient: Patient, patientRef: string, regime?: Regime): Coverage {
  const chosen = regime ?? rng.pick<Regime>(['Zvw', 'Zvw', 'Wmo', 'Wmo', 'Wlz']);
  return {
    resourceType: 'Coverage',
    status: 'active',
    type: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PUBLICPOL', display: 'public healthcare' }],
      text: chosen,
    },
    subscriberId: rng.digits(9),
    beneficiary: { reference: patientRef },
    relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'self' }] },
    period: { start: `${rng.int(2020, 2025)}-01-01` },
    payor: [payerFor(rng, chosen, patient)],
    class: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'plan' }] },
        value: chosen,
        name: REGIME_NAMES[chosen],
      },
    ],
  };
}

export function generateDeviceRequest(rng: Random, patientRef: string, coverageRef: string, code: CodeableConcept): DeviceRequest {
  const [practitioner, , , role] = rng.pick(PRACTITIONERS);
  return {
    resourceType: 'DeviceRequest',
    identifier: [{ system: 'https://zorghub.example/fhir/NamingSystem/aanvraagnummer', value: `AV-${rng.digits(8)}` }],
    status: 'active',
    intent: 'order',
    priority: rng.pick(['routine', 'routine', 'urgent'] as const),
    codeCodeableConcept: code,
    subject: { reference: patientRef },
    authoredOn: randomDateTime(rng, 2025),
    requester: { reference: `Practitioner/${practitioner}`, display: role },
    insurance: [{ reference: coverageRef }],
    note: rng.chance(0.3) ? [{ text: 'Woning is gelijkvloers; levering op werkdagen na 10:00.' }] : undefined,
  };
}

export function generateSupplyRequest(rng: Random, patientRef: string, code: CodeableConcept): SupplyRequest {
  const [practitioner] = rng.pick(PRACTITIONERS);
  const [supplier, supplierName] = rng.pick(SUPPLIERS);
  const byReference = rng.chance(0.25);
  return {
    resourceType: 'SupplyRequest',
    identifier: [{ system: 'https://zorghub.example/fhir/NamingSystem/leveropdracht', value: `LO-${rng.digits(8)}` }],
    status: 'active',
    category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/supplyrequest-kind', code: 'nonstock' }] },
    priority: 'routine',
    ...(byReference
      ? { itemReference: { reference: `Device/catalogus-${rng.int(1, 4)}` } }
      : { itemCodeableConcept: code }),
    quantity: { value: 1, unit: 'stuk', system: 'http://unitsofmeasure.org', code: '1' },
    occurrenceDateTime: randomDateTime(rng, 2026),
    authoredOn: randomDateTime(rng, 2025),
    requester: { reference: `Practitioner/${practitioner}` },
    deliverFrom: { reference: `Organization/${supplier}`, display: supplierName },
    deliverTo: { reference: patientRef },
  };
}

function entry(resource: Resource, fullUrl: string): BundleEntry {
  return { fullUrl, resource, request: { method: 'POST', url: resource.resourceType } };
}

/**
 * A transaction Bundle of `size` entries (a multiple of 4): per client a Patient, a Coverage, a DeviceRequest for an
 * aid under that Coverage, and the SupplyRequest to deliver it, linked by urn:uuid fullUrls.
 */
export function generateTransactionBundle(rng: Random, size = 100): Bundle {
  if (size % 4 !== 0) throw new Error('bundle size must be a multiple of 4');
  const entries: BundleEntry[] = [];
  for (let i = 0; i < size / 4; i++) {
    const patientUrl = `urn:uuid:${rng.uuid()}`;
    const coverageUrl = `urn:uuid:${rng.uuid()}`;
    const patient = generatePatient(rng);
    const code = aidConcept(rng);
    entries.push(
      entry(patient, patientUrl),
      entry(generateCoverage(rng, patient, patientUrl), coverageUrl),
      entry(generateDeviceRequest(rng, patientUrl, coverageUrl, code), `urn:uuid:${rng.uuid()}`),
      entry(generateSupplyRequest(rng, patientUrl, code), `urn:uuid:${rng.uuid()}`),
    );
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

/** `count` Patients as JSON text, as a client would POST them. */
export function patientTexts(seed: number, count: number): string[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () => JSON.stringify(generatePatient(rng)));
}

// ---- The search benchmark's data set (bench/search/): whole client records over several years, every resource
// with its id chosen up front so that the references between them resolve when they are created in bulk. ----

/** Picks by weight: [value, weight] pairs. */
function weighted<T>(rng: Random, options: readonly (readonly [T, number])[]): T {
  const total = options.reduce((sum, [, weight]) => sum + weight, 0);
  let at = rng.next() * total;
  for (const [value, weight] of options) {
    if ((at -= weight) < 0) return value;
  }
  return options[options.length - 1][0];
}

/** A hub that has run for years: most aid requests are done, a third is still open. */
export const DEVICE_REQUEST_STATUSES = [
  ['completed', 38], ['active', 30], ['draft', 8], ['on-hold', 6], ['revoked', 12], ['entered-in-error', 6],
] as const;
const SUPPLY_REQUEST_STATUSES = [['completed', 55], ['active', 25], ['draft', 5], ['suspended', 5], ['cancelled', 10]] as const;
const COVERAGE_STATUSES = [['active', 85], ['cancelled', 12], ['draft', 3]] as const;
/** The years the data set's requests are authored in (the benchmark queries months of these). */
export const SEARCH_YEARS: readonly [number, number] = [2019, 2026];

function deviceFor(rng: Random, id: string, patientRef: string, aid: Aid): Device {
  const [owner, ownerName] = rng.pick(SUPPLIERS);
  return {
    resourceType: 'Device',
    id,
    identifier: [{ system: 'https://zorghub.example/fhir/NamingSystem/hulpmiddelnummer', value: `HM-${rng.digits(9)}` }],
    status: 'active',
    serialNumber: `SN${rng.digits(10)}`,
    manufacturer: rng.pick(['Sunrise Medical', 'Invacare', 'Vermeiren', 'Handicare', 'Otto Bock']),
    deviceName: [{ name: aid.display, type: 'user-friendly-name' }],
    type: { coding: [{ system: ISO9999_SYSTEM, code: aid.code, display: aid.display }], text: aid.display },
    owner: { reference: `Organization/${owner}`, display: ownerName },
    patient: { reference: patientRef },
  };
}

/**
 * One client's record as a hub holds it after some years: the Patient, a Zvw Coverage and often a Wmo or Wlz one,
 * zero to four DeviceRequests for aids (some for a specific Device, most by ISO 9999 / SNOMED code), SupplyRequests
 * to deliver them, SupplyDeliveries of the delivered ones, and sometimes a CarePlan. Referenced resources come
 * before the resources that refer to them. `bsns` keeps BSNs unique over the data set, as they are in reality.
 */
export function generateClientRecord(rng: Random, bsns: Set<string>): Resource[] {
  const patient = { ...generatePatient(rng), id: rng.uuid() };
  const bsn = patient.identifier![0];
  while (bsns.has(bsn.value!)) bsn.value = randomBsn(rng);
  bsns.add(bsn.value!);
  const patientRef = `Patient/${patient.id}`;
  // A Zvw policy runs per calendar year, a Wmo / Wlz decision (beschikking) for some years.
  const coverage = (regime: Regime): Coverage => {
    const base = generateCoverage(rng, patient, patientRef, regime);
    const from = Number(base.period!.start!.slice(0, 4));
    const to = regime === 'Zvw' ? from : from + rng.int(1, 5);
    return { ...base, id: rng.uuid(), status: weighted(rng, COVERAGE_STATUSES), period: { start: base.period!.start, end: `${to}-12-31` } };
  };
  const coverages: Coverage[] = [coverage('Zvw')];
  if (rng.chance(0.5)) coverages.push(coverage(rng.chance(0.6) ? 'Wmo' : 'Wlz'));
  const out: Resource[] = [patient, ...coverages];
  const requests: DeviceRequest[] = [];
  const later: Resource[] = [];
  const count = weighted(rng, [[0, 10], [1, 25], [2, 30], [3, 20], [4, 15]] as const);
  for (let i = 0; i < count; i++) {
    const snomed = rng.chance(0.15);
    const aid = rng.pick(snomed ? SNOMED_AIDS : ISO9999_AIDS);
    const year = rng.int(SEARCH_YEARS[0], SEARCH_YEARS[1]);
    const authoredOn = randomDateTime(rng, year);
    const [practitioner, , , role] = rng.pick(PRACTITIONERS);
    const [supplier, supplierName] = rng.pick(SUPPLIERS);
    const coverage = rng.pick(coverages);
    // A request for a specific, already registered Device names it (code as Reference: DeviceRequest's `device`).
    let code: Pick<DeviceRequest, 'codeReference' | 'codeCodeableConcept'>;
    if (!snomed && rng.chance(0.35)) {
      const device = deviceFor(rng, rng.uuid(), patientRef, aid);
      out.push(device);
      code = { codeReference: { reference: `Device/${device.id}`, display: aid.display } };
    } else {
      code = { codeCodeableConcept: { coding: [{ system: snomed ? SNOMED_SYSTEM : ISO9999_SYSTEM, code: aid.code, display: aid.display }], text: aid.display } };
    }
    const request: DeviceRequest = {
      resourceType: 'DeviceRequest',
      id: rng.uuid(),
      identifier: [{ system: 'https://zorghub.example/fhir/NamingSystem/aanvraagnummer', value: `AV-${rng.digits(8)}` }],
      status: weighted(rng, DEVICE_REQUEST_STATUSES),
      intent: 'order',
      priority: rng.pick(['routine', 'routine', 'urgent'] as const),
      ...code,
      subject: { reference: patientRef },
      authoredOn,
      requester: { reference: `Practitioner/${practitioner}`, display: role },
      performer: { reference: `Organization/${supplier}`, display: supplierName },
      insurance: [{ reference: `Coverage/${coverage.id}` }],
      note: rng.chance(0.3) ? [{ text: 'Woning is gelijkvloers; levering op werkdagen na 10:00.' }] : undefined,
    };
    requests.push(request);
    if (!rng.chance(0.6)) continue;
    const supplyStatus = weighted(rng, SUPPLY_REQUEST_STATUSES);
    const supply: SupplyRequest = {
      resourceType: 'SupplyRequest',
      id: rng.uuid(),
      identifier: [{ system: 'https://zorghub.example/fhir/NamingSystem/leveropdracht', value: `LO-${rng.digits(8)}` }],
      status: supplyStatus,
      category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/supplyrequest-kind', code: 'nonstock' }] },
      priority: 'routine',
      itemCodeableConcept: { coding: [{ system: snomed ? SNOMED_SYSTEM : ISO9999_SYSTEM, code: aid.code, display: aid.display }], text: aid.display },
      quantity: { value: 1, unit: 'stuk', system: 'http://unitsofmeasure.org', code: '1' },
      occurrenceDateTime: randomDateTime(rng, Math.min(year + rng.int(0, 1), SEARCH_YEARS[1])),
      authoredOn: randomDateTime(rng, year),
      requester: { reference: `Practitioner/${practitioner}` },
      supplier: [{ reference: `Organization/${supplier}`, display: supplierName }],
      deliverFrom: { reference: `Organization/${supplier}`, display: supplierName },
      deliverTo: { reference: patientRef },
    };
    later.push(supply);
    if (supplyStatus === 'completed') {
      later.push({
        resourceType: 'SupplyDelivery',
        id: rng.uuid(),
        basedOn: [{ reference: `SupplyRequest/${supply.id}` }],
        status: rng.chance(0.95) ? 'completed' : 'abandoned',
        patient: { reference: patientRef },
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/supply-item-type', code: 'device' }] },
        suppliedItem: { quantity: { value: 1, unit: 'stuk', system: 'http://unitsofmeasure.org', code: '1' }, itemCodeableConcept: supply.itemCodeableConcept },
        occurrenceDateTime: supply.occurrenceDateTime,
        supplier: { reference: `Organization/${supplier}`, display: supplierName },
      } as Resource);
    }
  }
  out.push(...requests, ...later);
  if (requests.length && rng.chance(0.4)) {
    const start = requests[0].authoredOn!.slice(0, 10);
    // A care plan is evaluated after a year at the latest: its period is always closed.
    const end = `${Number(start.slice(0, 4)) + 1}${start.slice(4)}`.replace('-02-29', '-02-28');
    const [practitioner] = rng.pick(PRACTITIONERS);
    out.push({
      resourceType: 'CarePlan',
      id: rng.uuid(),
      status: rng.chance(0.5) ? 'active' : 'completed',
      intent: 'plan',
      title: 'Zorgplan hulpmiddelen',
      category: [{ coding: [{ system: SNOMED_SYSTEM, code: '736353004', display: 'Inpatient care plan' }], text: 'Hulpmiddelenzorg' }],
      subject: { reference: patientRef },
      period: { start, end },
      author: { reference: `Practitioner/${practitioner}` },
      activity: requests.map((request) => ({ reference: { reference: `DeviceRequest/${request.id}` } })),
    } as Resource);
  }
  return out;
}
