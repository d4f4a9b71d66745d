// npm run token -- [client-id] [--scope "<scopes>"] [--url <hub base URL>]
// Prints a short-lived access token (15 minutes) for a registered system client, to stdout and nothing else, so
// that `TOKEN=$(npm run -s token)` works. It talks to the running hub: the bootstrap admin client's credentials
// (HUB_ADMIN_CLIENT_SECRET, or HUB_DATA_DIR/admin-client.json) buy an admin token at /oauth/token; for another
// client the admin API issues one (POST /admin/clients/<id>/$token). Reads the same environment as the hub, and
// goes where admin-client.json says the hub is (hub-address.ts), so a hub on another port needs no HUB_PORT here.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../server/config.js';
import { adminCredentialsPath, readAdminCredentials } from './admin-credentials.js';
import { ClientCredentialsTokens, fetchTransport } from './client-credentials-tokens.js';
import { hubAddress } from './hub-address.js';

export async function tokenFor(options: {
  baseUrl: string;
  /** Default `<baseUrl>/oauth/token`. */
  tokenEndpoint?: string;
  /** Where baseUrl came from, named when the hub cannot be reached. */
  from?: string;
  dataDir: string;
  admin: { clientId: string; secret?: string };
  clientId?: string;
  scope?: string;
}): Promise<string> {
  const credentials = options.admin.secret
    ? { client_id: options.admin.clientId, client_secret: options.admin.secret }
    : await readAdminCredentials(options.dataDir);
  if (!credentials) {
    throw new Error(
      `no admin credentials: ${adminCredentialsPath(options.dataDir)} does not exist (start the hub once with this HUB_DATA_DIR, or set HUB_ADMIN_CLIENT_SECRET)`,
    );
  }
  const forAdmin = options.clientId === undefined || options.clientId === credentials.client_id;
  const admin = new ClientCredentialsTokens(
    credentials,
    fetchTransport(options.tokenEndpoint ?? `${options.baseUrl}/oauth/token`),
    { scope: forAdmin ? options.scope : undefined },
  );
  const where = options.from ? `${options.baseUrl} (${options.from})` : options.baseUrl;
  const adminToken = await reach(where, () => admin.token());
  if (forAdmin) {
    return adminToken;
  }
  const response = await reach(where, () =>
    fetch(`${options.baseUrl}/admin/clients/${encodeURIComponent(options.clientId!)}/$token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(options.scope ? { scope: options.scope } : {}),
    }),
  );
  const body = (await response.json()) as { access_token?: string; issue?: { diagnostics?: string }[] };
  if (!response.ok || typeof body.access_token !== 'string') {
    throw new Error(body.issue?.[0]?.diagnostics ?? `the hub answered ${response.status}`);
  }
  return body.access_token;
}

async function reach<T>(where: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (
      (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED' ||
      (error as Error).message === 'fetch failed'
    ) {
      throw new Error(`cannot reach the hub at ${where}: is it running (npm start)? Give another address with --url`);
    }
    throw error;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: { scope: { type: 'string' }, url: { type: 'string' } },
    });
    if (positionals.length > 1) {
      throw new Error('usage: npm run token -- [client-id] [--scope "<scopes>"] [--url <hub base URL>]');
    }
    const config = loadConfig();
    const address = await hubAddress({
      url: values.url,
      dataDir: config.dataDir,
      configuredBaseUrl: config.baseUrl,
      adminSecretConfigured: config.auth.admin.secret !== undefined,
    });
    const token = await tokenFor({
      ...address,
      dataDir: config.dataDir,
      admin: config.auth.admin,
      clientId: positionals[0],
      scope: values.scope,
    });
    process.stdout.write(`${token}\n`);
  } catch (error) {
    process.stderr.write(
      `zorghub token: ${error instanceof ConfigError ? `configuration error: ${error.message}` : (error as Error).message}\n`,
    );
    process.exit(1);
  }
}
