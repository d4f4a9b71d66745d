// Why: the back-channel half of the code flow (RFC 6749 §4.1.3, RFC 7636 §4.5): the code and the PKCE verifier go
// to the token endpoint, with client_secret_basic when we have a secret and as a public client (client_id in the
// body, PKCE only) when we do not. What comes back is only the id_token, unverified: oidc-id-token checks it.
import { OidcLoginError } from './oidc-error.js';
import { fetchJson, providerText, type HttpSettings } from './oidc-http.js';

export interface CodeRedemption {
  tokenEndpoint: string;
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  code: string;
  codeVerifier: string;
}

export async function redeemCode(request: CodeRedemption, http: HttpSettings): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: request.code,
    redirect_uri: request.redirectUri,
    code_verifier: request.codeVerifier,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (request.clientSecret !== undefined) {
    headers.authorization = basicAuthorization(request.clientId, request.clientSecret);
  } else {
    body.set('client_id', request.clientId);
  }
  const url = request.tokenEndpoint;
  const response = await fetchJson(
    http,
    url,
    { method: 'POST', headers, body },
    { name: 'token request', reason: 'token-request-failed' },
  );
  if (!response.ok) {
    // §5.2: error and error_description say why (invalid_grant for a wrong code or verifier, invalid_client, ...).
    const error = providerText(response.json?.error);
    const description = providerText(response.json?.error_description);
    const why = error ? `: ${error}${description ? ` (${description})` : ''}` : '';
    throw new OidcLoginError(
      'token-request-failed',
      `token request refused with HTTP ${response.status}${why} (${url})`,
    );
  }
  const idToken = response.json?.id_token;
  if (typeof idToken !== 'string') {
    throw new OidcLoginError(
      'token-request-failed',
      `token response ${response.json ? 'has no id_token' : 'is not a JSON object'} (${url})`,
    );
  }
  return idToken;
}

/** RFC 6749 §2.3.1: id and secret are each form-urlencoded before they are joined and base64-encoded. */
function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}
