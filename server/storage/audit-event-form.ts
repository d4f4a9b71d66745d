// An audit record (server/contracts/audit-record.ts) as the FHIR AuditEvent it is read as, meeting the
// hub-AuditEvent profile: what happened (type, subtype, action), when, the outcome, why (purposeOfEvent), who (the
// OAuth client with its role; for a system client its organisation as responsible party; for a person the client
// himself, for a delegate the acting RelatedPerson and the client she acts for), the rules and consent relied on
// (agent.policy), the source, the network address, the clients and the data touched, or the query. The log stores
// the record's typed columns only (audit-log.ts); this is the one place that knows the AuditEvent's shape. The
// records of the authorization server (entrance `oauth`) keep the shape they have always had there.
// Also the record's canonical form: the text its hash in the chain is taken of.
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import type { AuditRecord } from '../contracts/audit-record.js';

export const AUDIT_PROFILE = 'https://zorghub.example.org/fhir/StructureDefinition/hub-AuditEvent';
/** The naming system of the hub's OAuth clients, as an AuditEvent names its requesting client. */
export const OAUTH_CLIENT = 'https://zorghub.example.org/fhir/NamingSystem/oauth-client';
/** A rule id in agent.policy: `urn:zorghub:access-rule:<id>` (a directive is named as itself, `Consent/<id>`). */
export const RULE_PREFIX = 'urn:zorghub:access-rule:';
/** `entity.detail.type` of a resource entity's client: whose data it is, for a client's own view of the record. */
export const ENTITY_CLIENT_DETAIL = 'client';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
/** The authorization server's entrance: its records keep their own shape (login, consent screen, token). */
export const OAUTH_ENTRANCE = 'oauth';

/** The type's system and code, by the record's type. */
export const AUDIT_TYPES: Record<AuditRecord['type'], Coding> = {
  rest: {
    system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
    code: 'rest',
    display: 'RESTful Operation',
  },
  'consent-change': { system: DCM, code: '110137', display: 'User Security Attributes Changed' },
  authentication: { system: DCM, code: '110114', display: 'User Authentication' },
};

/** The subtype's system: DCM for a login, restful-interaction for everything else. */
export function subtypeSystem(code: string): string {
  return code === '110122' ? DCM : RESTFUL;
}

/** v3-ActReason displays of the purposes the hub records. */
const PURPOSE_DISPLAY: Record<string, string> = {
  PATRQT: 'patient requested',
  FAMRQT: 'family requested',
  TREAT: 'treatment',
  HOPERAT: 'healthcare operations',
  COVERAGE: 'coverage under policy or program',
  HSYSADMIN: 'health system administration',
};

const participation = (code: string, display?: string) => ({
  coding: [{ system: PARTICIPATION, code, ...(display ? { display } : {}) }],
});

function organizationAgent(organization: string): AuditEventAgent {
  const bar = organization.indexOf('|');
  return {
    type: participation('RESP', 'responsible party'),
    who: {
      type: 'Organization',
      identifier: { system: organization.slice(0, bar), value: organization.slice(bar + 1) },
    },
    requestor: false,
  };
}

