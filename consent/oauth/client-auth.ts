// Client authentication at the token, revocation and introspection endpoints, by the method the client is
// registered with: client_secret_basic, private_key_jwt (a signed assertion, RFC 7523) or none (a public PGO,
// which must then have used PKCE). A client cannot choose a weaker method than its registration.
import type { FastifyRequest } from 'fastify';
import type { RegisteredClient } from '../registry/client-registry.js';
import { verifyClientAssertion } from '../tokens/client-assertion.js';
import type { OAuthContext } from './oauth-context.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = error === 'invalid_client' ? 401 : 400,
    /** `Patient/<id>` whose grant the refused request concerned, when known: the audit record names him. */
    readonly patient?: string,
  ) {
    super(description);
  }
}

export async function authenticateClient(
  request: FastifyRequest,
  form: Record<string, string | undefined>,
  ctx: OAuthContext,
): Promise<RegisteredClient> {
  const basic = parseBasic(request.headers.authorization);
  if (basic) {
    const client = await activeClient(ctx, basic.clientId);
    if (
      client.tokenEndpointAuthMethod !== 'client_secret_basic' ||
      !(await ctx.registry.verifySecret(client.clientId, basic.secret))
    ) {
      throw new OAuthError('invalid_client', 'client authentication failed');
    }
    return client;
  }
  if (form.client_assertion !== undefined || form.client_assertion_type !== undefined) {
    if (form.client_assertion_type !== JWT_BEARER || !form.client_assertion) {
      throw new OAuthError('invalid_client', `client_assertion_type must be ${JWT_BEARER}`);
    }
    const clientId = form.client_id ?? unverifiedIssuer(form.client_assertion);
    const client = await activeClient(ctx, clientId);
    if (client.tokenEndpointAuthMethod !== 'private_key_jwt') {
      throw new OAuthError('invalid_client', 'the client is not registered for private_key_jwt');
    }
    try {
      await verifyClientAssertion(form.client_assertion, {
        clientId: client.clientId,
        tokenEndpoint: `${ctx.issuer}/oauth/token`,
        jwks: client.jwks as { keys: object[] } | undefined,
        jwksUri: client.jwksUri,
        now: ctx.now().getTime(),
        replay: ctx.replay,
      } as Parameters<typeof verifyClientAssertion>[1]);
    } catch (err) {
      throw new OAuthError(
        'invalid_client',
        `client assertion refused: ${(err as { description?: string }).description ?? (err as Error).message}`,
      );
    }
    return client;
  }
  const client = await activeClient(ctx, form.client_id);
  if (!client.publicClient || client.tokenEndpointAuthMethod !== 'none') {
    throw new OAuthError('invalid_client', 'client authentication is required for this client');
  }
  return client;
}

async function activeClient(ctx: OAuthContext, clientId: string | undefined): Promise<RegisteredClient> {
  const client = clientId ? await ctx.registry.get(clientId) : undefined;
  if (!client?.active) {
    throw new OAuthError('invalid_client', 'unknown or inactive client');
  }
  return client;
}

function parseBasic(header: string | undefined): { clientId: string; secret: string } | undefined {
  if (!header?.toLowerCase().startsWith('basic ')) {
    return undefined;
  }
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    throw new OAuthError('invalid_client', 'malformed Basic credentials');
  }
  // RFC 6749 2.3.1: both parts are form-urlencoded.
  return {
    clientId: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

/** The assertion's iss, read only to find the client whose keys then verify it. */
function unverifiedIssuer(assertion: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}
