// Why: the cliënt who approves a PGO's access must be authenticated, and in production a DigiD broker does that over
// OpenID Connect. This is our relying party for it (authorization-code flow with PKCE S256), built from node-jose
// and fetch only: discovery once at boot, then per login a URL for the browser and, at the callback, a verified BSN.
// The caller keeps state, nonce and code verifier in its own session and checks state itself; this class keeps
// nothing per login. It never logs, and no BSN, code or token ever appears in an error it throws.
import { isValidBsn } from '../../server/fhir/bsn.js';
import { discoverProvider, secureUrl, type ProviderMetadata } from './oidc-discovery.js';
import { OidcLoginError } from './oidc-error.js';
import { FETCH_TIMEOUT_MS, type HttpSettings } from './oidc-http.js';
import { verifyIdToken } from './oidc-id-token.js';
import { JwksCache } from './oidc-jwks.js';
import { redeemCode } from './oidc-token-request.js';
import { codeChallengeS256, isCodeVerifier } from './oidc-secrets.js';

export { OidcLoginError } from './oidc-error.js';
export { newLoginSecrets } from './oidc-secrets.js';

export interface OidcUpstreamOptions {
  /** Exactly as the provider spells it in its discovery document (a trailing "/" matters). */
  issuer: string;
  clientId: string;
  /** Set: client_secret_basic at the token endpoint. Unset: a public client, protected by PKCE only. */
  clientSecret?: string;
  /** Our callback, as registered at the provider. */
  redirectUri: string;
  /** The id_token claim that carries the BSN (brokers differ). */
  bsnClaim: string;
  /** Default ['openid']; "openid" is added when missing. */
  scopes?: string[];
  fetch?: typeof fetch;
  /** Milliseconds since the epoch, as Date.now(). */
  now?: () => number;
  /** Per request to the provider; default 5 s. */
  timeoutMs?: number;
}

export class OidcUpstream {
  private readonly http: HttpSettings;
  private readonly now: () => number;
  private readonly scope: string;
  private readonly keys: JwksCache;

  private constructor(
    private readonly options: OidcUpstreamOptions,
    readonly metadata: ProviderMetadata,
    http: HttpSettings,
  ) {
    this.http = http;
    this.now = options.now ?? Date.now;
    const scopes = options.scopes ?? ['openid'];
    this.scope = (scopes.includes('openid') ? scopes : ['openid', ...scopes]).join(' ');
    this.keys = new JwksCache(metadata.jwksUri, http, this.now);
  }

  /** GET <issuer>/.well-known/openid-configuration; refused unless it names exactly this issuer. */
  static async discover(options: OidcUpstreamOptions): Promise<OidcUpstream> {
    checkOptions(options);
    const http: HttpSettings = {
      fetch: options.fetch ?? globalThis.fetch,
      timeoutMs: options.timeoutMs ?? FETCH_TIMEOUT_MS,
    };
    const metadata = await discoverProvider(options.issuer, http, {
      clientSecretBasic: options.clientSecret !== undefined,
    });
    return new OidcUpstream(options, metadata, http);
  }

  /** Where to send the browser; the caller keeps state, nonce and verifier in its own session. */
  authorizationUrl(params: { state: string; nonce: string; codeVerifier: string }): string {
    requireText(params.state, 'state');
    requireText(params.nonce, 'nonce');
    requireVerifier(params.codeVerifier);
    const url = new URL(this.metadata.authorizationEndpoint);
    // set(), not append(): a parameter already in the endpoint URL must not appear twice.
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.options.clientId);
    url.searchParams.set('redirect_uri', this.options.redirectUri);
    url.searchParams.set('scope', this.scope);
    url.searchParams.set('state', params.state);
    url.searchParams.set('nonce', params.nonce);
    url.searchParams.set('code_challenge', codeChallengeS256(params.codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    return url.toString();
  }

  /** The callback: exchange the code, verify the id_token, return the BSN from the configured claim. */
  async complete(params: {
    code: string;
    codeVerifier: string;
    nonce: string;
  }): Promise<{ bsn: string; subject: string }> {
    requireText(params.code, 'code');
    requireText(params.nonce, 'nonce');
    requireVerifier(params.codeVerifier);
    const idToken = await redeemCode(
      {
        tokenEndpoint: this.metadata.tokenEndpoint,
        clientId: this.options.clientId,
        clientSecret: this.options.clientSecret,
        redirectUri: this.options.redirectUri,
        code: params.code,
        codeVerifier: params.codeVerifier,
      },
      this.http,
    );
    const claims = await verifyIdToken(idToken, this.keys, {
      issuer: this.metadata.issuer,
      clientId: this.options.clientId,
      nonce: params.nonce,
      now: this.now(),
    });
    const bsn = claims[this.options.bsnClaim];
    if (typeof bsn !== 'string' || !isValidBsn(bsn)) {
      // The value stays out of the message: it may be a real BSN with a typo.
      const what =
        bsn === undefined
          ? 'is missing'
          : typeof bsn !== 'string'
            ? 'is not a string'
            : 'is not 9 digits passing the 11-proof';
      throw new OidcLoginError('bad-bsn', `id_token claim ${JSON.stringify(this.options.bsnClaim)} ${what}`);
    }
    return { bsn, subject: claims.sub };
  }
}

function checkOptions(options: OidcUpstreamOptions): void {
  const issuer = secureUrl(options.issuer, 'issuer', 'invalid-configuration');
  if (issuer.search || issuer.hash) {
    throw new OidcLoginError('invalid-configuration', 'issuer must have no query and no fragment');
  }
  try {
    new URL(options.redirectUri);
  } catch {
    throw new OidcLoginError(
      'invalid-configuration',
      `redirectUri is not an absolute URL: ${JSON.stringify(options.redirectUri)}`,
    );
  }
  for (const [name, value] of [
    ['clientId', options.clientId],
    ['bsnClaim', options.bsnClaim],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) {
      throw new OidcLoginError('invalid-configuration', `${name} is required`);
    }
  }
  if (options.clientSecret !== undefined && options.clientSecret.length === 0) {
    throw new OidcLoginError('invalid-configuration', 'clientSecret is empty; leave it out for a public client');
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new OidcLoginError('invalid-configuration', 'timeoutMs must be positive');
  }
  if (options.scopes?.some((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
    throw new OidcLoginError('invalid-configuration', 'a scope contains a character RFC 6749 §3.3 does not allow');
  }
}

function requireText(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new OidcLoginError('invalid-parameters', `${name} is required`);
  }
}

function requireVerifier(value: unknown): void {
  if (typeof value !== 'string' || !isCodeVerifier(value)) {
    throw new OidcLoginError(
      'invalid-parameters',
      'codeVerifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)',
    );
  }
}
