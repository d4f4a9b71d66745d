// The configured policy reaches every request: with HUB_ACCESS_POLICY's rules in the app config, a financier
// reads what the file opens to it and no longer what the baseline did.
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/support/app.js';
import { ClientRegistry } from '../registry/client-registry.js';
import { accessPolicyOf } from './policy-file.js';

const rules = accessPolicyOf({
  financier: [{ id: 'finance-all-care-plans', types: ['CarePlan'], interactions: ['read', 'search'], scope: { kind: 'everything' }, why: 'a test of the configured policy' }],
});
const { app, anonymous, db } = await createTestApp({ auth: { accessPolicy: rules } });
const secret = 'policy-file-test-secret-0123456789-abcdefgh';
await new ClientRegistry(db.sql).put(
  {
    clientId: 'insurer', name: 'insurer', kind: 'system', role: 'financier', organization: { system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '3311' },
    redirectUris: [], publicClient: false, tokenEndpointAuthMethod: 'client_secret_basic', dataServices: ['system/*.read'], active: true,
  },
  { secret },
);

describe('HUB_ACCESS_POLICY in force', () => {
  it('opens what the file says and closes what it replaced', async () => {
    const plan = await app.inject({ method: 'POST', url: '/CarePlan', payload: { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/x' } } });
    expect(plan.statusCode).toBe(201);
    const token = await anonymous.inject({
      method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`insurer:${secret}`).toString('base64')}` },
    });
    const authorization = `Bearer ${token.json().access_token}`;
    expect((await anonymous.inject({ method: 'GET', url: `/CarePlan/${plan.json().id}`, headers: { authorization } })).statusCode).toBe(200);
    const coverage = await anonymous.inject({ method: 'GET', url: '/Coverage', headers: { authorization } });
    expect(coverage.statusCode).toBe(403);
    expect(coverage.json().issue[0].diagnostics).toContain('the role financier may not search Coverage');
  });
});
