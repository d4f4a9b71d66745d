// The identifier systems the adapters write, one list so that every adapter finds the same object by the same
// identifier. The Dutch national systems are nl-core's; the hub's own live under its canonical base.
const HUB = 'https://zorghub.example.org/fhir/NamingSystem/';

export const NAMING = {
  /** Burgerservicenummer: the client. */
  bsn: 'http://fhir.nl/fhir/NamingSystem/bsn',
  /** AGB code: a care provider (person or organisation). */
  agb: 'http://fhir.nl/fhir/NamingSystem/agb-z',
  /** URA: a care organisation (UZI register). */
  ura: 'http://fhir.nl/fhir/NamingSystem/ura',
  /** UZOVI: a health insurer (Zvw). */
  uzovi: 'http://fhir.nl/fhir/NamingSystem/uzovi',
  /** Gemeentecode (CBS): a municipality (Wmo, Jeugdwet). */
  gemeentecode: 'urn:oid:2.16.840.1.113883.2.4.6.14',
  /** Zorgkantoor code (UZOVI range of the care offices): the Wlz financier. */
  zorgkantoor: 'http://fhir.nl/fhir/NamingSystem/uzovi',
  /** GS1 GLN: a location or a party in logistics. */
  gln: 'https://www.gs1.org/gln',
  /** GS1 GTIN: the product of a Device. */
  gtin: 'https://www.gs1.org/gtin',
  /** GS1 SSCC: a shipment unit of a delivery. */
  sscc: 'https://www.gs1.org/sscc',
  /** SupplyRequest.identifier: the number of the hub's delivery request, which suppliers and LSPs quote. */
  supplyRequestNumber: `${HUB}supply-request-number`,
  /** iWmo ToewijzingNummer: one Wmo allocation (Coverage). */
  toewijzingNummer: `${HUB}iwmo-toewijzingnummer`,
  /** iWlz Besluitnummer: one Wlz decision (Coverage). */
  besluitnummer: `${HUB}iwlz-besluitnummer`,
} as const;

/** The system of an order number given by a sending organisation (placer or filler), scoped by that organisation. */
export function orderNumberSystem(kind: 'placer' | 'filler', issuer: string): string {
  return `${HUB}${kind}-order-number/${encodeURIComponent(issuer)}`;
}
