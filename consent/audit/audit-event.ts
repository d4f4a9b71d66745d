// One NEN 7513 record of one request, as a FHIR AuditEvent that meets the hub-AuditEvent profile: what happened
// (type rest, subtype the REST interaction, action C/R/U/D/E), when, the outcome, why (purposeOfEvent by role), who
// (the OAuth client with its role; for a system client its organisation as responsible party; for a person the
// client himself, for a delegate the acting RelatedPerson and the client she acts for), the rule and consent that
// allowed it (agent.policy), the source (this hub), the network address, the client(s) and the data touched, or the
// query. Pure: the caller passes the clock and the request's facts. Never the content of the data touched.
import type { AuditEvent, AuditEventAgent, AuditEventEntity } from '@medplum/fhirtypes';
import { CONSENT_WITHDRAWAL_RULE } from '../policy/authorisation-consents.js';
import type { Principal } from '../../server/contracts/principal.js';

export const AUDIT_PROFILE = 'https://zorghub.example.org/fhir/StructureDefinition/hub-AuditEvent';
const OAUTH_CLIENT = 'https://zorghub.example.org/fhir/NamingSystem/oauth-client';
const RULE_PREFIX = 'urn:zorghub:access-rule:';
/** `entity.detail.type` of a resource entity's client: whose data it is, for a client's own view of the record. */
export const ENTITY_CLIENT_DETAIL = 'client';
/** The most data entities one record lists; a search touching more records its query (which reproduces them). */
const MAX_ENTITIES = 50;

export interface EventFacts {
  principal?: Principal;
  /** The route's interaction (routes.ts): read, search-type, create, batch-transaction, operation:validate, ... */
  interaction: string;
  method: string;
  resourceType?: string;
  id?: string;
  /** The query string, for searches and conditional interactions. */
  query?: string;
  status: number;
  /** The error code of a refusal or failure. */
  errorCode?: string;
  /** Rules of the access policy that permitted the interactions. */
  rules: string[];
  /** The resources read or written, as `Type/id/_history/version`. */
  touched: string[];
  /** Patients named: the principal's client, the clients of every resource touched or attempted. */
  patients: string[];
  /** Per touched resource (`Type/id/_history/v`): the clients (`Patient/<id>`) whose compartment it is in. */
  entityClients?: ReadonlyMap<string, readonly string[]>;
  /** A batch or transaction Bundle's type: the record's subtype says which. */
  bundleType?: 'batch' | 'transaction';
  /** Why a refusal was refused (the policy's reason, or why the token did not stand): never data content. */
  reason?: string;
  address?: string;
  recorded: Date;
  /** The hub's base URL, naming it as the source. */
  hub: string;
  /** Where the access came in (server/contracts/access.ts); the REST API unless said. */
  entrance?: string;
  /** A v3 ActReason code the entrance gives instead of the one of the caller's kind or role. */
  purpose?: string;
}

const ACTIONS: Record<string, AuditEvent['action']> = {
  create: 'C',
  read: 'R',
  vread: 'R',
  'search-type': 'E',
  'search-system': 'E',
  'search-compartment': 'E',
  'history-instance': 'R',
  'history-type': 'R',
  'history-system': 'R',
  update: 'U',
  'conditional-update': 'U',
  patch: 'U',
  delete: 'D',
  'conditional-delete': 'D',
  'batch-transaction': 'E',
  capabilities: 'E',
};

/** v3-ActReason: why each kind of principal accesses. */
const PURPOSE: Record<string, { code: string; display: string }> = {
  person: { code: 'PATRQT', display: 'patient requested' },
  delegate: { code: 'FAMRQT', display: 'family requested' },
  'care-provider': { code: 'TREAT', display: 'treatment' },
  supplier: { code: 'HOPERAT', display: 'healthcare operations' },
  logistics: { code: 'HOPERAT', display: 'healthcare operations' },
  financier: { code: 'COVERAGE', display: 'coverage under policy or program' },
  auditor: { code: 'HSYSADMIN', display: 'health system administration' },
  admin: { code: 'HSYSADMIN', display: 'health system administration' },
  anonymous: { code: 'HSYSADMIN', display: 'health system administration' },
};

/** restful-interaction codes (the CapabilityStatement's names where they differ). */
const SUBTYPES: Record<string, string> = {
  'conditional-update': 'update',
  'conditional-delete': 'delete',
  'search-compartment': 'search',
  'batch-transaction': 'transaction',
};

function actionOf(interaction: string): AuditEvent['action'] {
  return ACTIONS[interaction] ?? 'E';
}

