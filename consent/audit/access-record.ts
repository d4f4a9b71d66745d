// One NEN 7513 record of one access, as the audit log keeps it (server/contracts/audit-record.ts): what happened
// (type rest, subtype the REST interaction, action C/R/U/D/E), when, the outcome, why (the purpose by the caller's
// kind or role), who (the OAuth client with its role, its organisation, a delegate, the client), the rules and
// consent relied on, the source address and entrance, the clients and the data touched, or the query. Pure: the
// caller passes the clock and the request's facts. Never the content of the data touched. The FHIR AuditEvent it
// is read as is rendered by the storage (server/storage/audit-event-form.ts).
import type { AuditRecord } from '../../server/contracts/audit-record.js';
import type { Principal } from '../../server/contracts/principal.js';
import { CONSENT_WITHDRAWAL_RULE } from '../policy/authorisation-consents.js';

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

const ACTIONS: Record<string, AuditRecord['action']> = {
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
const PURPOSE: Record<string, string> = {
  person: 'PATRQT',
  delegate: 'FAMRQT',
  'care-provider': 'TREAT',
  supplier: 'HOPERAT',
  logistics: 'HOPERAT',
  financier: 'COVERAGE',
  auditor: 'HSYSADMIN',
  admin: 'HSYSADMIN',
  anonymous: 'HSYSADMIN',
};

/** restful-interaction codes (the CapabilityStatement's names where they differ). */
const SUBTYPES: Record<string, string> = {
  'conditional-update': 'update',
  'conditional-delete': 'delete',
  'search-compartment': 'search',
  'batch-transaction': 'transaction',
};

const patientId = (reference: string) => reference.replace(/^Patient\//, '');

export function buildAccessRecord(facts: EventFacts, compartments: string[]): AuditRecord {
  const { principal } = facts;
  const kind = principal
    ? principal.kind === 'system'
      ? (principal.role ?? 'anonymous')
      : principal.kind
    : 'anonymous';
  const touched = facts.touched.length
    ? facts.touched
    : facts.resourceType && facts.id
      ? [`${facts.resourceType}/${facts.id}`]
      : [];
  const listed = touched.slice(0, MAX_ENTITIES);
  const withQuery = facts.query !== undefined || touched.length === 0 || touched.length > MAX_ENTITIES;
  return {
    recorded: facts.recorded,
    // A withdrawal of an authorisation is a consent change (as the consent screen's records are), not a plain update.
    type: facts.rules.includes(CONSENT_WITHDRAWAL_RULE) ? 'consent-change' : 'rest',
    subtype: facts.interaction.startsWith('operation:')
      ? 'operation'
      : (facts.bundleType ?? SUBTYPES[facts.interaction] ?? facts.interaction),
    interaction: facts.interaction,
    action: ACTIONS[facts.interaction] ?? 'E',
    outcome: facts.status < 400 ? '0' : facts.status < 500 ? '4' : '8',
    outcomeDesc: facts.errorCode ? (facts.reason ? `${facts.errorCode}: ${facts.reason}` : facts.errorCode) : null,
    purpose: facts.purpose ?? PURPOSE[kind] ?? PURPOSE.anonymous,
    clientId: principal?.clientId ?? null,
    role: kind,
    organization: principal?.organization ? `${principal.organization.system}|${principal.organization.value}` : null,
    actor: principal?.actor ?? null,
    patient: principal?.patient && principal.kind !== 'system' ? patientId(principal.patient) : null,
    rules: facts.rules,
    consent: principal?.consent ?? null,
    address: facts.address ?? null,
    entrance: facts.entrance ?? 'rest',
    source: facts.hub,
    patients: [...new Set(facts.patients)].map(patientId),
    entities: listed.map((reference) => reference.split('/_history/')[0]),
    entityVersions: listed.map((reference) => reference.split('/_history/')[1] ?? ''),
    entityClients: listed.map((reference) => (facts.entityClients?.get(reference) ?? []).map(patientId).join(' ')),
    query: withQuery ? `${facts.method} ${facts.resourceType ?? ''}${facts.query ? `?${facts.query}` : ''}` : null,
    compartments,
  };
}
