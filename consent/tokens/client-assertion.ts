// private_key_jwt client authentication (RFC 7523 2.2 and 3, as SMART Backend Services profiles it): the client
// signs a short-lived JWT with a key it registered, the hub checks it against that key only. Asymmetric algorithms
// only (RS256, RS384, ES256, ES384): never none, never HS* (a shared secret would be the client's public key). The
// checks run cheapest first, the jti is recorded last, so only an assertion that passed everything uses it up.
import type { JsonWebKey } from 'node:crypto';
import jose from 'node-jose';
import { type CompactJws, decodeCompactJws, type JwsHeader } from '../keys/compact-jws.js';
import type { TokenError } from '../keys/token-error.js';
import { JwksFetchError, sharedJwksCache, type JwksCache } from './client-jwks.js';
import { epochSeconds, type Instant } from './instant.js';
import type { ReplayCache } from './replay-cache.js';

export { MemoryReplayCache, type ReplayCache } from './replay-cache.js';

export type ClientAssertionReason =
  | 'malformed'
  | 'unsupported-alg'
  | 'no-client-keys'
  | 'jwks-unavailable'
  | 'unknown-key'
  | 'bad-signature'
  | 'wrong-issuer'
  | 'wrong-subject'
  | 'wrong-audience'
  | 'missing-claim'
  | 'expired'
  | 'lifetime-too-long'
  | 'not-yet-valid'
  | 'replayed';

/** RFC 6749 5.2: a failed client authentication is `invalid_client` (HTTP 401). */
export class ClientAssertionError extends Error {
  override name = 'ClientAssertionError';
  readonly error = 'invalid_client';
  /** Ready for `error_description`: only the characters RFC 6749 allows there (no `"` or `\`). */
  readonly description: string;

  constructor(
    readonly reason: ClientAssertionReason,
    description: string,
    options?: { cause?: unknown },
  ) {
    const safe = description.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '?');
    super(safe, options);
    this.description = safe;
  }
}

export interface VerifyClientAssertionOptions {
  /** The client as registered; the assertion's iss and sub must both be this. */
  clientId: string;
  /** The token endpoint's URL, which the assertion's aud must name. */
  tokenEndpoint: string;
  /** The client's registered public keys; used instead of jwksUri when both are given. */
  jwks?: { keys: readonly object[] };
  jwksUri?: string;
  now: Instant;
  replay: ReplayCache;
  clockSkewSeconds?: number;
  /** Default: one cache for the process. */
  jwksCache?: JwksCache;
}

export interface ClientAssertionClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  jti: string;
  iat?: number;
  nbf?: number;
  [name: string]: unknown;
}

const CLIENT_ASSERTION_ALGS = ['RS256', 'RS384', 'ES256', 'ES384'] as const;
type AssertionAlg = (typeof CLIENT_ASSERTION_ALGS)[number];

/** SMART Backend Services: exp at most five minutes ahead. */
const MAX_LIFETIME_SECONDS = 300;
/** When a kid is missing from a fetched set, fetch again, but not more often than this (a rotation at the client). */
const KID_MISS_REFETCH_MS = 60_000;
const MIN_RSA_BITS = 2048;

export async function verifyClientAssertion(
  assertion: string,
  options: VerifyClientAssertionOptions,
): Promise<{ header: JwsHeader; claims: ClientAssertionClaims }> {
  let decoded: CompactJws;
  try {
    decoded = decodeCompactJws(assertion);
  } catch (err) {
    throw new ClientAssertionError(
      'malformed',
      `client_assertion is not a signed JWT (${(err as TokenError).message})`,
    );
  }
  const { header, payload } = decoded;
  const alg = header.alg as AssertionAlg;
  if (!CLIENT_ASSERTION_ALGS.includes(alg)) {
    throw new ClientAssertionError(
      'unsupported-alg',
      `client_assertion must be signed with ${CLIENT_ASSERTION_ALGS.join(', ')}`,
    );
  }
  if (!header.kid) {
    throw new ClientAssertionError('unknown-key', 'client_assertion needs a kid header naming a key of the client');
  }
  if (!decoded.signature) {
    throw new ClientAssertionError('bad-signature', 'client_assertion has no signature');
  }
  const jwk = await clientKey(header.kid, alg, options);
  await checkSignature(assertion, jwk, alg);

  const claims = payload as ClientAssertionClaims;
  if (claims.iss !== options.clientId) {
    throw new ClientAssertionError('wrong-issuer', `iss must be the client id ${options.clientId}`);
  }
  if (claims.sub !== options.clientId) {
    throw new ClientAssertionError('wrong-subject', `sub must be the client id ${options.clientId}, like iss`);
  }
  const aud = claims.aud;
  if (!(aud === options.tokenEndpoint || (Array.isArray(aud) && aud.includes(options.tokenEndpoint)))) {
    throw new ClientAssertionError('wrong-audience', `aud must be the token endpoint ${options.tokenEndpoint}`);
  }
  if (!Number.isFinite(claims.exp)) {
    throw new ClientAssertionError('missing-claim', 'exp is required');
  }
  if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > 255) {
    throw new ClientAssertionError('missing-claim', 'jti is required (a unique string of at most 255 characters)');
  }
  const now = epochSeconds(options.now);
  const skew = options.clockSkewSeconds ?? 30;
  if (now - skew >= claims.exp) {
    throw new ClientAssertionError('expired', 'client_assertion has expired');
  }
  if (claims.exp > now + MAX_LIFETIME_SECONDS + skew) {
    throw new ClientAssertionError(
      'lifetime-too-long',
      `exp must be at most ${MAX_LIFETIME_SECONDS} seconds in the future`,
    );
  }
  for (const name of ['nbf', 'iat'] as const) {
    const value = claims[name];
    if (value !== undefined && (!Number.isFinite(value) || value > now + skew)) {
      throw new ClientAssertionError('not-yet-valid', `${name} lies in the future`);
    }
  }
  // Scoped by client: one client's jti values cannot use up another's.
  if (await options.replay.seen(JSON.stringify([options.clientId, claims.jti]), claims.exp + skew)) {
    throw new ClientAssertionError('replayed', 'this client_assertion (its jti) was used before');
  }
  return { header, claims };
}

