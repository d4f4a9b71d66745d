// The validated XML read into the adapter's own model: only what the mapping uses, each value with the path it came
// from so that a refusal in the mapping can point at it. Element names are those of the iWlz 2.2 XSDs.
import type { Element } from './parse-xml.js';

/** A value and where it sat in the message. */
export interface Located<T = string> {
  readonly value: T;
  readonly path: string;
}

function located(element: Element, name: string): Located {
  return { value: element.required(name), path: `${element.path}/${name}` };
}

export interface Header {
  /** 352 (AW33) or 354 (AW35). */
  readonly berichtCode: string;
  /** AW33: the zorgkantoor code; AW35: the iWlz AGB code of the provider. */
  readonly afzender: string;
  readonly ontvanger: string;
  readonly identificatie: string;
  readonly dagtekening: Located;
}

export interface NamePart {
  readonly achternaam: string;
  readonly voorvoegsel?: string;
}

export interface Naam {
  readonly geslachtsnaam: NamePart;
  readonly partnernaam?: NamePart;
  readonly voornamen?: string;
  readonly voorletters?: string;
  /** LDT_NaamGebruik; AW35's shortened name has none. */
  readonly naamGebruik?: string;
}

interface Adres {
  readonly straatnaam?: string;
  readonly huisnummer?: string;
  readonly huisletter?: string;
  readonly huisnummerToevoeging?: string;
  readonly postcode?: string;
  readonly plaatsnaam?: string;
  readonly landCode?: string;
}

export interface Contact {
  readonly path: string;
  /** LDT_AdresSoort: 01 BRP, 02 correspondentie, 03 verblijf, 04 tijdelijk verblijf. */
  readonly soort: string;
  readonly adres?: Adres;
  readonly telefoon: readonly { nummer: string; landnummer: string }[];
  readonly email?: string;
  readonly periode?: { begindatum?: string; einddatum?: string };
}

interface Person {
  readonly path: string;
  readonly bsn: Located;
  readonly geboortedatum: Located;
  /** LDT_DatumGebruik: 1 only month and year, 2 only year, 3 unknown. */
  readonly datumGebruik?: string;
  readonly geslacht: string;
  readonly naam: Naam;
}

/** A ToegewezenZorgzwaartepakket: one toewijzing of a zorgzwaartepakket. */
export interface ZzpToewijzing {
  readonly path: string;
  readonly zzpCode: string;
  readonly instelling?: string;
  readonly zorgkantoor: Located;
  readonly soort: string;
  readonly ingangsdatum: Located;
  readonly einddatum?: Located;
  readonly redenIntrekking?: string;
  readonly leveringsvorm: string;
}

export interface Aw33Client extends Person {
  readonly contacts: readonly Contact[];
  readonly besluitnummer: Located;
  readonly indicatiePath: string;
  readonly toewijzingen: readonly ZzpToewijzing[];
  /** ToegewezenFunctie records (MPT modules), by path and FunctieCode. */
  readonly functies: readonly Located[];
}

/** A GeleverdZorgzwaartepakket or GeleverdeFunctie of an AW35: the start of delivery of one toewijzing. */
export interface Aanvang {
  readonly path: string;
  readonly besluitnummer: Located;
  /** ZzpCode, or FunctieCode for a GeleverdeFunctie. */
  readonly code: string;
  readonly functie: boolean;
  readonly toewijzingIngangsdatum: string;
  readonly begindatum: string;
  readonly instelling: string;
  readonly leveringsstatus?: string;
  readonly statusAanlevering: string;
}

export interface Aw35Client extends Person {
  readonly aanvang: readonly Aanvang[];
}

export type Parsed =
  | { readonly kind: 'AW33'; readonly header: Header; readonly clients: readonly Aw33Client[] }
  | { readonly kind: 'AW35'; readonly header: Header; readonly clients: readonly Aw35Client[] };

function header(root: Element): Header {
  const h = root.need('Header');
  const id = h.need('BerichtIdentificatie');
  return {
    berichtCode: h.required('BerichtCode'),
    afzender: h.required('Afzender'),
    ontvanger: h.required('Ontvanger'),
    identificatie: id.required('Identificatie'),
    dagtekening: located(id, 'Dagtekening'),
  };
}

function namePart(element: Element): NamePart {
  return { achternaam: element.required('Achternaam'), voorvoegsel: element.optional('Voorvoegsel') };
}

function optionalPart(element: Element | undefined): NamePart | undefined {
  return element ? namePart(element) : undefined;
}