export function renderAuditEvent(record: AuditRecord): AuditEvent {
  const oauth = record.entrance === OAUTH_ENTRANCE;
  const agents = oauth ? oauthAgents(record) : accessAgents(record);
  const entities: AuditEventEntity[] = record.patients.map((id) => ({
    what: { reference: `Patient/${id}` },
    type: oauth ? { system: ENTITY_TYPE, code: '1' } : { system: ENTITY_TYPE, code: '1', display: 'Person' },
    role: oauth ? { system: OBJECT_ROLE, code: '1' } : { system: OBJECT_ROLE, code: '1', display: 'Patient' },
  }));
  record.entities.forEach((reference, i) => {
    const clients = record.entityClients[i] ? record.entityClients[i].split(' ') : [];
    const version = record.entityVersions[i];
    entities.push({
      what: { reference: version ? `${reference}/_history/${version}` : reference },
      type: oauth ? { system: ENTITY_TYPE, code: '2' } : { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: oauth ? { system: OBJECT_ROLE, code: '4' } : { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
      ...(clients.length
        ? { detail: clients.map((id) => ({ type: ENTITY_CLIENT_DETAIL, valueString: `Patient/${id}` })) }
        : {}),
    });
  });
  if (record.query !== null) {
    entities.push({
      type: oauth ? { system: ENTITY_TYPE, code: '2' } : { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: oauth ? { system: OBJECT_ROLE, code: '24' } : { system: OBJECT_ROLE, code: '24', display: 'Query' },
      query: Buffer.from(record.query, 'utf8').toString('base64'),
    });
  }
  const purposeDisplay = oauth ? undefined : PURPOSE_DISPLAY[record.purpose];
  return {
    resourceType: 'AuditEvent',
    ...(record.id ? { id: record.id } : {}),
    meta: { versionId: '1', lastUpdated: record.recorded.toISOString(), profile: [AUDIT_PROFILE] },
    type: AUDIT_TYPES[record.type],
    subtype: [{ system: subtypeSystem(record.subtype), code: record.subtype, display: record.interaction }],
    action: record.action,
    recorded: record.recorded.toISOString(),
    outcome: record.outcome,
    ...(record.outcomeDesc !== null ? { outcomeDesc: record.outcomeDesc } : {}),
    purposeOfEvent: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
            code: record.purpose,
            ...(purposeDisplay ? { display: purposeDisplay } : {}),
          },
        ],
      },
    ],
    agent: agents,
    source: {
      observer: {
        display: oauth ? 'zorghub authorization server' : 'zorghub FHIR-server',
        identifier: { system: 'urn:ietf:rfc:3986', value: record.source },
      },
      // The REST API is the default entrance; any other (an adapter, a subscription, the admin API) is named.
      ...(!oauth && record.entrance !== 'rest' ? { site: record.entrance } : {}),
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

/** The agents of an access: the OAuth client (requestor), its organisation, a delegate, the client. */
function accessAgents(record: AuditRecord): AuditEventAgent[] {
  const policy = [
    ...record.rules.map((rule) => (rule.startsWith('Consent/') ? rule : `${RULE_PREFIX}${rule}`)),
    ...(record.consent ? [record.consent] : []),
  ];
  const agents: AuditEventAgent[] = [
    {
      type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
      role: [{ text: record.role }],
      // Without a valid token the caller is unknown: only its network address says anything.
      who: record.clientId
        ? { type: 'Device', identifier: { system: OAUTH_CLIENT, value: record.clientId } }
        : { display: 'unauthenticated caller' },
      requestor: true,
      ...(policy.length ? { policy } : {}),
      ...(record.address ? { network: { address: record.address, type: '2' as const } } : {}),
    },
  ];
  if (record.organization) agents.push(organizationAgent(record.organization));
  if (record.actor) {
    agents.push({
      type: participation('AUT', 'author (originator)'),
      role: [{ text: 'delegate' }],
      who: { reference: record.actor },
      requestor: false,
    });
  }
  if (record.patient) {
    // The client himself as author, or the client a delegate acted for: either way the client's own log knows the
    // access as his (consent/audit/own-log-view.ts).
    const acted = record.actor
      ? { code: 'RCT', display: 'record target', role: 'client acted for' }
      : { code: 'AUT', display: 'author (originator)', role: 'client' };
    agents.push({
      type: participation(acted.code, acted.display),
      role: [{ text: acted.role }],
      who: { reference: `Patient/${record.patient}` },
      requestor: false,
    });
  }
  return agents;
}

/** The agents of an authorization server's event: the client, its organisation, the person who logged in or decided. */
function oauthAgents(record: AuditRecord): AuditEventAgent[] {
  // A profile rule wants exactly one requestor: the person for login and consent, the client for a token.
  const clientRequests = record.patient === null;
  return [
    {
      type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
      role: [{ text: record.role }],
      // Typed as a Device only with its organisation beside it (hub-ae-2); a PGO or an unknown client is not.
      who: record.clientId
        ? {
            ...(record.organization ? { type: 'Device' as const } : {}),
            identifier: { system: OAUTH_CLIENT, value: record.clientId },
          }
        : { display: 'unidentified client' },
      requestor: clientRequests,
      ...(record.address ? { network: { address: record.address, type: '2' as const } } : {}),
    },
    ...(record.organization ? [organizationAgent(record.organization)] : []),
    ...(record.patient
      ? [
          {
            type: participation('AUT'),
            role: [{ text: 'client' }],
            who: { reference: `Patient/${record.patient}` },
            requestor: true,
          },
        ]
      : []),
  ];
}

/**
 * The values of a record in the order of its canonical form: the order the audit log's columns are written and read
 * in too (server/storage/pg/audit-log.ts). Append only: a record hashed under one list must verify under the next.
 */
export const AUDIT_FIELDS = [
  'id',
  'recorded',
  'type',
  'subtype',
  'interaction',
  'action',
  'outcome',
  'outcomeDesc',
  'purpose',
  'clientId',
  'role',
  'organization',
  'actor',
  'patient',
  'rules',
  'consent',
  'address',
  'entrance',
  'source',
  'patients',
  'entities',
  'entityVersions',
  'entityClients',
  'query',
  'compartments',
] as const satisfies readonly (keyof AuditRecord)[];

/**
 * The text a record's hash in the chain is taken of: every stored value in AUDIT_FIELDS order (the time as epoch
 * milliseconds). Rendering may change between versions of the hub; this may not.
 */
export function canonicalAuditText(record: AuditRecord & { id: string }): string {
  return JSON.stringify([
    1,
    ...AUDIT_FIELDS.map((field) => (field === 'recorded' ? record.recorded.getTime() : record[field])),
  ]);
}
