// The FHIR Consent an approval records (profile hub-Consent): the person's permit for a PGO, named by its OAuth
// client id, to access the chosen data services, once or until withdrawn. Every token of the grant names it;
// setting its status to inactive withdraws the consent and stops those tokens at once.
import type { Consent } from '@medplum/fhirtypes';
import { DATA_SERVICE_SYSTEM } from '../data-services.js';

const OAUTH_CLIENT_SYSTEM = 'https://zorghub.example.org/fhir/NamingSystem/oauth-client';
const HUB_CONSENT = 'https://zorghub.example.org/fhir/StructureDefinition/hub-Consent';

export interface ConsentDecision {
  patient: string;
  /** A delegate's decision: the RelatedPerson who gave it, on the client's behalf. */
  actor?: string;
  clientId: string;
  clientName: string;
  dataServices: string[];
  once: boolean;
  now: Date;
}

/** A once-only consent covers the access token of this one session (15 minutes). */
const ONCE_MS = 15 * 60 * 1000;

export function consentRecord(decision: ConsentDecision): Consent {
  const start = decision.now.toISOString();
  return {
    resourceType: 'Consent',
    meta: { profile: [HUB_CONSENT] },
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [
      {
        coding: [{ system: 'https://zorghub.example.org/fhir/CodeSystem/consent-category', code: 'pgo-authorisation' }],
      },
    ],
    patient: { reference: decision.patient },
    dateTime: start,
    performer: [{ reference: decision.actor ?? decision.patient }],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: {
      type: 'permit',
      period: decision.once ? { start, end: new Date(decision.now.getTime() + ONCE_MS).toISOString() } : { start },
      actor: [
        {
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
          reference: {
            type: 'Device',
            identifier: { system: OAUTH_CLIENT_SYSTEM, value: decision.clientId },
            display: decision.clientName,
          },
        },
      ],
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] }],
      class: decision.dataServices.map((code) => ({ system: DATA_SERVICE_SYSTEM, code })),
    },
  };
}
