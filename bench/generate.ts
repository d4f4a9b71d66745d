// Deterministic, realistic Dutch test data for the benchmarks: Patients with a BSN that passes the 11-proof,
// Coverages under Zvw / Wmo / Wlz, DeviceRequests for aids (ISO 9999 or SNOMED CT) and SupplyRequests for their
// delivery, plus the transaction Bundles that tie them together with urn:uuid references. Everything comes from a
// seeded PRNG, so the same seed gives the same JSON text in every process and every run.
// Codes and displays are realistic in form, not an authoritative terminology extract.
//
// Every resource of a type with a hub profile conforms to it (profiles/, docs/profiles.md), so the benchmarks run
// with HUB_REQUIRED_PROFILES=all as production does; bench/generate.test.ts checks a sample of each kind against the
// base validator and the hub profiles. What that changed, for comparing figures with runs from before it:
// - Patients (the create figure's texts) are unchanged, byte for byte: they already conformed.
// - Organizations carry their hub role (organisation-role) and the register identifier it implies: UZOVI for
//   insurers, the zorgkantoor code (55xx, UZOVI system) for zorgkantoren, the 4-digit CBS gemeentecode for
//   municipalities (they had no identifier), AGB for suppliers. Same 27 Organizations, same ids.
// - Coverage: the regime is a coding of Coverage.type (hub financing-regime) instead of a v3 PUBLICPOL coding and
//   a "plan" class; Zvw adds the zib Verzekeringssoort coding and keeps subscriberId (the verzekerdenummer; the
//   other regimes no longer carry one), Wmo the iWmo ToewijzingNummer and the productcategorie / productcode
//   classes, Wlz the iWlz Besluitnummer and the zorgzwaartepakket / leveringsvorm classes; payor carries the
//   payor's identifier. A Wmo or Wlz decision now starts on the first of any month (was always 1 January).
// - ISO 9999 codes are the hub's ValueSet aid-type (the old list had subclasses outside it): still 10 distinct
//   codes, so the search benchmark's code token query keeps its rotation and selectivity. Coding displays are the
//   ValueSet's; the Dutch product name moved to CodeableConcept.text.
// - DeviceRequest: provision mode (and installation / instruction where the aid needs it) extensions, the intended
//   period of use (occurrencePeriod). The hub profile only allows a coded aid, so a request no longer names a
//   Device (codeReference): the specific Device is now the item of the SupplyRequest and SupplyDelivery
//   (itemReference), and the search benchmark's compartment query includes the DeviceRequest's Coverage
//   (_include=DeviceRequest:insurance) instead of that Device.
// - SupplyRequest: direction and based-on (the DeviceRequest served) extensions, a four-hour delivery window
//   (occurrencePeriod start and end, was occurrenceDateTime) on the day use starts, the supplier in
//   SupplyRequest.supplier (deliverFrom, the same supplier, dropped), a two-person handling parameter for beds and
//   stairlifts; authored a few days after its DeviceRequest (was independent of it, in the same year).
// - Device: the lifecycle status extension (at the client when delivered, then also Device.patient; in the
//   supplier's depot otherwise); catalogue Devices a GS1 UDI, an owner and a holder. SupplyDelivery: direction and
//   (when delivered) received-by extensions, the delivered Device as item. CarePlan: a contained Goal.
// - Times carry the Dutch offset of their date (+01:00 or +02:00 in summer time; was always +01:00).
// Resource counts and mix are unchanged. Mean JSON text before -> after, in bytes: Bundle entries Coverage 689 ->
// 947, DeviceRequest 625 -> 960, SupplyRequest 791 -> 1,332, Patient 925 (same generator); a 100-entry Bundle 87.7
// -> 116.1 kB (+32%); search data set Coverage 747 -> 908, DeviceRequest 739 -> 1,088, SupplyRequest 938 -> 1,398,
// SupplyDelivery 725 -> 1,101, Device 609 -> 813, CarePlan 644 -> 910, Patient 968 (same). Most of the growth is
// what the profiles require (the extensions with their canonical URLs, the regime and decision identifiers).
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
import { Random } from './support/random.js';

export { Random };

export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
export const UZOVI_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/uzovi';
export const AGB_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/agb-z';
export const BIG_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/big';
export const ISO9999_SYSTEM = 'urn:iso:std:iso:9999';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
/** CBS gemeentecode (BRP table 33), the identifier of a municipality. */
export const GEMEENTE_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.6.14';
/** zib Verzekeringssoort. */
export const VERZEKERINGSSOORT_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.3.11.60.101.5.1';
/** The hub's canonical base (profiles/). */
export const HUB_BASE = 'https://zorghub.example.org/fhir';
const hubCodeSystem = (name: string) => `${HUB_BASE}/CodeSystem/${name}`;
const hubExtension = (name: string) => `${HUB_BASE}/StructureDefinition/hub-ext-${name}`;
const hubNamingSystem = (name: string) => `${HUB_BASE}/NamingSystem/${name}`;

