// The adapter's own model of a WMO301 or WMO307: the values read, each with where it sat in the source, so that a
// refusal can name the element ("/Bericht/Client[2]/Bsn") whichever variant the sender wrote.

/** A value from the message and the path of the element it was read from. */
export interface Located {
  readonly value: string;
  readonly at: string;
}

export type MessageKind = 'WMO301' | 'WMO307';

export interface Header {
  readonly at: string;
  readonly berichtCode?: Located;
  readonly versie?: Located;
  readonly subversie?: Located;
  /** WMO301: the gemeente (gemeentecode); WMO307: the aanbieder (AGB code). */
  readonly afzender: Located;
  /** WMO301: the aanbieder (AGB code); WMO307: the gemeente. */
  readonly ontvanger: Located;
  readonly identificatie: Located;
  readonly dagtekening: Located;
  readonly xsdVersie?: { readonly basisschema?: string; readonly bericht?: string };
}

export interface Naam {
  readonly at: string;
  readonly achternaam?: Located;
  readonly voorvoegsel?: Located;
  readonly voornamen?: Located;
  readonly voorletters?: Located;
}

export interface Adres {
  readonly at: string;
  readonly straatnaam?: Located;
  readonly huisnummer?: Located;
  readonly huisletter?: Located;
  readonly toevoeging?: Located;
  readonly postcode?: Located;
  readonly plaatsnaam?: Located;
  readonly landcode?: Located;
}

export interface Contact {
  readonly at: string;
  readonly soort?: Located;
  readonly adres?: Adres;
  readonly telefoonnummers: readonly Located[];
  readonly email?: Located;
  readonly begindatum?: Located;
  readonly einddatum?: Located;
}

export interface Person {
  readonly at: string;
  readonly bsn: Located;
  readonly geboortedatum?: Located;
  readonly datumGebruik?: Located;
  readonly geslacht?: Located;
  readonly naam?: Naam;
}

export interface Product {
  readonly at: string;
  readonly categorie?: Located;
  readonly code?: Located;
}

interface ToegewezenProduct {
  readonly at: string;
  readonly toewijzingNummer: Located;
  readonly product?: Product;
  readonly ingangsdatum: Located;
  readonly einddatum?: Located;
  readonly reden?: Located;
  /** Read but not mapped: the hub's Coverage profile has no place for it (see README). */
  readonly omvang?: { readonly volume?: Located; readonly eenheid?: Located; readonly frequentie?: Located };
}

export interface StopProduct {
  readonly at: string;
  readonly toewijzingNummer?: Located;
  readonly product?: Product;
  readonly toewijzingIngangsdatum?: Located;
  readonly einddatum: Located;
  readonly redenBeeindiging?: Located;
  readonly statusAanlevering?: Located;
}

export interface ToewijzingClient extends Person {
  readonly contacts: readonly Contact[];
  /** Where the contacts are (or would be): the location of "no address". */
  readonly contactsAt: string;
  readonly products: readonly ToegewezenProduct[];
}

export interface StopClient extends Person {
  readonly products: readonly StopProduct[];
}

interface MessageBase {
  /** The root element's local name and namespace, echoed in the retour. */
  readonly root: { readonly name: string; readonly namespace?: string };
  readonly header: Header;
}

export interface Toewijzing extends MessageBase {
  readonly kind: 'WMO301';
  readonly clients: readonly ToewijzingClient[];
}

export interface StopZorg extends MessageBase {
  readonly kind: 'WMO307';
  readonly clients: readonly StopClient[];
}

export type IwmoMessage = Toewijzing | StopZorg;
