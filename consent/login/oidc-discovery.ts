// Why: the provider's endpoints come from its discovery document (OpenID Connect Discovery 1.0), and that document
// is only trusted when it names exactly the issuer we were configured with (§4.3): otherwise one provider could
// pass itself off as another. Also checked once here, so a login never finds out halfway: every endpoint is https
// (plain http only on loopback, for tests and local brokers), and the provider offers what we need (code flow,
// PKCE S256, an allowed signing algorithm, client_secret_basic when we have a secret).
import { OidcLoginError, type OidcLoginReason } from './oidc-error.js';
import { fetchJson, type HttpSettings } from './oidc-http.js';
import { ALLOWED_ALGORITHMS } from './oidc-id-token.js';

export interface ProviderMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
}

export async function discoverProvider(
  issuer: string,
  http: HttpSettings,
  needs: { clientSecretBasic: boolean },
): Promise<ProviderMetadata> {
  // §4: a terminating "/" of the issuer is removed before appending the well-known path.
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const fail = (detail: string) => new OidcLoginError('discovery-failed', `discovery ${detail} (${url})`);
  const response = await fetchJson(
    http,
    url,
    { headers: { accept: 'application/json' } },
    { name: 'discovery', reason: 'discovery-failed' },
  );
  if (!response.ok) {
    throw fail(`answered HTTP ${response.status}`);
  }
  const doc = response.json;
  if (!doc) {
    throw fail('did not answer a JSON object');
  }
  if (doc.issuer !== issuer) {
    throw fail(`names issuer ${JSON.stringify(doc.issuer)}, expected exactly ${JSON.stringify(issuer)}`);
  }
  const endpoint = (field: string): string => {
    const value = doc[field];
    if (typeof value !== 'string') {
      throw fail(`has no ${field}`);
    }
    secureUrl(value, `${field} of the discovery document`, 'discovery-failed');
    return value;
  };
  const metadata: ProviderMetadata = {
    issuer,
    authorizationEndpoint: endpoint('authorization_endpoint'),
    tokenEndpoint: endpoint('token_endpoint'),
    jwksUri: endpoint('jwks_uri'),
  };
  // Absent lists are not refusals: many providers leave out what they support by default.
  const offers = (field: string, wanted: readonly string[]): boolean => {
    const list = doc[field];
    return !Array.isArray(list) || wanted.some((value) => list.includes(value));
  };
  if (!offers('response_types_supported', ['code'])) {
    throw fail('does not offer response_type code');
  }
  if (!offers('code_challenge_methods_supported', ['S256'])) {
    throw fail('does not offer PKCE with S256');
  }
  if (!offers('id_token_signing_alg_values_supported', ALLOWED_ALGORITHMS)) {
    throw fail(`signs id_tokens with none of ${ALLOWED_ALGORITHMS.join(', ')}`);
  }
  if (needs.clientSecretBasic && !offers('token_endpoint_auth_methods_supported', ['client_secret_basic'])) {
    throw fail('does not offer client_secret_basic, and a client secret is configured');
  }
  return metadata;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An absolute https URL, or http on a loopback host; throws with the given reason otherwise. */
export function secureUrl(value: string, what: string, reason: OidcLoginReason): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OidcLoginError(reason, `${what} is not an absolute URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    return url;
  }
  throw new OidcLoginError(reason, `${what} must use https (plain http only on loopback): ${url.origin}`);
}