export { isValidBsn } from '../server/fhir/bsn.js';

export function randomBsn(rng: Random): string {
  for (;;) {
    const first8 = String(rng.int(1, 3)) + rng.digits(7); // issued BSNs mostly start with 1-3
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Number(first8[i]) * (9 - i);
    const check = sum % 11;
    if (check < 10) return first8 + String(check);
  }
}

const MALE = [
  'Jan',
  'Pieter',
  'Kees',
  'Henk',
  'Willem',
  'Daan',
  'Sem',
  'Lucas',
  'Thijs',
  'Bram',
  'Ruud',
  'Gerrit',
  'Johannes',
  'Cornelis',
  'Joost',
  'Maarten',
  'Sander',
  'Teun',
  'Wouter',
  'Hendrik',
];
const FEMALE = [
  'Anna',
  'Maria',
  'Johanna',
  'Sanne',
  'Emma',
  'Julia',
  'Sophie',
  'Fleur',
  'Lotte',
  'Anouk',
  'Ingrid',
  'Els',
  'Wilhelmina',
  'Geertruida',
  'Marieke',
  'Femke',
  'Noor',
  'Tess',
  'Hanneke',
  'Ilse',
];
/** [voorvoegsel, geslachtsnaam] */
const FAMILY: readonly [string, string][] = [
  ['de', 'Jong'],
  ['', 'Jansen'],
  ['de', 'Vries'],
  ['van den', 'Berg'],
  ['van', 'Dijk'],
  ['', 'Bakker'],
  ['', 'Janssen'],
  ['', 'Visser'],
  ['', 'Smit'],
  ['', 'Meijer'],
  ['de', 'Boer'],
  ['', 'Mulder'],
  ['de', 'Groot'],
  ['', 'Bos'],
  ['', 'Vos'],
  ['', 'Peters'],
  ['', 'Hendriks'],
  ['van', 'Leeuwen'],
  ['', 'Dekker'],
  ['', 'Brouwer'],
  ['de', 'Wit'],
  ['', 'Dijkstra'],
  ['', 'Smits'],
  ['de', 'Graaf'],
  ['van der', 'Meer'],
  ['van der', 'Linden'],
  ['', 'Kok'],
  ['', 'Jacobs'],
  ['de', 'Haan'],
  ['', 'Vermeulen'],
  ['van den', 'Heuvel'],
  ['van der', 'Veen'],
  ['van den', 'Broek'],
  ['', 'Schouten'],
  ['', 'Willems'],
];
const STREETS = [
  'Kerkstraat',
  'Dorpsstraat',
  'Schoolstraat',
  'Molenweg',
  'Stationsweg',
  'Julianastraat',
  'Wilhelminastraat',
  'Beatrixlaan',
  'Nieuwstraat',
  'Marktplein',
  'Eikenlaan',
  'Lindelaan',
  'Beukenlaan',
  'Prinses Irenestraat',
  'Hoofdstraat',
  'Parkweg',
  'Industrieweg',
  'Sportlaan',
];

export interface City {
  name: string;
  /** Range of the four-digit part of its postcodes. */
  postcodes: [number, number];
  /** CBS municipality code: GM and the 4-digit gemeentecode (its identifier); also in its id (the Wmo payor). */
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

/** The last Sunday of a month (1-12) of a year, as day of the month. */
function lastSunday(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month, 0));
  return last.getUTCDate() - last.getUTCDay();
}

/** The Dutch offset on a date, for daytime hours: +02:00 from the last Sunday of March to the last of October. */
function dutchOffset(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  const afterStart = month > 3 || (month === 3 && day >= lastSunday(year, 3));
  const beforeEnd = month < 10 || (month === 10 && day < lastSunday(year, 10));
  return afterStart && beforeEnd ? '+02:00' : '+01:00';
}

function localDateTime(date: string, hour: number, minute: number, second: number): string {
  return `${date}T${pad(hour)}:${pad(minute)}:${pad(second)}${dutchOffset(date)}`;
}

function randomDateTime(rng: Random, year: number): string {
  return localDateTime(randomDate(rng, year, year), rng.int(8, 17), rng.int(0, 59), rng.int(0, 59));
}

