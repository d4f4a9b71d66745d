// Authentication is always on, so a fresh hub needs one client that can get in: the bootstrap admin client. On
// every start the hub makes sure it exists. With HUB_ADMIN_CLIENT_SECRET set, that secret is registered and no file
// is written (the operator keeps it in a secret store). Otherwise the credentials live in the data folder
// (admin-credentials.ts): created with a random secret on first start, re-created when the file is gone or no
// longer matches the registry (a changed secret, a deactivated client), and its token endpoint kept to this start's
// base URL, where `npm run token` goes. The admin client belongs to the hub itself (organisation: the hub's provider name
// in the hub-operator naming system) and manages the registry; what else it may do is the policy's to say.
import type { FastifyBaseLogger } from 'fastify';
import { HUB_OPERATOR_SYSTEM } from '../registry/client-validation.js';
import type { ClientRegistry } from '../registry/client-registry.js';
import type { RegisteredClient } from '../registry/registered-client.js';
import { newSecret } from '../tokens/opaque.js';
import { adminCredentialsPath, readAdminCredentials, writeAdminCredentials } from './admin-credentials.js';

export interface AdminClientSettings {
  /** HUB_ADMIN_CLIENT_ID (default hub-admin). */
  clientId: string;
  /** HUB_ADMIN_CLIENT_SECRET: when set, the hub registers it and writes no credentials file. */
  secret?: string;
}

export type AdminBootstrap = { source: 'configuration' } | { source: 'file'; file: string; created: boolean };

export function adminClient(clientId: string, providerName: string): RegisteredClient {
  return {
    clientId,
    name: `${providerName} beheer (bootstrap)`,
    kind: 'system',
    role: 'admin',
    organization: { system: HUB_OPERATOR_SYSTEM, value: providerName },
    redirectUris: [],
    publicClient: false,
    tokenEndpointAuthMethod: 'client_secret_basic',
    dataServices: ['system/*.*'],
    active: true,
  };
}

export async function ensureAdminClient(options: {
  registry: ClientRegistry;
  settings: AdminClientSettings;
  dataDir: string;
  baseUrl: string;
  providerName: string;
  log: FastifyBaseLogger;
}): Promise<AdminBootstrap> {
  const { registry, settings, dataDir, log } = options;
  const client = adminClient(settings.clientId, options.providerName);
  if (settings.secret !== undefined) {
    await registry.put(client, { secret: settings.secret });
    return { source: 'configuration' };
  }
  // `npm run token` reads where to go from the file, so it names this start's address (HUB_BASE_URL or host and port).
  const tokenEndpoint = `${options.baseUrl.replace(/\/+$/, '')}/oauth/token`;
  const existing = await readAdminCredentials(dataDir);
  if (
    existing &&
    existing.client_id === client.clientId &&
    (await registry.verifySecret(client.clientId, existing.client_secret))
  ) {
    // Re-registered as it is (a no-op when unchanged), so that an altered role or organisation is repaired.
    await registry.put(client, { secret: existing.client_secret });
    const file =
      existing.token_endpoint === tokenEndpoint
        ? adminCredentialsPath(dataDir)
        : await writeAdminCredentials(dataDir, { ...existing, token_endpoint: tokenEndpoint });
    return { source: 'file', file, created: false };
  }
  const secret = newSecret();
  await registry.put(client, { secret });
  const file = await writeAdminCredentials(dataDir, {
    client_id: client.clientId,
    client_secret: secret,
    token_endpoint: tokenEndpoint,
  });
  log.info(
    { clientId: client.clientId, file },
    existing ? 'admin client credentials renewed' : 'admin client created; credentials written to the data folder',
  );
  return { source: 'file', file, created: true };
}
