// The audit records of the authorization server's events, which are not FHIR interactions: a person's login, a
// consent given or refused on the consent screen, and every token request (issued or refused). Same profile as
// the access records (hub-AuditEvent, rendered by server/storage/audit-event-form.ts); never a secret, a code
// or a BSN.
import { compartmentKey } from '../../server/contracts/compartment-key.js';
import type { AuditRecord } from '../../server/contracts/audit-record.js';
import { OAUTH_ENTRANCE } from '../../server/storage/audit-event-form.js';

export interface SecurityFacts {
  event: 'login' | 'consent' | 'token';
  /** The OAuth client involved (the PGO, or the system client asking for a token). */
  clientId?: string;
  /** A system client's organisation, as the responsible party. */
  organization?: { system: string; value: string };
  /** `Patient/<id>`: who logged in or decided; for a delegate, the client she logged in for, if chosen. */
  patient?: string;
  /** `Consent/<id>` recorded by an approval. */
  consent?: string;
  /** consent: approved (true) or refused. */
  approved?: boolean;
  /** token: the grant type; never the code or a secret. */
  grantType?: string;
  /** The OAuth error of a refusal. */
  error?: string;
  address?: string;
  recorded: Date;
  hub: string;
}

export function securityRecord(facts: SecurityFacts): AuditRecord {
  const consentEvent = facts.event === 'consent';
  const patient = facts.patient ? facts.patient.replace(/^Patient\//, '') : null;
  const what =
    facts.event === 'token'
      ? `POST /oauth/token grant_type=${facts.grantType ?? ''}`
      : facts.event === 'login'
        ? 'login'
        : 'POST /oauth/consent';
  return {
    recorded: facts.recorded,
    type: consentEvent ? 'consent-change' : 'authentication',
    subtype: consentEvent ? 'create' : '110122',
    interaction: consentEvent ? (facts.approved ? 'consent given' : 'consent refused') : 'Login',
    action: consentEvent && facts.approved ? 'C' : 'E',
    outcome: facts.error ? '4' : '0',
    outcomeDesc: facts.error ?? null,
    purpose: facts.event === 'token' ? 'HSYSADMIN' : 'PATRQT',
    clientId: facts.clientId ?? null,
    role: facts.event === 'token' ? 'client' : 'pgo',
    organization: facts.organization ? `${facts.organization.system}|${facts.organization.value}` : null,
    actor: null,
    // The person who logged in or decided acts himself (the requestor); a token's client acts for itself.
    patient: facts.event !== 'token' ? patient : null,
    rules: [],
    consent: null,
    address: facts.address ?? null,
    entrance: OAUTH_ENTRANCE,
    source: facts.hub,
    patients: patient ? [patient] : [],
    entities: facts.consent ? [facts.consent] : [],
    entityVersions: facts.consent ? [''] : [],
    entityClients: facts.consent ? [''] : [],
    query: facts.consent ? null : what,
    compartments: patient ? [compartmentKey(patient)] : [],
  };
}
