// The audit records of the authorization server's events, which are not FHIR interactions: a person's login, a
// consent given or refused on the consent screen, and every token request (issued or refused). Same profile as
// the access records (hub-AuditEvent); never a secret, a code or a BSN.
import type { AuditEvent, AuditEventEntity } from '@medplum/fhirtypes';
import { compartmentKey } from '../../server/contracts/compartment-key.js';
import type { AuditRecord } from '../../server/contracts/audit-record.js';
import { AUDIT_PROFILE } from '../audit/audit-event.js';

const OAUTH_CLIENT = 'https://zorghub.example.org/fhir/NamingSystem/oauth-client';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

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
  const entity: AuditEventEntity[] = [];
  if (facts.patient) {
    entity.push({
      what: { reference: facts.patient },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' },
    });
  }
  if (facts.consent) {
    entity.push({
      what: { reference: facts.consent },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4' },
    });
  } else {
    const what =
      facts.event === 'token'
        ? `POST /oauth/token grant_type=${facts.grantType ?? ''}`
        : facts.event === 'login'
          ? 'login'
          : 'POST /oauth/consent';
    entity.push({
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '24' },
      query: Buffer.from(what).toString('base64'),
    });
  }
  const consentEvent = facts.event === 'consent';
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    meta: { profile: [AUDIT_PROFILE] },
    type: consentEvent
      ? { system: DCM, code: '110137', display: 'User Security Attributes Changed' }
      : { system: DCM, code: '110114', display: 'User Authentication' },
    subtype: [
      consentEvent
        ? {
            system: 'http://hl7.org/fhir/restful-interaction',
            code: 'create',
            display: facts.approved ? 'consent given' : 'consent refused',
          }
        : { system: DCM, code: '110122', display: 'Login' },
    ],
    action: consentEvent && facts.approved ? 'C' : 'E',
    recorded: facts.recorded.toISOString(),
    outcome: facts.error ? '4' : '0',
    ...(facts.error ? { outcomeDesc: facts.error } : {}),
    purposeOfEvent: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
            code: facts.event === 'token' ? 'HSYSADMIN' : 'PATRQT',
          },
        ],
      },
    ],
    agent: [
      {
        type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
        role: [{ text: facts.event === 'token' ? 'client' : 'pgo' }],
        // Typed as a Device only with its organisation beside it (hub-ae-2); a PGO or an unknown client is not.
        who: facts.clientId
          ? {
              ...(facts.organization ? { type: 'Device' as const } : {}),
              identifier: { system: OAUTH_CLIENT, value: facts.clientId },
            }
          : { display: 'unidentified client' },
        requestor: facts.event === 'token',
        ...(facts.address ? { network: { address: facts.address, type: '2' as const } } : {}),
      },
      ...(facts.organization
        ? [
            {
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
                type: 'Organization' as const,
                identifier: { system: facts.organization.system, value: facts.organization.value },
              },
              requestor: false,
            },
          ]
        : []),
      ...(facts.patient && facts.event !== 'token'
        ? [
            {
              type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'AUT' }] },
              role: [{ text: 'client' }],
              who: { reference: facts.patient },
              requestor: true,
            },
          ]
        : []),
    ],
    source: {
      observer: {
        display: 'zorghub authorization server',
        identifier: { system: 'urn:ietf:rfc:3986', value: facts.hub },
      },
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    entity,
  };
  // A profile rule wants exactly one requestor: the person for login and consent, the client for a token.
  if (facts.event !== 'token' && !facts.patient) event.agent[0].requestor = true;
  const compartments = facts.patient ? [compartmentKey(facts.patient.replace(/^Patient\//, ''))] : [];
  return { event, compartments };
}