export function buildAuditEvent(facts: EventFacts): AuditEvent {
  const { principal } = facts;
  const kind = principal
    ? principal.kind === 'system'
      ? (principal.role ?? 'anonymous')
      : principal.kind
    : 'anonymous';
  const purpose = facts.purpose ? { code: facts.purpose } : (PURPOSE[kind] ?? PURPOSE.anonymous);
  // A client directive that shaped the decision is named as itself (Consent/<id>), a rule under the hub's prefix.
  const policy = [
    ...facts.rules.map((rule) => (rule.startsWith('Consent/') ? rule : `${RULE_PREFIX}${rule}`)),
    ...(principal?.consent ? [principal.consent] : []),
  ];
  const agents: AuditEventAgent[] = [
    {
      type: {
        coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110150', display: 'Application' }],
      },
      role: [{ text: kind }],
      // Without a valid token the caller is unknown: only its network address says anything.
      who: principal
        ? { type: 'Device', identifier: { system: OAUTH_CLIENT, value: principal.clientId } }
        : { display: 'unauthenticated caller' },
      requestor: true,
      ...(policy.length ? { policy } : {}),
      ...(facts.address ? { network: { address: facts.address, type: '2' as const } } : {}),
    },
  ];
  if (principal?.organization) {
    agents.push({
      type: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
            code: 'RESP',
            display: 'responsible party',
          },
        ],
      },
      who: {
        type: 'Organization',
        identifier: { system: principal.organization.system, value: principal.organization.value },
      },
      requestor: false,
    });
  }
  if (principal?.actor) {
    agents.push({
      type: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
            code: 'AUT',
            display: 'author (originator)',
          },
        ],
      },
      role: [{ text: 'delegate' }],
      who: { reference: principal.actor },
      requestor: false,
    });
  }
  if (principal?.patient && principal.kind !== 'system') {
    // The client himself as author, or the client a delegate acted for: either way the client's own log knows the
    // access as his (own-log-view.ts).
    const participation =
      principal.kind === 'person'
        ? { code: 'AUT', display: 'author (originator)', role: 'client' }
        : { code: 'RCT', display: 'record target', role: 'client acted for' };
    agents.push({
      type: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
            code: participation.code,
            display: participation.display,
          },
        ],
      },
      role: [{ text: participation.role }],
      who: { reference: principal.patient },
      requestor: false,
    });
  }
  const entities: AuditEventEntity[] = [...new Set(facts.patients)].map((patient) => ({
    what: { reference: patient },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
  }));
  const touched = facts.touched.length
    ? facts.touched
    : facts.resourceType && facts.id
      ? [`${facts.resourceType}/${facts.id}`]
      : [];
  for (const reference of touched.slice(0, MAX_ENTITIES)) {
    const clients = facts.entityClients?.get(reference) ?? [];
    entities.push({
      what: { reference },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4', display: 'Domain Resource' },
      ...(clients.length
        ? { detail: clients.map((client) => ({ type: ENTITY_CLIENT_DETAIL, valueString: client })) }
        : {}),
    });
  }
  if (facts.query !== undefined || touched.length === 0 || touched.length > MAX_ENTITIES) {
    const path = `${facts.method} ${facts.resourceType ?? ''}${facts.query ? `?${facts.query}` : ''}`;
    entities.push({
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '24', display: 'Query' },
      query: Buffer.from(path, 'utf8').toString('base64'),
    });
  }
  const outcome = facts.status < 400 ? '0' : facts.status < 500 ? '4' : '8';
  return {
    resourceType: 'AuditEvent',
    meta: { profile: [AUDIT_PROFILE] },
    // A withdrawal of an authorisation is a consent change (as the consent screen's records are), not a plain update.
    type: facts.rules.includes(CONSENT_WITHDRAWAL_RULE)
      ? {
          system: 'http://dicom.nema.org/resources/ontology/DCM',
          code: '110137',
          display: 'User Security Attributes Changed',
        }
      : {
          system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
          code: 'rest',
          display: 'RESTful Operation',
        },
    subtype: [
      {
        system: 'http://hl7.org/fhir/restful-interaction',
        code: facts.interaction.startsWith('operation:')
          ? 'operation'
          : (facts.bundleType ?? SUBTYPES[facts.interaction] ?? facts.interaction),
        display: facts.interaction,
      },
    ],
    action: actionOf(facts.interaction),
    recorded: facts.recorded.toISOString(),
    outcome,
    ...(facts.errorCode ? { outcomeDesc: facts.reason ? `${facts.errorCode}: ${facts.reason}` : facts.errorCode } : {}),
    purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', ...purpose }] }],
    agent: agents,
    source: {
      observer: { display: 'zorghub FHIR-server', identifier: { system: 'urn:ietf:rfc:3986', value: facts.hub } },
      // The REST API is the default entrance; any other (an adapter, a subscription, the admin API) is named.
      ...(facts.entrance && facts.entrance !== 'rest' ? { site: facts.entrance } : {}),
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    entity: entities,
  };
}