/** A date (YYYY-MM-DD) `days` days later. */
function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
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
      {
        system: 'email',
        value: `${given[0].toLowerCase()}.${own.toLowerCase()}${rng.int(1, 99)}@example.nl`,
        use: 'home',
      },
    ],
    gender: male ? 'male' : 'female',
    birthDate: randomDate(rng, 1930, 2015),
    address: [
      {
        use: 'home',
        type: 'physical',
        line: [`${street} ${houseNumber}`],
        _line: [
          { extension: [part('iso21090-ADXP-streetName', street), part('iso21090-ADXP-houseNumber', houseNumber)] },
        ],
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
/** Zorgkantoor codes: the UZOVI system, 55xx as in iWlz. */
const ZORGKANTOREN: readonly OrgRow[] = [
  ['wlz-zilverenkruis', 'Zilveren Kruis Zorgkantoor', '5501'],
  ['wlz-vgz', 'VGZ Zorgkantoor', '5502'],
  ['wlz-cz', 'CZ Zorgkantoor', '5503'],
  ['wlz-menzis', 'Menzis Zorgkantoor', '5504'],
];
/** Suppliers of aids, by AGB code (8 digits). */
const SUPPLIERS: readonly OrgRow[] = [
  ['lev-medipoint', 'Medipoint', '47470001'],
  ['lev-welzorg', 'Welzorg', '47470002'],
  ['lev-vegro', 'Vegro Thuiszorgwinkel', '47470003'],
];

type Role = 'health-insurer' | 'zorgkantoor' | 'municipality' | 'aids-supplier';
const ROLE_DISPLAY: Record<Role, string> = {
  'health-insurer': 'Health insurer',
  zorgkantoor: 'Care office (zorgkantoor)',
  municipality: 'Municipality',
  'aids-supplier': 'Supplier of aids',
};
/** The hub role (organisation-role) beside the HL7 organization-type code it had before. */
function orgType(role: Role, hl7: string): Organization['type'] {
  return [
    {
      coding: [
        { system: hubCodeSystem('organisation-role'), code: role, display: ROLE_DISPLAY[role] },
        { system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: hl7 },
      ],
    },
  ];
}

/** The CBS gemeentecode (4 digits) of a city: its GM code without GM. */
const gemeentecode = (city: City) => city.gemeente.slice(2);
const gemeenteName = (city: City) => `Gemeente ${city.name === "'s-Gravenhage" ? 'Den Haag' : city.name}`;

export function organizations(): Organization[] {
  const insurer = (id: string, name: string, uzovi: string, role: Role, hl7: string): Organization => ({
    resourceType: 'Organization',
    id,
    identifier: [{ system: UZOVI_SYSTEM, value: uzovi }],
    active: true,
    type: orgType(role, hl7),
    name,
  });
  return [
    ...INSURERS.map(([id, name, uzovi]) => insurer(id, name, uzovi, 'health-insurer', 'ins')),
    ...ZORGKANTOREN.map(([id, name, code]) => insurer(id, name, code, 'zorgkantoor', 'pay')),
    ...CITIES.map(
      (city): Organization => ({
        resourceType: 'Organization',
        id: `gemeente-${city.gemeente}`,
        identifier: [{ system: GEMEENTE_SYSTEM, value: gemeentecode(city) }],
        active: true,
        type: orgType('municipality', 'govt'),
        name: gemeenteName(city),
        address: [{ city: city.name, country: 'NL' }],
      }),
    ),
    ...SUPPLIERS.map(
      ([id, name, agb]): Organization => ({
        resourceType: 'Organization',
        id,
        identifier: [{ system: AGB_SYSTEM, value: agb }],
        active: true,
        type: orgType('aids-supplier', 'prov'),
        name,
      }),
    ),
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

export interface Aid {
  code: string;
  /** The display of the code in the hub's ValueSet aid-type (checked there). */
  display: string;
  /** The Dutch product name, CodeableConcept.text. */
  text: string;
  /** Installed or assembled at the client's (hub-ext-installation-required). */
  installation?: boolean;
  /** The client or carer is instructed at delivery (hub-ext-instruction-required). */
  instruction?: boolean;
  /** Heavy or bulky: a two-person delivery (SupplyRequest.parameter handling). */
  twoPerson?: boolean;
}

/**
 * ISO 9999 classes of aids typically supplied under Wmo / Wlz / Zvw, all in the hub's ValueSet aid-type (codes with
 * spaces, as the standard writes them): ten distinct codes, as the search benchmark's code query rotates over them.
 */
export const ISO9999_AIDS: readonly Aid[] = [
  { code: '12 22', display: 'Manual wheelchairs', text: 'Handbewogen rolstoel, met duwhoepels' },
  {
    code: '12 23',
    display: 'Powered wheelchairs',
    text: 'Elektrische rolstoel met elektrische besturing',
    instruction: true,
  },
  { code: '12 06 06', display: 'Rollators', text: 'Rollator' },
  {
    code: '18 30',
    display: 'Assistive products for vertical accessibility',
    text: 'Traplift met zitting',
    installation: true,
    instruction: true,
    twoPerson: true,
  },
  { code: '12 36', display: 'Assistive products for lifting persons', text: 'Mobiele tillift', instruction: true },
  { code: '09 12', display: 'Assistive products for toileting', text: 'Toiletstoel' },
  { code: '04 33', display: 'Assistive products for tissue integrity', text: 'Drukverlagend matras' },
  { code: '18 12', display: 'Beds', text: 'Hoog-laagbed', installation: true, instruction: true, twoPerson: true },
  { code: '09 33', display: 'Assistive products for washing, bathing and showering', text: 'Douchestoel' },
  { code: '12 03', display: 'Assistive products for walking, manipulated by one arm', text: 'Elleboogkruk' },
];
export const SNOMED_AIDS: readonly Aid[] = [
  { code: '58938008', display: 'Wheelchair', text: 'Rolstoel' },
  { code: '87405001', display: 'Cane', text: 'Wandelstok' },
];

function aidConcept(aid: Aid, system: string): CodeableConcept {
  return { coding: [{ system, code: aid.code, display: aid.display }], text: aid.text };
}

interface PickedAid {
  aid: Aid;
  system: string;
}

function pickAid(rng: Random): PickedAid {
  const snomed = rng.chance(0.2);
  const aid = rng.pick(snomed ? SNOMED_AIDS : ISO9999_AIDS);
  return { aid, system: snomed ? SNOMED_SYSTEM : ISO9999_SYSTEM };
}

/** The GS1 check digit of the digits before it (GTIN, GLN, SSCC): weights 3, 1, 3, ... from the right. */
export function gs1CheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[digits.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return String((10 - (sum % 10)) % 10);
}

const lifecycleDisplay = { 'in-depot': 'In depot', 'at-client': 'At client' } as const;
type Lifecycle = keyof typeof lifecycleDisplay;

/** The lifecycle status (and the holder) extensions of a Device (hub-Device). */
function deviceExtensions(lifecycle: Lifecycle, holder?: { reference: string; display?: string }) {
  return [
    {
      url: hubExtension('device-lifecycle'),
      valueCoding: { system: hubCodeSystem('device-lifecycle'), code: lifecycle, display: lifecycleDisplay[lifecycle] },
    },
    ...(holder ? [{ url: hubExtension('holder'), valueReference: holder }] : []),
  ];
}

/** Catalogue items of the suppliers, by GS1 UDI (product identifier only): in the depot of their owner. */
export function catalogueDevices(): Device[] {
  return ISO9999_AIDS.slice(0, 4).map((aid, i): Device => {
    const [owner, ownerName] = SUPPLIERS[i % SUPPLIERS.length];
    const data = `087123451000${i + 1}`;
    const gtin = data + gs1CheckDigit(data);
    return {
      resourceType: 'Device',
      id: `catalogus-${i + 1}`,
      extension: deviceExtensions('in-depot', { reference: `Organization/${owner}`, display: ownerName }),
      udiCarrier: [{ deviceIdentifier: gtin, issuer: 'https://www.gs1.org/gtin', carrierHRF: `(01)${gtin}` }],
      status: 'active',
      manufacturer: ['Sunrise Medical', 'Invacare', 'Vermeiren', 'Handicare'][i],
      deviceName: [{ name: aid.text, type: 'user-friendly-name' }],
      type: aidConcept(aid, ISO9999_SYSTEM),
      owner: { reference: `Organization/${owner}`, display: ownerName },
    };
  });
}

/** All reference resources (Organizations, Practitioners, catalogue Devices), to create with PUT before a run. */
export function referenceResources(): Resource[] {
  return [...organizations(), ...practitioners(), ...catalogueDevices()];
}

type Payor = NonNullable<Coverage['payor']>[number];

/** The payor with its identifier (hub-Coverage checks its system per regime): municipality of residence for Wmo. */
function payorFor(rng: Random, regime: Regime, patient: Patient): Payor {
  if (regime === 'Wmo') {
    const city = CITIES.find((c) => c.name === patient.address?.[0]?.city) ?? CITIES[0];
    return {
      reference: `Organization/gemeente-${city.gemeente}`,
      display: gemeenteName(city),
      type: 'Organization',
      identifier: { system: GEMEENTE_SYSTEM, value: gemeentecode(city) },
    };
  }
  const [id, name, code] = rng.pick(regime === 'Zvw' ? INSURERS : ZORGKANTOREN);
  return {
    reference: `Organization/${id}`,
    display: name,
    type: 'Organization',
    identifier: { system: UZOVI_SYSTEM, value: code },
  };
}

const REGIMES: Record<Regime, { code: string; display: string }> = {
  Zvw: { code: 'zvw', display: 'Health Insurance Act (Zvw)' },
  Wmo: { code: 'wmo', display: 'Social Support Act (Wmo)' },
  Wlz: { code: 'wlz', display: 'Long-term Care Act (Wlz)' },
};
/** iWmo productcategorie (hulpmiddelen and woonvoorzieningen). */
const WMO_CATEGORIES = [
  ['11', 'Rolstoelen'],
  ['12', 'Vervoersvoorzieningen'],
  ['13', 'Woonvoorzieningen'],
] as const;
/** iWlz zorgzwaartepakket (ZzpCode, 3 digits) and leveringsvorm of clients living at home with aids. */
const WLZ_PACKAGES = [
  ['752', '3VV Beschut wonen met begeleiding en intensieve verzorging'],
  ['753', '4VV Beschut wonen met intensieve begeleiding en uitgebreide verzorging'],
  ['754', '5VV Beschermd wonen met intensieve dementiezorg'],
  ['755', '6VV Beschermd wonen met intensieve verzorging en verpleging'],
] as const;
const WLZ_DELIVERY_FORMS = [
  ['5', 'Volledig pakket thuis (VPT)'],
  ['6', 'Modulair pakket thuis (MPT)'],
] as const;

function coverageClass(code: string, value: string, name: string): NonNullable<Coverage['class']>[number] {
  return { type: { coding: [{ system: hubCodeSystem('coverage-class'), code }] }, value, name };
}

export function generateCoverage(rng: Random, patient: Patient, patientRef: string, regime?: Regime): Coverage {
  const chosen = regime ?? rng.pick<Regime>(['Zvw', 'Zvw', 'Wmo', 'Wmo', 'Wlz']);
  const year = rng.int(2020, 2025);
  const { code, display } = REGIMES[chosen];
  const type: CodeableConcept = {
    coding: [{ system: hubCodeSystem('financing-regime'), code, display }],
    text: chosen,
  };
  const common = {
    beneficiary: { reference: patientRef },
    relationship: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'self' }],
    },
  };
  if (chosen === 'Zvw') {
    // A Zvw policy runs per calendar year; the verzekerdenummer is subscriberId, as in the zib.
    type.coding!.push({ system: VERZEKERINGSSOORT_SYSTEM, code: 'B', display: 'Basis' });
    return {
      resourceType: 'Coverage',
      status: 'active',
      type,
      subscriberId: rng.digits(9),
      ...common,
      period: { start: `${year}-01-01` },
      payor: [payorFor(rng, chosen, patient)],
    };
  }
  // A Wmo or Wlz decision (beschikking) starts on the first of a month.
  const start = `${year}-${pad(rng.int(1, 12))}-01`;
  if (chosen === 'Wmo') {
    const [category, categoryName] = rng.pick(WMO_CATEGORIES);
    return {
      resourceType: 'Coverage',
      identifier: [{ system: hubNamingSystem('iwmo-toewijzingnummer'), value: `${year}${rng.digits(4)}` }],
      status: 'active',
      type,
      ...common,
      period: { start },
      payor: [payorFor(rng, chosen, patient)],
      class: [
        coverageClass('productcategorie', category, categoryName),
        coverageClass('productcode', `${category}A${pad(rng.int(1, 12))}`, 'Gemeentelijke productcode'),
      ],
    };
  }
  const [zzp, zzpName] = rng.pick(WLZ_PACKAGES);
  const [form, formName] = rng.pick(WLZ_DELIVERY_FORMS);
  return {
    resourceType: 'Coverage',
    identifier: [{ system: hubNamingSystem('iwlz-besluitnummer'), value: `${rng.int(1, 9)}${rng.digits(8)}` }],
    status: 'active',
    type,
    ...common,
    period: { start },
    payor: [payorFor(rng, chosen, patient)],
    class: [coverageClass('zorgzwaartepakket', zzp, zzpName), coverageClass('leveringsvorm', form, formName)],
  };
}

const PROVISION_MODES = [
  ['loan', 'Loan', 50],
  ['rental', 'Rental', 30],
  ['purchase', 'Purchase', 20],
] as const;

/** The extensions of a DeviceRequest (hub-DeviceRequest) for an aid: provision mode, and what delivery involves. */
function requestExtensions(
  rng: Random,
  aid: Aid,
): { extension: NonNullable<DeviceRequest['extension']>; mode: string } {
  const [mode, display] = weighted(
    rng,
    PROVISION_MODES.map(([code, display, weight]) => [[code, display] as const, weight] as const),
  );
  return {
    mode,
    extension: [
      {
        url: hubExtension('provision-mode'),
        valueCoding: { system: hubCodeSystem('provision-mode'), code: mode, display },
      },
      ...deliveryNeeds(aid),
    ],
  };
}

/** Installation and instruction at delivery, on the order and on the delivery request alike. */
function deliveryNeeds(aid: Aid) {
  return [
    ...(aid.installation ? [{ url: hubExtension('installation-required'), valueBoolean: true }] : []),
    ...(aid.instruction ? [{ url: hubExtension('instruction-required'), valueBoolean: true }] : []),
  ];
}

/** The intended period of use: from a few weeks after the order; a rental ends (half a year to two years). */
function usePeriod(rng: Random, authoredOn: string, mode: string): { start: string; end?: string } {
  const start = addDays(authoredOn.slice(0, 10), rng.int(7, 42));
  return mode === 'rental' ? { start, end: addDays(start, rng.int(180, 730)) } : { start };
}

export function generateDeviceRequest(
  rng: Random,
  patientRef: string,
  coverageRef: string,
  picked: PickedAid,
): DeviceRequest {
  const [practitioner, , , role] = rng.pick(PRACTITIONERS);
  const { extension, mode } = requestExtensions(rng, picked.aid);
  const authoredOn = randomDateTime(rng, 2025);
  return {
    resourceType: 'DeviceRequest',
    extension,
    identifier: [{ system: hubNamingSystem('aanvraagnummer'), value: `AV-${rng.digits(8)}` }],
    status: 'active',
    intent: 'order',
    priority: rng.pick(['routine', 'routine', 'urgent'] as const),
    codeCodeableConcept: aidConcept(picked.aid, picked.system),
    subject: { reference: patientRef },
    occurrencePeriod: usePeriod(rng, authoredOn, mode),
    authoredOn,
    requester: { reference: `Practitioner/${practitioner}`, display: role },
    insurance: [{ reference: coverageRef }],
    note: rng.chance(0.3) ? [{ text: 'Woning is gelijkvloers; levering op werkdagen na 10:00.' }] : undefined,
  };
}

const twoPerson = () => ({
  code: { coding: [{ system: hubCodeSystem('delivery-attributes'), code: 'handling' }] },
  valueCodeableConcept: {
    coding: [{ system: hubCodeSystem('delivery-attributes'), code: 'two-person', display: 'Two-person delivery' }],
  },
});

/** A delivery window of four hours on the day the use starts. */
function deliveryWindow(rng: Random, day: string): { start: string; end: string } {
  const hour = rng.pick([8, 10, 13]);
  return { start: localDateTime(day, hour, 0, 0), end: localDateTime(day, hour + 4, 0, 0) };
}

interface SupplyFor {
  patientRef: string;
  /** The supplier asked to deliver. */
  supplier: { reference: string; display: string };
  /** The DeviceRequest served (hub-ext-based-on). */
  requestRef: string;
  request: DeviceRequest;
  aid: Aid;
  item: Pick<SupplyRequest, 'itemReference' | 'itemCodeableConcept'>;
  status: SupplyRequest['status'];
}

/** The delivery to the client of what a DeviceRequest ordered, by a supplier, a few days after the order. */
function supplyRequest(
  rng: Random,
  id: string | undefined,
  { patientRef, supplier, requestRef, request, aid, item, status }: SupplyFor,
): SupplyRequest {
  const authoredOn = addDays(request.authoredOn!.slice(0, 10), rng.int(1, 5));
  return {
    resourceType: 'SupplyRequest',
    ...(id ? { id } : {}),
    extension: [
      {
        url: hubExtension('supply-direction'),
        valueCoding: { system: hubCodeSystem('supply-direction'), code: 'delivery', display: 'Delivery' },
      },
      { url: hubExtension('based-on'), valueReference: { reference: requestRef } },
      ...deliveryNeeds(aid),
    ],
    identifier: [{ system: hubNamingSystem('leveropdracht'), value: `LO-${rng.digits(8)}` }],
    status,
    category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/supplyrequest-kind', code: 'nonstock' }] },
    priority: request.priority === 'urgent' ? 'urgent' : 'routine',
    ...item,
    quantity: { value: 1, unit: 'stuk', system: 'http://unitsofmeasure.org', code: '1' },
    ...(aid.twoPerson ? { parameter: [twoPerson()] } : {}),
    occurrencePeriod: deliveryWindow(rng, request.occurrencePeriod!.start!.slice(0, 10)),
    authoredOn: localDateTime(authoredOn, rng.int(8, 17), rng.int(0, 59), rng.int(0, 59)),
    requester: { reference: request.requester!.reference },
    supplier: [supplier],
    deliverTo: { reference: patientRef },
  };
}

export function generateSupplyRequest(
  rng: Random,
  patientRef: string,
  requestRef: string,
  request: DeviceRequest,
  picked: PickedAid,
): SupplyRequest {
  const [supplier, supplierName] = rng.pick(SUPPLIERS);
  const byReference = rng.chance(0.25);
  const item = byReference
    ? { itemReference: { reference: `Device/catalogus-${rng.int(1, 4)}` } }
    : { itemCodeableConcept: aidConcept(picked.aid, picked.system) };
  return supplyRequest(rng, undefined, {
    patientRef,
    supplier: { reference: `Organization/${supplier}`, display: supplierName },
    requestRef,
    request,
    aid: picked.aid,
    item,
    status: 'active',
  });
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
    const requestUrl = `urn:uuid:${rng.uuid()}`;
    const patient = generatePatient(rng);
    const aid = pickAid(rng);
    const request = generateDeviceRequest(rng, patientUrl, coverageUrl, aid);
    entries.push(
      entry(patient, patientUrl),
      entry(generateCoverage(rng, patient, patientUrl), coverageUrl),
      entry(request, requestUrl),
      entry(generateSupplyRequest(rng, patientUrl, requestUrl, request, aid), `urn:uuid:${rng.uuid()}`),
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
    at -= weight;
    if (at < 0) return value;
  }
  return options[options.length - 1][0];
}

/** A hub that has run for years: most aid requests are done, a third is still open. */
export const DEVICE_REQUEST_STATUSES = [
  ['completed', 38],
  ['active', 30],
  ['draft', 8],
  ['on-hold', 6],
  ['revoked', 12],
  ['entered-in-error', 6],
] as const;
const SUPPLY_REQUEST_STATUSES = [
  ['completed', 55],
  ['active', 25],
  ['draft', 5],
  ['suspended', 5],
  ['cancelled', 10],
] as const;
const COVERAGE_STATUSES = [
  ['active', 85],
  ['cancelled', 12],
  ['draft', 3],
] as const;
/** The years the data set's requests are authored in (the benchmark queries months of these). */
export const SEARCH_YEARS: readonly [number, number] = [2019, 2026];

/** A serialised aid of the supplier (its owner), in its depot until delivered (then at the client: see atClient). */
function deviceFor(rng: Random, id: string, aid: Aid, owner: { reference: string; display?: string }): Device {
  return {
    resourceType: 'Device',
    id,
    extension: deviceExtensions('in-depot'),
    identifier: [{ system: hubNamingSystem('hulpmiddelnummer'), value: `HM-${rng.digits(9)}` }],
    status: 'active',
    serialNumber: `SN${rng.digits(10)}`,
    manufacturer: rng.pick(['Sunrise Medical', 'Invacare', 'Vermeiren', 'Handicare', 'Otto Bock']),
    deviceName: [{ name: aid.text, type: 'user-friendly-name' }],
    type: aidConcept(aid, ISO9999_SYSTEM),
    owner,
  };
}

/** The delivered Device: at the client, who uses it. */
function atClient(device: Device, patientRef: string): void {
  device.extension = deviceExtensions('at-client');
  device.patient = { reference: patientRef };
}

/**
 * One client's record as a hub holds it after some years: the Patient, a Zvw Coverage and often a Wmo or Wlz one,
 * zero to four DeviceRequests for aids (by ISO 9999 / SNOMED code; for some a specific, serialised Device is
 * registered, delivered as the SupplyRequest's item), SupplyRequests to deliver them, SupplyDeliveries of the
 * delivered ones, and sometimes a CarePlan. Referenced resources come before the resources that refer to them.
 * `bsns` keeps BSNs unique over the data set, as they are in reality.
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
    return {
      ...base,
      id: rng.uuid(),
      status: weighted(rng, COVERAGE_STATUSES),
      period: { start: base.period!.start, end: `${to}-12-31` },
    };
  };
  const coverages: Coverage[] = [coverage('Zvw')];
  if (rng.chance(0.5)) coverages.push(coverage(rng.chance(0.6) ? 'Wmo' : 'Wlz'));
  const out: Resource[] = [patient, ...coverages];
  const requests: DeviceRequest[] = [];
  const later: Resource[] = [];
  const count = weighted(rng, [
    [0, 10],
    [1, 25],
    [2, 30],
    [3, 20],
    [4, 15],
  ] as const);
  for (let i = 0; i < count; i++) {
    const snomed = rng.chance(0.15);
    const aid = rng.pick(snomed ? SNOMED_AIDS : ISO9999_AIDS);
    // Fresh objects per resource: the data set goes to createMany as objects, none may share a part with another.
    const concept = () => aidConcept(aid, snomed ? SNOMED_SYSTEM : ISO9999_SYSTEM);
    const year = rng.int(SEARCH_YEARS[0], SEARCH_YEARS[1]);
    const authoredOn = randomDateTime(rng, year);
    const [practitioner, , , role] = rng.pick(PRACTITIONERS);
    const [supplier, supplierName] = rng.pick(SUPPLIERS);
    const performer = () => ({ reference: `Organization/${supplier}`, display: supplierName });
    const coverage = rng.pick(coverages);
    // For some requests the supplier registers the specific, serialised Device it will deliver.
    const device = !snomed && rng.chance(0.35) ? deviceFor(rng, rng.uuid(), aid, performer()) : undefined;
    if (device) out.push(device);
    const { extension, mode } = requestExtensions(rng, aid);
    const request: DeviceRequest = {
      resourceType: 'DeviceRequest',
      id: rng.uuid(),
      extension,
      identifier: [{ system: hubNamingSystem('aanvraagnummer'), value: `AV-${rng.digits(8)}` }],
      status: weighted(rng, DEVICE_REQUEST_STATUSES),
      intent: 'order',
      priority: rng.pick(['routine', 'routine', 'urgent'] as const),
      codeCodeableConcept: concept(),
      subject: { reference: patientRef },
      occurrencePeriod: usePeriod(rng, authoredOn, mode),
      authoredOn,
      requester: { reference: `Practitioner/${practitioner}`, display: role },
      performer: performer(),
      insurance: [{ reference: `Coverage/${coverage.id}` }],
      note: rng.chance(0.3) ? [{ text: 'Woning is gelijkvloers; levering op werkdagen na 10:00.' }] : undefined,
    };
    requests.push(request);
    if (!rng.chance(0.6)) {
      // Delivered before the hub recorded deliveries.
      if (device && request.status === 'completed') atClient(device, patientRef);
      continue;
    }
    const supplyStatus = weighted(rng, SUPPLY_REQUEST_STATUSES);
    const item = () =>
      device
        ? { itemReference: { reference: `Device/${device.id}`, display: aid.text } }
        : { itemCodeableConcept: concept() };
    const supply = supplyRequest(rng, rng.uuid(), {
      patientRef,
      supplier: performer(),
      requestRef: `DeviceRequest/${request.id}`,
      request,
      aid,
      item: item(),
      status: supplyStatus,
    });
    later.push(supply);
    if (supplyStatus === 'completed') {
      const delivered = rng.chance(0.95);
      const window = supply.occurrencePeriod!.start!;
      // Delivered (or attempted) within the window: up to three and a half hours after it opens.
      const minutes = rng.int(0, 210);
      const occurrence = localDateTime(
        window.slice(0, 10),
        Number(window.slice(11, 13)) + Math.floor(minutes / 60),
        minutes % 60,
        0,
      );
      if (delivered && device) atClient(device, patientRef);
      later.push({
        resourceType: 'SupplyDelivery',
        id: rng.uuid(),
        extension: [
          {
            url: hubExtension('supply-direction'),
            valueCoding: { system: hubCodeSystem('supply-direction'), code: 'delivery', display: 'Delivery' },
          },
          ...(delivered ? [{ url: hubExtension('received-by'), valueReference: { reference: patientRef } }] : []),
        ],
        basedOn: [{ reference: `SupplyRequest/${supply.id}` }],
        status: delivered ? 'completed' : 'abandoned',
        patient: { reference: patientRef },
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/supply-item-type', code: 'device' }] },
        suppliedItem: {
          quantity: { value: 1, unit: 'stuk', system: 'http://unitsofmeasure.org', code: '1' },
          ...item(),
        },
        occurrenceDateTime: occurrence,
        supplier: performer(),
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
      contained: [
        {
          resourceType: 'Goal',
          id: 'doel-1',
          lifecycleStatus: 'active',
          description: { text: 'Zelfstandig thuis blijven wonen met passende hulpmiddelen' },
          subject: { reference: patientRef },
        },
      ],
      status: rng.chance(0.5) ? 'active' : 'completed',
      intent: 'plan',
      title: 'Zorgplan hulpmiddelen',
      category: [
        {
          coding: [{ system: SNOMED_SYSTEM, code: '736353004', display: 'Inpatient care plan' }],
          text: 'Hulpmiddelenzorg',
        },
      ],
      subject: { reference: patientRef },
      period: { start, end },
      author: { reference: `Practitioner/${practitioner}` },
      goal: [{ reference: '#doel-1' }],
      activity: requests.map((request) => ({ reference: { reference: `DeviceRequest/${request.id}` } })),
    } as Resource);
  }
  return out;
}