function naam(client: Element): Naam {
  const n = client.need('Naam');
  return {
    geslachtsnaam: namePart(n.need('Geslachtsnaam')),
    partnernaam: optionalPart(n.child('Partnernaam')),
    voornamen: n.optional('Voornamen'),
    voorletters: n.optional('Voorletters'),
    naamGebruik: n.optional('NaamGebruik'),
  };
}

function person(client: Element): Person {
  const geboorte = client.need('Geboortedatum');
  return {
    path: client.path,
    bsn: located(client, 'Bsn'),
    geboortedatum: located(geboorte, 'Datum'),
    datumGebruik: geboorte.optional('DatumGebruik'),
    geslacht: client.required('Geslacht'),
    naam: naam(client),
  };
}

function contact(element: Element): Contact {
  const adres = element.child('Adres');
  const huis = adres?.child('Huis');
  const telefoon = element.child('Telefoon');
  const periode = element.child('Periode');
  return {
    path: element.path,
    soort: element.required('Soort'),
    adres: adres && {
      straatnaam: adres.optional('Straatnaam'),
      huisnummer: huis?.optional('Huisnummer'),
      huisletter: huis?.optional('Huisletter'),
      huisnummerToevoeging: huis?.optional('HuisnummerToevoeging'),
      postcode: adres.optional('Postcode'),
      plaatsnaam: adres.optional('Plaatsnaam'),
      landCode: adres.optional('LandCode'),
    },
    telefoon: ['Telefoon01', 'Telefoon02'].flatMap((name) => {
      const t = telefoon?.child(name);
      return t ? [{ nummer: t.required('Telefoonnummer'), landnummer: t.required('Landnummer') }] : [];
    }),
    email: element.optional('Emailadres'),
    periode: periode && { begindatum: periode.optional('Begindatum'), einddatum: periode.optional('Einddatum') },
  };
}

function zzpToewijzing(element: Element): ZzpToewijzing {
  const einddatum = element.child('Einddatum');
  return {
    path: element.path,
    zzpCode: element.required('ZzpCode'),
    instelling: element.optional('Instelling'),
    zorgkantoor: located(element, 'Zorgkantoor'),
    soort: element.required('Soort'),
    ingangsdatum: located(element, 'Ingangsdatum'),
    einddatum: einddatum?.text ? { value: einddatum.text, path: einddatum.path } : undefined,
    redenIntrekking: element.optional('RedenIntrekking'),
    leveringsvorm: element.required('Leveringsvorm'),
  };
}

function aw33Client(client: Element): Aw33Client {
  const indicatie = client.need('Indicatie');
  const toegewezen = indicatie.child('ToegewezenZorgzwaartepakketten')?.children('ToegewezenZorgzwaartepakket') ?? [];
  const functies = indicatie.child('ToegewezenFuncties')?.children('ToegewezenFunctie') ?? [];
  return {
    ...person(client),
    contacts: client.child('Contactgegevens')?.children('Contact').map(contact) ?? [],
    besluitnummer: located(indicatie, 'Besluitnummer'),
    indicatiePath: indicatie.path,
    toewijzingen: toegewezen.map(zzpToewijzing),
    functies: functies.map((f) => located(f, 'FunctieCode')),
  };
}

function aanvang(element: Element, functie: boolean): Aanvang {
  return {
    path: element.path,
    besluitnummer: located(element, 'Besluitnummer'),
    code: element.required(functie ? 'FunctieCode' : 'ZzpCode'),
    functie,
    toewijzingIngangsdatum: element.required('ToewijzingIngangsdatum'),
    begindatum: element.required('Begindatum'),
    instelling: element.required('Instelling'),
    leveringsstatus: element.optional('Leveringsstatus'),
    statusAanlevering: element.required('StatusAanlevering'),
  };
}

function aw35Client(client: Element): Aw35Client {
  const zzp = client.child('GeleverdeZorgzwaartepakketten')?.children('GeleverdZorgzwaartepakket') ?? [];
  const functies = client.child('GeleverdeFuncties')?.children('GeleverdeFunctie') ?? [];
  return {
    ...person(client),
    aanvang: [...zzp.map((e) => aanvang(e, false)), ...functies.map((e) => aanvang(e, true))],
  };
}

/** The model of a message that validated against its XSD. */
export function readMessage(kind: 'AW33' | 'AW35', root: Element): Parsed {
  const clients = root.need('Clienten').children('Client');
  return kind === 'AW33'
    ? { kind, header: header(root), clients: clients.map(aw33Client) }
    : { kind, header: header(root), clients: clients.map(aw35Client) };
}
