// Bearer tokens on the FHIR API: a presented token must be the hub's, unexpired, and still standing (its grant
// not revoked, its Consent active, the token not revoked), or the request is refused with 401 and an RFC 6750
// challenge. A valid token becomes the request's Principal. Requests without a token are still let through until
// consent layer 2 switches authentication on for every route (with the bootstrap admin client); that is the one
// gap of this layer and is named in consent/README.md.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../server/errors.js';
import type { HubKeys } from './keys/hub-keys.js';
import type { OAuthStore } from './oauth/oauth-store.js';
import { standing } from './oauth/token-routes.js';
import type { Principal } from './principal.js';
import { verifyAccessToken } from './tokens/access-token.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface Authenticator {
  keys: HubKeys;
  store: OAuthStore;
  issuer: string;
  now: () => Date;
}

export class AuthenticationError extends Error {
  constructor(
    readonly oauthError: 'invalid_token' | 'invalid_request',
    message: string
  ) {
    super(message);
  }
}

/** The Principal of a request, undefined without a token; throws AuthenticationError for a bad one. */
export async function authenticate(auth: Authenticator, request: FastifyRequest): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  if (header === undefined) {
    return undefined;
  }
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header);
  if (!match) {
    throw new AuthenticationError('invalid_request', 'The Authorization header must be "Bearer <access token>"');
  }
  let principal: Principal;
  try {
    ({ principal } = await verifyAccessToken(auth.keys, match[1], { issuer: auth.issuer, audience: auth.issuer, now: auth.now().getTime() }));
  } catch (err) {
    request.log.warn({ reason: (err as { reason?: string }).reason ?? 'invalid' }, 'access token refused');
    throw new AuthenticationError('invalid_token', 'The access token is not valid');
  }
  const { stands, readOnly } = await standing(auth, principal);
  if (!stands) {
    request.log.warn({ clientId: principal.clientId, tokenId: principal.tokenId }, 'access token refused: revoked or consent withdrawn');
    throw new AuthenticationError('invalid_token', 'The access token was revoked or its consent withdrawn');
  }
  return readOnly ? { ...principal, readOnly } : principal;
}

export function challenge(reply: FastifyReply, error: AuthenticationError): FastifyReply {
  return reply.header('www-authenticate', `Bearer realm="zorghub", error="${error.oauthError}", error_description="${error.message}"`);
}

/**
 * authenticate() for route handlers: a refused token becomes HUB_ERR_AUTH_INVALID_TOKEN (401), with the RFC 6750
 * challenge on the reply when there is one. The FHIR plugin, the admin API and the delegation endpoint all use it.
 */
export async function authenticateOrThrow(auth: Authenticator, request: FastifyRequest, reply?: FastifyReply): Promise<Principal | undefined> {
  try {
    return await authenticate(auth, request);
  } catch (err) {
    if (err instanceof AuthenticationError) {
      if (reply) {
        challenge(reply, err);
      }
      throw errors.invalidToken(err.message);
    }
    throw err;
  }
}