/** The client's key named `kid` that can verify `alg`, from the registered set or the registered jwks_uri. */
async function clientKey(kid: string, alg: AssertionAlg, options: VerifyClientAssertionOptions): Promise<JsonWebKey> {
  if (options.jwks) {
    return pick(options.jwks.keys as JsonWebKey[], kid, alg);
  }
  if (!options.jwksUri) {
    throw new ClientAssertionError('no-client-keys', 'the client has no registered keys (jwks or jwks_uri)');
  }
  const cache = options.jwksCache ?? sharedJwksCache;
  const fetched = async (maxAgeMs?: number) => {
    try {
      return (await cache.get(options.jwksUri!, { maxAgeMs })).keys;
    } catch (err) {
      const cause = err instanceof JwksFetchError ? err : new JwksFetchError(String(err));
      throw new ClientAssertionError(
        'jwks-unavailable',
        'the client keys could not be fetched from its registered jwks_uri',
        { cause },
      );
    }
  };
  const keys = await fetched();
  return keys.some((key) => key.kid === kid)
    ? pick(keys, kid, alg)
    : pick(await fetched(KID_MISS_REFETCH_MS), kid, alg);
}

function pick(keys: readonly JsonWebKey[], kid: string, alg: AssertionAlg): JsonWebKey {
  const named = Array.isArray(keys) ? keys.filter((key) => key && key.kid === kid) : [];
  if (named.length === 0) {
    throw new ClientAssertionError('unknown-key', `kid ${kid.slice(0, 80)} is not a key of the client`);
  }
  const usable = named.find((key) => fits(key, alg));
  if (!usable) {
    throw new ClientAssertionError('unsupported-alg', `the client key ${kid.slice(0, 80)} is not a ${alg} signing key`);
  }
  return usable;
}

function fits(key: JsonWebKey, alg: AssertionAlg): boolean {
  if ((key.alg !== undefined && key.alg !== alg) || (key.use !== undefined && key.use !== 'sig')) {
    return false;
  }
  if (Array.isArray(key.key_ops) && !key.key_ops.includes('verify')) {
    return false;
  }
  if (alg.startsWith('RS')) {
    return key.kty === 'RSA' && typeof key.n === 'string' && typeof key.e === 'string';
  }
  const curve = alg === 'ES256' ? 'P-256' : 'P-384';
  return key.kty === 'EC' && key.crv === curve && typeof key.x === 'string' && typeof key.y === 'string';
}

async function checkSignature(assertion: string, jwk: JsonWebKey, alg: AssertionAlg): Promise<void> {
  // Only the public members go into node-jose, whatever else the registered JWK holds.
  const members =
    jwk.kty === 'RSA' ? { kty: 'RSA', n: jwk.n, e: jwk.e } : { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
  let key: jose.JWK.Key;
  try {
    key = await jose.JWK.asKey({ ...members, kid: jwk.kid, alg, use: 'sig' });
  } catch (err) {
    throw new ClientAssertionError('unknown-key', 'the registered client key is not a valid JWK', { cause: err });
  }
  if (key.kty === 'RSA' && key.length < MIN_RSA_BITS) {
    throw new ClientAssertionError('unsupported-alg', `client RSA keys must have at least ${MIN_RSA_BITS} bits`);
  }
  const store = jose.JWK.createKeyStore();
  await store.add(key);
  try {
    await jose.JWS.createVerify(store, { algorithms: [alg], allowEmbeddedKey: false }).verify(assertion);
  } catch {
    throw new ClientAssertionError(
      'bad-signature',
      'the client_assertion signature does not verify with the client key',
    );
  }
}
