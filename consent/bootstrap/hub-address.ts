// Where `npm run token` (and the other commands that talk to the running hub) find it: the address given with
// --url; else the token endpoint the hub wrote into HUB_DATA_DIR/admin-client.json when it started (it knows its
// own base URL and port, whatever environment the command runs in); else the configuration (HUB_BASE_URL, or
// HUB_HOST and HUB_PORT), which is all there is when HUB_ADMIN_CLIENT_SECRET is set and no file is written.
import { adminCredentialsPath, readAdminCredentials } from './admin-credentials.js';

export interface HubAddress {
  baseUrl: string;
  tokenEndpoint: string;
  /** Where the address came from, for the message when the hub cannot be reached. */
  from: string;
}

const TOKEN_PATH = '/oauth/token';

export async function hubAddress(options: {
  url?: string;
  dataDir: string;
  configuredBaseUrl: string;
  adminSecretConfigured: boolean;
}): Promise<HubAddress> {
  const at = (baseUrl: string, from: string, tokenEndpoint = `${baseUrl}${TOKEN_PATH}`): HubAddress => ({
    baseUrl,
    tokenEndpoint,
    from,
  });
  if (options.url !== undefined) {
    return at(options.url.replace(/\/+$/, ''), '--url');
  }
  // With a configured secret the hub writes no file; one left from an earlier set-up may name an old address.
  const written = options.adminSecretConfigured ? undefined : await readAdminCredentials(options.dataDir);
  if (written?.token_endpoint.endsWith(TOKEN_PATH)) {
    return at(
      written.token_endpoint.slice(0, -TOKEN_PATH.length),
      adminCredentialsPath(options.dataDir),
      written.token_endpoint,
    );
  }
  return at(options.configuredBaseUrl.replace(/\/+$/, ''), 'HUB_BASE_URL, or HUB_HOST and HUB_PORT');
}
