// Why: the id_token is the only proof of who logged in at the provider, so it is verified completely before any
// claim is read (OpenID Connect Core §3.1.3.7): a JWS signed with one of the provider's keys under an algorithm we
// allow (RS256, ES256: never "none", never HS* whose "key" could be the public key), from our issuer, for our
// client, current, and carrying the nonce this login sent (which binds the token to this browser session).
import jose from 'node-jose';
import { OidcLoginError } from './oidc-error.js';
import { parseJsonObject } from './oidc-http.js';
import type { KeySource } from './oidc-jwks.js';

export const ALLOWED_ALGORITHMS = ['RS256', 'ES256'] as const;
export type AllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

/** Tolerated clock difference between us and the provider, on exp, iat and nbf. */
export const CLOCK_SKEW_SECONDS = 30;

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  nonce: string;
  /** Milliseconds since the epoch, as Date.now(). */
  now: number;
}

export interface IdTokenClaims {
  sub: string;
  [claim: string]: unknown;
}

export async function verifyIdToken(
  token: string,
  keys: KeySource,
  expected: IdTokenExpectations,
): Promise<IdTokenClaims> {
  const header = decodeHeader(token);
  const alg = header.alg;
  if (!isAllowed(alg)) {
    throw new OidcLoginError(
      'alg-not-allowed',
      `id_token is signed with ${JSON.stringify(alg)}; allowed: ${ALLOWED_ALGORITHMS.join(', ')}`,
    );
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    throw new OidcLoginError('bad-id-token', 'id_token header has a kid that is not a string');
  }
  const key = await keys.keyFor({ alg, kid: header.kid });
  let payload: Buffer;
  try {
    // One key and one algorithm: node-jose cannot fall back to an embedded key or another algorithm. It also refuses
    // unknown "crit" header parameters.
    const result = await jose.JWS.createVerify(key, { algorithms: [alg], allowEmbeddedKey: false }).verify(token);
    payload = result.payload;
  } catch (err) {
    throw new OidcLoginError(
      'bad-signature',
      `id_token signature does not verify with the provider's key ${JSON.stringify(key.kid)}`,
      { cause: err },
    );
  }
  const claims = parseJsonObject(payload.toString('utf8'));
  if (!claims) {
    throw new OidcLoginError('bad-id-token', 'id_token payload is not a JSON object');
  }
  checkClaims(claims, expected);
  return claims as IdTokenClaims;
}

function checkClaims(claims: Record<string, unknown>, expected: IdTokenExpectations): void {
  if (claims.iss !== expected.issuer) {
    throw new OidcLoginError(
      'wrong-issuer',
      `id_token is issued by ${JSON.stringify(claims.iss)}, expected ${JSON.stringify(expected.issuer)}`,
    );
  }
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  if (!Array.isArray(audiences) || !audiences.every((aud) => typeof aud === 'string')) {
    throw new OidcLoginError('bad-id-token', 'id_token has no aud string or array of strings');
  }
  if (!audiences.includes(expected.clientId)) {
    throw new OidcLoginError('wrong-audience', `id_token is not meant for client ${JSON.stringify(expected.clientId)}`);
  }
  // §3.1.3.7 items 4 and 5: with several audiences, azp says which one the token was issued to.
  if (audiences.length > 1 && claims.azp === undefined) {
    throw new OidcLoginError('wrong-audience', 'id_token has several audiences and no azp');
  }
  if (claims.azp !== undefined && claims.azp !== expected.clientId) {
    throw new OidcLoginError('wrong-audience', `id_token azp is ${JSON.stringify(claims.azp)}, not our client`);
  }
  const now = expected.now / 1000;
  const exp = numericDate(claims, 'exp', true)!;
  if (now >= exp + CLOCK_SKEW_SECONDS) {
    throw new OidcLoginError('expired', `id_token expired at ${isoTime(exp)}`);
  }
  const iat = numericDate(claims, 'iat', true)!;
  if (iat > now + CLOCK_SKEW_SECONDS) {
    throw new OidcLoginError('issued-in-future', `id_token is issued at ${isoTime(iat)}, in the future`);
  }
  const nbf = numericDate(claims, 'nbf', false);
  if (nbf !== undefined && nbf > now + CLOCK_SKEW_SECONDS) {
    throw new OidcLoginError('not-yet-valid', `id_token is not valid before ${isoTime(nbf)}`);
  }
  if (typeof claims.nonce !== 'string' || claims.nonce !== expected.nonce) {
    throw new OidcLoginError(
      'nonce-mismatch',
      claims.nonce === undefined ? 'id_token carries no nonce' : 'id_token carries another nonce than this login sent',
    );
  }
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 255) {
    throw new OidcLoginError('bad-id-token', 'id_token has no sub of 1 to 255 characters');
  }
}

function decodeHeader(token: string): Record<string, unknown> {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || !parts.every((part) => /^[A-Za-z0-9_-]*$/.test(part))) {
    throw new OidcLoginError('bad-id-token', 'id_token is not a compact JWS (three base64url parts)');
  }
  const header = parseJsonObject(Buffer.from(parts[0], 'base64url').toString('utf8'));
  if (!header) {
    throw new OidcLoginError('bad-id-token', 'id_token header is not a JSON object');
  }
  return header;
}

function isAllowed(alg: unknown): alg is AllowedAlgorithm {
  return (ALLOWED_ALGORITHMS as readonly unknown[]).includes(alg);
}

function numericDate(claims: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const value = claims[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new OidcLoginError('bad-id-token', `id_token has no numeric ${name}`);
  }
  return value;
}

function isoTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}
