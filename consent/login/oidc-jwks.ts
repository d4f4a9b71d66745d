// Why: the provider's signing keys, fetched from its jwks_uri and kept, so a login costs no extra round trip; but
// fetched again (once per verification) when a token names a key we do not have, which is how providers rotate.
// The cache also expires, so a key the provider withdrew stops being trusted. Only public signature keys that fit an
// allowed algorithm are kept (RSA of at least 2048 bits, EC P-256); symmetric and encryption keys never enter.
import jose from 'node-jose';
import { OidcLoginError } from './oidc-error.js';
import { fetchJson, type HttpSettings } from './oidc-http.js';
import type { AllowedAlgorithm } from './oidc-id-token.js';

/** What oidc-id-token needs: a key for a header, or an OidcLoginError('unknown-key' | 'jwks-failed'). */
export interface KeySource {
  keyFor(header: { alg: AllowedAlgorithm; kid?: string }): Promise<jose.JWK.Key>;
}

/** Long enough that logins do not fetch the set, short enough that a withdrawn key is dropped the same day. */
const MAX_AGE_MS = 10 * 60_000;

interface Loaded {
  keys: jose.JWK.Key[];
  at: number;
}

export class JwksCache implements KeySource {
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;

  constructor(
    private readonly jwksUri: string,
    private readonly http: HttpSettings,
    private readonly now: () => number,
  ) {}

  async keyFor(header: { alg: AllowedAlgorithm; kid?: string }): Promise<jose.JWK.Key> {
    const cached = this.loaded && this.now() - this.loaded.at < MAX_AGE_MS ? this.loaded : undefined;
    let fitting = (cached ?? (await this.load())).keys.filter((key) => fits(key, header));
    if (fitting.length === 0 && cached) {
      // A set fetched just now is not fetched again: at most one fetch per verification.
      fitting = (await this.load(cached)).keys.filter((key) => fits(key, header));
    }
    if (fitting.length === 0) {
      throw new OidcLoginError(
        'unknown-key',
        `no ${header.alg} key${header.kid ? ` with kid ${JSON.stringify(header.kid)}` : ''} in the provider's JWKS (${this.jwksUri})`,
      );
    }
    if (fitting.length > 1) {
      throw new OidcLoginError(
        'unknown-key',
        `the id_token names no kid and the provider's JWKS has ${fitting.length} ${header.alg} keys (${this.jwksUri})`,
      );
    }
    return fitting[0];
  }

  /**
   * One fetch at a time: concurrent logins that miss wait for the same request. `stale` is the set the caller found
   * wanting; when another caller has replaced it in the meantime, that newer set is used instead of fetching again.
   */
  private load(stale?: Loaded): Promise<Loaded> {
    if (this.loaded && stale && this.loaded !== stale) {
      return Promise.resolve(this.loaded);
    }
    this.loading ??= this.fetchKeys().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async fetchKeys(): Promise<Loaded> {
    const response = await fetchJson(
      this.http,
      this.jwksUri,
      { headers: { accept: 'application/json' } },
      { name: 'JWKS', reason: 'jwks-failed' },
    );
    if (!response.ok || !Array.isArray(response.json?.keys)) {
      throw new OidcLoginError(
        'jwks-failed',
        `JWKS ${response.ok ? 'is not a JWK set' : `answered HTTP ${response.status}`} (${this.jwksUri})`,
      );
    }
    const keys: jose.JWK.Key[] = [];
    for (const jwk of response.json.keys as unknown[]) {
      const key = await publicSignatureKey(jwk);
      if (key) keys.push(key);
    }
    this.loaded = { keys, at: this.now() };
    return this.loaded;
  }
}

/** A key the set may hold; anything unusable (unknown kty, bad numbers, symmetric) is skipped, not fatal. */
async function publicSignatureKey(jwk: unknown): Promise<jose.JWK.Key | undefined> {
  if (typeof jwk !== 'object' || jwk === null) return undefined;
  const { kty, use, crv } = jwk as { kty?: unknown; use?: unknown; crv?: unknown };
  if (use !== undefined && use !== 'sig') return undefined;
  if (!(kty === 'RSA' || (kty === 'EC' && crv === 'P-256'))) return undefined;
  try {
    const key = await jose.JWK.asKey(jwk as object);
    return kty === 'RSA' && key.length < 2048 ? undefined : key;
  } catch {
    return undefined;
  }
}

function fits(key: jose.JWK.Key, header: { alg: AllowedAlgorithm; kid?: string }): boolean {
  if (header.kid !== undefined && key.kid !== header.kid) return false;
  if (key.alg && key.alg !== header.alg) return false;
  return header.alg === 'RS256' ? key.kty === 'RSA' : key.kty === 'EC';
}
