// Bearer tokens on every route that is not public on purpose (metadata, JWKS, health, the OAuth endpoints): the
// token must be the hub's, unexpired, and still standing (its grant not revoked, its Consent active, the token not
// revoked), or the request is refused with 401 and an RFC 6750 challenge. No token is a 401 too: authentication
// cannot be switched off (a fresh hub has its bootstrap admin client, consent/bootstrap/). A valid token becomes
// the request's Principal.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../server/errors.js';
import type { ConsentChanges } from './consent-changes.js';
import type { HubKeys } from './keys/hub-keys.js';
import type { OAuthStore } from './oauth/oauth-store.js';
import { standing } from './oauth/token-routes.js';
import type { AccessLog } from '../server/contracts/access.js';
import type { Principal } from '../server/contracts/principal.js';
import { verifyAccessToken } from './tokens/access-token.js';

export interface Authenticator {
  keys: HubKeys;
  store: OAuthStore;
  issuer: string;
  now: () => Date;
  /** The listener the consent layer's caches (token standing, client directives) rest on (consent-changes.ts). */
  changes?: ConsentChanges;
}

export class AuthenticationError extends Error {
  constructor(
    /** undefined: no credentials were sent, and RFC 6750 3.1 wants the challenge without an error code. */
    readonly oauthError: 'invalid_token' | 'invalid_request' | undefined,
    message: string,
    /** A genuine token that no longer stands (consent withdrawn, revoked): whose it was, for the audit record. */
    readonly refusedPrincipal?: Principal,
  ) {
    super(message);
  }
}

/** The principal of a genuine token refused because it no longer stands, carried on the 401 for the audit trail. */
export function refusedPrincipalOf(error: unknown): Principal | undefined {
  return (error as { refusedPrincipal?: Principal } | undefined)?.refusedPrincipal;
}

/** The Principal of a request; throws AuthenticationError for a missing or bad token. */
function authenticate(auth: Authenticator, request: FastifyRequest): Promise<Principal> {
  return authenticateBearer(auth, request.headers.authorization, request.log);
}

/** The Principal of an Authorization header (HTTP-free: the access seam's first step); throws AuthenticationError. */
export async function authenticateBearer(
  auth: Authenticator,
  header: string | undefined,
  log?: Pick<AccessLog, 'warn'>,
): Promise<Principal> {
  if (header === undefined) {
    throw new AuthenticationError(
      undefined,
      'This endpoint needs an access token: send "Authorization: Bearer <access token>" (npm run token prints one)',
    );
  }
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header);
  if (!match) {
    throw new AuthenticationError('invalid_request', 'The Authorization header must be "Bearer <access token>"');
  }
  let principal: Principal;
  try {
    principal = await verified(auth, match[1]);
  } catch (err) {
    log?.warn({ reason: (err as { reason?: string }).reason ?? 'invalid' }, 'access token refused');
    throw new AuthenticationError('invalid_token', 'The access token is not valid');
  }
  const { stands, readOnly, changeable } = await standing(auth, principal);
  if (!stands) {
    log?.warn(
      { clientId: principal.clientId, tokenId: principal.tokenId },
      'access token refused: revoked or consent withdrawn',
    );
    throw new AuthenticationError('invalid_token', 'The access token was revoked or its consent withdrawn', principal);
  }
  if (readOnly) return { ...principal, readOnly };
  // A delegate changes what her delegation names, not all the data services allow a client (decide.ts).
  return changeable ? { ...principal, changeable } : principal;
}

/**
 * A token's signature and claims verify the same way every time until it expires, so a verified token is kept
 * (bounded, oldest first out) and only its expiry is checked again: RS256 verification is most of what
 * authentication costs. Whether it still stands (revocation, withdrawn consent) is asked on every request.
 */
const VERIFIED = new WeakMap<HubKeys, Map<string, { principal: Principal; expiresMs: number }>>();
const VERIFIED_MAX = 10_000;

async function verified(auth: Authenticator, token: string): Promise<Principal> {
  const nowMs = auth.now().getTime();
  // One cache per key set (per hub): a token one hub verified means nothing to another.
  let cache = VERIFIED.get(auth.keys);
  if (!cache) {
    cache = new Map();
    VERIFIED.set(auth.keys, cache);
  }
  const known = cache.get(token);
  if (known && known.expiresMs > nowMs) {
    return known.principal;
  }
  const { principal, claims } = await verifyAccessToken(auth.keys, token, {
    issuer: auth.issuer,
    audience: auth.issuer,
    now: nowMs,
  });
  if (cache.size >= VERIFIED_MAX) {
    cache.delete(cache.keys().next().value!);
  }
  cache.set(token, { principal, expiresMs: claims.exp * 1000 });
  return principal;
}

/** The RFC 6750 WWW-Authenticate value of a refused token. */
export function challengeHeader(error: AuthenticationError): string {
  return error.oauthError
    ? `Bearer realm="zorghub", error="${error.oauthError}", error_description="${error.message}"`
    : 'Bearer realm="zorghub"';
}

/** A refused token as the hub's error: HUB_ERR_AUTH_INVALID_TOKEN (401), still saying whose it was. */
export function refusal(error: AuthenticationError) {
  return Object.assign(
    errors.invalidToken(error.message),
    error.refusedPrincipal ? { refusedPrincipal: error.refusedPrincipal } : {},
  );
}

/**
 * authenticate() for route handlers: a refused token becomes HUB_ERR_AUTH_INVALID_TOKEN (401), with the RFC 6750
 * challenge on the reply when there is one. The delegation endpoint uses it; every other entrance authenticates
 * through the access seam (consent/access/access-seam.ts).
 */
export async function authenticateOrThrow(
  auth: Authenticator,
  request: FastifyRequest,
  reply?: FastifyReply,
): Promise<Principal> {
  try {
    return await authenticate(auth, request);
  } catch (err) {
    if (err instanceof AuthenticationError) {
      reply?.header('www-authenticate', challengeHeader(err));
      throw refusal(err);
    }
    throw err;
  }
}
