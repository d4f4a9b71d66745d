// System clients of a test hub over a real socket: register one (role, organisation, secret), take its token at
// /oauth/token as the client itself would, and call the FHIR API with it. For end-to-end tests of what a role sees.
import { expect } from 'vitest';
import { ClientRegistry } from '../../consent/registry/client-registry.js';
import type { Resource } from '@medplum/fhirtypes';
import type { SystemRole } from '../../server/contracts/principal.js';
import type { TestServer } from './app.js';

export type Headers = Record<string, string>;

export function systemClients(
  server: Pick<TestServer, 'baseUrl' | 'db'>,
  secret = 'system-client-test-secret-0123456789-abcd',
) {
  const registry = new ClientRegistry(server.db.sql);
  return {
    register: (clientId: string, role: SystemRole, organization: { system: string; value: string }) =>
      registry.put(
        {
          clientId,
          name: clientId,
          kind: 'system',
          role,
          organization,
          redirectUris: [],
          publicClient: false,
          tokenEndpointAuthMethod: 'client_secret_basic',
          dataServices: ['system/*.read'],
          active: true,
        },
        { secret },
      ),
    /** Authorization headers with a fresh token of `clientId`. */
    async tokenOf(clientId: string): Promise<Headers> {
      const basic = Buffer.from(`${clientId}:${secret}`).toString('base64');
      const response = await fetch(`${server.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      expect(response.status).toBe(200);
      return { authorization: `Bearer ${((await response.json()) as { access_token: string }).access_token}` };
    },
    async call(
      headers: Headers,
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: Resource | undefined }> {
      const response = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { ...headers, ...(body ? { 'content-type': 'application/fhir+json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}
