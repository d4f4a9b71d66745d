// The hub's data services: what a PGO may ask for in its MedMij scope (`<hub-provider-name>~<data-service-id>`)
// and what each one opens: resource types and interactions. MedMij has no data services for aids logistics, so the
// hub defines its own, coded in the CodeSystem data-service (profiles/code-systems/data-service.json); the ids used
// in scopes are those codes. Published at GET /oauth/data-services (JSON) and /oauth/data-services.xml.

export const DATA_SERVICE_SYSTEM = 'https://zorghub.example.org/fhir/CodeSystem/data-service';

export type DataServiceInteraction = 'read' | 'search' | 'update' | 'create';

export interface DataService {
  id: string;
  /** Dutch and English names for the consent screen. */
  name: { nl: string; en: string };
  /** What the person grants, in plain words, for the consent screen. */
  description: { nl: string; en: string };
  resourceTypes: string[];
  interactions: DataServiceInteraction[];
  /**
   * Where the service allows `update`: per type, the elements a client (or a delegate acting for him) may change.
   * A type it opens for update but names no elements of here cannot be changed at all.
   */
  changeable?: Readonly<Record<string, readonly string[]>>;
}

export const DATA_SERVICES: readonly DataService[] = [
  {
    id: 'basisgegevens',
    name: { nl: 'Basisgegevens', en: 'Basic data' },
    description: {
      nl: 'uw naam, adres, geboortedatum en contactgegevens, en wie uw mantelzorgers en vertegenwoordigers zijn',
      en: 'your name, address, date of birth and contact details, and who your carers and representatives are',
    },
    resourceTypes: ['Patient', 'RelatedPerson'],
    interactions: ['read', 'search'],
  },
  {
    id: 'zorgplan',
    name: { nl: 'Zorgplan', en: 'Care plan' },
    description: {
      nl: 'uw zorg- en ondersteuningsplan met doelen en afspraken',
      en: 'your care and support plan with its goals and activities',
    },
    resourceTypes: ['CarePlan', 'Goal', 'CareTeam'],
    interactions: ['read', 'search'],
  },
  {
    id: 'hulpmiddelen',
    name: { nl: 'Hulpmiddelen', en: 'Aids' },
    description: {
      nl: 'welke hulpmiddelen voor u zijn aangevraagd, door wie, en waar elk hulpmiddel is',
      en: 'which aids were ordered for you, by whom, and where each one is',
    },
    resourceTypes: ['DeviceRequest', 'Device', 'DeviceUseStatement'],
    interactions: ['read', 'search'],
  },
  {
    id: 'leveringen',
    name: { nl: 'Leveringen', en: 'Deliveries' },
    description: {
      nl: 'leveringen en ophalingen: tijdvakken, adressen en afleverbewijzen; u kunt een tijdvak wijzigen',
      en: 'deliveries and collections: time windows, addresses and proof of delivery; you can change a time window',
    },
    resourceTypes: ['SupplyRequest', 'SupplyDelivery'],
    interactions: ['read', 'search', 'update'],
    // "u kunt een tijdvak wijzigen": the delivery window, nothing else (not the supplier, status or items).
    changeable: { SupplyRequest: ['occurrence[x]'] },
  },
  {
    id: 'financiering',
    name: { nl: 'Financiering', en: 'Financing' },
    description: {
      nl: 'wie wat betaalt: uw zorgverzekering, toewijzingen van de gemeente en indicaties van het zorgkantoor',
      en: 'who pays for what: your health insurance, municipal allocations and care office indications',
    },
    resourceTypes: ['Coverage', 'Organization'],
    interactions: ['read', 'search'],
  },
  {
    id: 'toegangslog',
    name: { nl: 'Toegangslog', en: 'Access log' },
    description: {
      nl: 'wie uw gegevens heeft bekeken of gewijzigd, wanneer en waarom',
      en: 'who looked at or changed your data, when and why',
    },
    resourceTypes: ['AuditEvent'],
    interactions: ['read', 'search'],
  },
];

const BY_ID = new Map(DATA_SERVICES.map((s) => [s.id, s]));

export function dataService(id: string): DataService | undefined {
  return BY_ID.get(id);
}
