// Person and delegate tokens for a test hub without the browser flow: the Consent an approval records, its grant, and
// an access token signed with the hub's own keys, exactly what /oauth/token would issue for it. For tests of what
// such a token may do and how it is recorded (the browser flow itself is test/e2e/pgo-flow.test.ts).
import type { Consent } from '@medplum/fhirtypes';
import { HubKeys } from '../../consent/keys/hub-keys.js';
import { consentRecord } from '../../consent/oauth/consent-record.js';
import { OAuthStore } from '../../consent/oauth/oauth-store.js';
import { issueAccessToken } from '../../consent/tokens/access-token.js';
import { newSecret } from '../../consent/tokens/opaque.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { type TestApp, TEST_BASE_URL } from './app.js';

export interface PersonTokenOptions {
  patient: string;
  dataServices: string[];
  clientId?: string;
  /** A delegate's token: the acting RelatedPerson and the delegation Consent she acts on. */
  actor?: string;
  delegationConsent?: string;
  readOnly?: boolean;
}

export async function personToken(
  hub: Pick<TestApp, 'db' | 'dataDir'>,
  options: PersonTokenOptions,
): Promise<{ token: string; consentId: string }> {
  const now = new Date();
  const clientId = options.clientId ?? 'pgo.test';
  const record = consentRecord({
    patient: options.patient,
    actor: options.actor,
    clientId,
    clientName: clientId,
    dataServices: options.dataServices,
    once: false,
    now,
  });
  // Stored as the authorization server stores it: through the storage repository (the API refuses such Consents).
  const created = await new PgRepository(hub.db.sql, { baseUrl: TEST_BASE_URL }).create(record);
  const consentId = (JSON.parse(created.version.json) as Consent).id!;
  const scope = options.dataServices.map((service) => `zorghub~${service}`).join(' ');
  await new OAuthStore(hub.db.sql).createGrant(
    {
      consentId,
      clientId,
      patient: options.patient,
      actor: options.actor,
      delegationConsent: options.delegationConsent,
      readOnly: options.readOnly,
      dataServices: options.dataServices,
      scope,
      once: false,
    },
    newSecret(),
    'http://127.0.0.1:9/callback',
    undefined,
    now,
  );
  const keys = await HubKeys.open({ dataDir: hub.dataDir });
  const kind = options.actor ? 'delegate' : 'person';
  const { token } = await issueAccessToken(keys, {
    issuer: TEST_BASE_URL,
    audience: TEST_BASE_URL,
    now: now.getTime(),
    principal: {
      kind,
      clientId,
      patient: options.patient,
      actor: options.actor,
      dataServices: options.dataServices,
      consent: `Consent/${consentId}`,
    },
    scope,
  });
  return { token: `Bearer ${token}`, consentId };
}
