// POST /oauth/token, /oauth/revoke and /oauth/introspect. Grants: authorization_code (PKCE verified, the code used
// once; a replay revokes what it issued), refresh_token (rotating, and only while the grant stands as its access
// tokens must: reuse revokes the grant, a withdrawn Consent or six months idle end it; no scope beyond the grant)
// and client_credentials for system clients (private_key_jwt). Every refusal is an RFC 6749 error body, an audit
// record and a log line without secrets.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../server/contracts/principal.js';
import { issueAccessToken, verifyAccessToken } from '../tokens/access-token.js';
import { newSecret } from '../tokens/opaque.js';
import { authenticateClient, OAuthError } from './client-auth.js';
import type { OAuthContext } from './oauth-context.js';
import type { Grant, Standing } from './oauth-store.js';
import { parseScope } from './scope.js';
import type { RegisteredClient } from '../registry/registered-client.js';

const ACCESS_TOKEN_SECONDS = 900;

type Form = Record<string, string | undefined>;

export async function tokenRoutes(app: FastifyInstance, ctx: OAuthContext): Promise<void> {
  app.post('/oauth/token', async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    request.log.info(
      {
        grantType: form.grant_type,
        medmijRequestId: request.headers['medmij-request-id'],
        correlationId: request.headers['x-correlation-id'],
      },
      'token request',
    );
    let clientId: string | undefined;
    let organization: RegisteredClient['organization'];
    const recorded = (error?: string, patient?: string) =>
      ctx.audit?.event({
        event: 'token',
        clientId,
        organization,
        patient,
        grantType: form.grant_type,
        error,
        address: request.ip,
        recorded: ctx.now(),
      });
    try {
      const client = await authenticateClient(request, form, ctx);
      clientId = client.clientId;
      organization = client.organization;
      let body: { patient?: string; access_token: string };
      switch (form.grant_type) {
        case 'authorization_code':
          body = await authorizationCode(form, client.clientId, ctx);
          break;
        case 'refresh_token':
          body = await refresh(form, client.clientId, ctx);
          break;
        case 'client_credentials':
          if (client.kind !== 'system') {
            throw new OAuthError('unauthorized_client', 'client_credentials is for system clients');
          }
          body = await systemToken(form, client, ctx);
          break;
        default:
          throw new OAuthError('unsupported_grant_type', `grant_type ${form.grant_type ?? '(none)'} is not supported`);
      }
      await recorded(undefined, body.patient ? `Patient/${body.patient}` : undefined);
      return send(reply, body);
    } catch (err) {
      if (err instanceof OAuthError) {
        await recorded(err.error, err.patient);
      }
      return oauthError(request, reply, err);
    }
  });

  app.post('/oauth/revoke', async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const client = await authenticateClient(request, form, ctx);
      if (!form.token) {
        throw new OAuthError('invalid_request', 'token is required');
      }
      const now = ctx.now();
      if (!(await ctx.store.revokeRefreshToken(form.token, client.clientId, now))) {
        const access = await verifyAccessToken(ctx.keys, form.token, {
          issuer: ctx.issuer,
          audience: ctx.issuer,
          now: now.getTime(),
        }).catch(() => undefined);
        if (access && access.claims.client_id === client.clientId) {
          await ctx.store.revokeAccessToken(access.claims.jti, new Date(access.claims.exp * 1000));
        }
      }
      // RFC 7009: the answer is the same whether or not the token was known.
      return reply.status(200).header('cache-control', 'no-store').send({});
    } catch (err) {
      return oauthError(request, reply, err);
    }
  });

  app.post('/oauth/introspect', async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const client = await authenticateClient(request, form, ctx);
      if (client.kind !== 'system') {
        throw new OAuthError('unauthorized_client', 'introspection is for resource servers (system clients)');
      }
      const verified = await verifyAccessToken(ctx.keys, form.token ?? '', {
        issuer: ctx.issuer,
        audience: ctx.issuer,
        now: ctx.now().getTime(),
      }).catch(() => undefined);
      if (!verified || !(await standing(ctx, verified.principal)).stands) {
        return reply.header('cache-control', 'no-store').send({ active: false });
      }
      const { claims } = verified;
      return reply.header('cache-control', 'no-store').send({ active: true, ...claims, token_type: 'Bearer' });
    } catch (err) {
      return oauthError(request, reply, err);
    }
  });
}

/**
 * Whether a verified token still stands: grant and Consent(s) for person and delegate tokens, the revocation list
 * for all; and whether its grant is read-only (a delegation without "correct").
 */
export async function standing(ctx: Pick<OAuthContext, 'store'>, principal: Principal): Promise<Standing> {
  if (principal.consent) {
    return ctx.store.tokenStands(principal.consent.replace(/^Consent\//, ''), principal.tokenId);
  }
  return { stands: !(await ctx.store.tokenRevoked(principal.tokenId)), readOnly: false };
}

async function authorizationCode(form: Form, clientId: string, ctx: OAuthContext) {
  if (!form.code || !form.redirect_uri) {
    throw new OAuthError('invalid_request', 'code and redirect_uri are required');
  }
  const now = ctx.now();
  const redeemed = await ctx.store.redeemCode(form.code, now);
  if (redeemed.status === 'replayed') {
    throw new OAuthError(
      'invalid_grant',
      'the authorization code was already used; the tokens issued from it are revoked',
    );
  }
  if (redeemed.status !== 'ok') {
    throw new OAuthError('invalid_grant', `the authorization code is ${redeemed.status}`);
  }
  if (redeemed.clientId !== clientId) {
    throw new OAuthError('invalid_grant', 'the authorization code was issued to another client');
  }
  if (redeemed.redirectUri !== form.redirect_uri) {
    throw new OAuthError('invalid_grant', 'redirect_uri differs from the one in the authorization request');
  }
  if (redeemed.codeChallenge) {
    const verifier = form.code_verifier ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || challenge !== redeemed.codeChallenge) {
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
    }
  }
  return tokensFor(redeemed.grant, redeemed.grant.scope, ctx, !redeemed.grant.once);
}

async function refresh(form: Form, clientId: string, ctx: OAuthContext) {
  if (!form.refresh_token) {
    throw new OAuthError('invalid_request', 'refresh_token is required');
  }
  // A refresh may narrow the scope, never widen it (RFC 6749 6); an attempt to widen it leaves the token unused.
  const asked = form.scope?.split(' ').filter(Boolean);
  const next = newSecret();
  const rotated = await ctx.store.rotateRefreshToken(
    form.refresh_token,
    next,
    ctx.now(),
    clientId,
    (granted) => !asked || asked.every((s) => granted.split(' ').includes(s)),
  );
  // The audit record of a refusal names the grant's patient when the token was the client's own.
  const patient = 'patient' in rotated ? rotated.patient : undefined;
  if (rotated.status === 'scope') {
    throw new OAuthError('invalid_scope', 'the requested scope goes beyond the grant', undefined, patient);
  }
  if (rotated.status !== 'ok') {
    const why = {
      unknown: 'is not known',
      lapsed: 'lapsed after six months without use; the grant has ended',
      reused: 'was already used; the grant is revoked',
      revoked: 'belongs to a revoked grant',
      withdrawn: 'belongs to a consent that was withdrawn; the grant has ended',
      'other-client': 'was issued to another client',
    }[rotated.status];
    throw new OAuthError('invalid_grant', `the refresh token ${why}`, undefined, patient);
  }
  const scope = asked ? asked.join(' ') : rotated.scope;
  return tokensFor(rotated.grant, scope, ctx, false, next);
}

async function tokensFor(
  grant: Grant,
  scope: string,
  ctx: OAuthContext,
  withRefresh: boolean,
  rotatedRefresh?: string,
) {
  const now = ctx.now();
  const dataServices = parseScope(scope, ctx.providerName).dataServices;
  const { token } = await issueAccessToken(ctx.keys, {
    issuer: ctx.issuer,
    audience: ctx.issuer,
    lifetimeSeconds: ACCESS_TOKEN_SECONDS,
    now: now.getTime(),
    principal: {
      kind: grant.actor ? 'delegate' : 'person',
      clientId: grant.clientId,
      patient: grant.patient,
      actor: grant.actor,
      dataServices,
      consent: `Consent/${grant.consentId}`,
    },
    scope,
  });
  let refreshToken = rotatedRefresh;
  if (withRefresh) {
    const fresh: string = newSecret();
    await ctx.store.issueRefreshToken(fresh, grant.consentId, grant.clientId, grant.scope, now);
    refreshToken = fresh;
  }
  return {
    access_token: token,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_SECONDS,
    scope,
    patient: grant.patient.replace(/^Patient\//, ''),
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  };
}

async function systemToken(form: Form, client: RegisteredClient, ctx: OAuthContext) {
  return issueSystemToken(ctx, client, form.scope);
}

/**
 * An access token for a system client, with the scopes asked for (all it is registered for when none are): the
 * client_credentials grant, and the admin API's token for a registered client (`npm run token`).
 */
export async function issueSystemToken(
  ctx: Pick<OAuthContext, 'keys' | 'issuer' | 'now'>,
  client: RegisteredClient,
  askedScope: string | undefined,
) {
  const asked = (askedScope ?? '').split(' ').filter(Boolean);
  const beyond = asked.filter((s) => !client.dataServices.includes(s));
  if (beyond.length) {
    throw new OAuthError('invalid_scope', `the client is not registered for: ${beyond.join(' ')}`);
  }
  const scope = (asked.length ? asked : client.dataServices).join(' ');
  if (scope === '') {
    throw new OAuthError(
      'invalid_scope',
      'the client is registered for no scopes; register at least one before asking for a token',
    );
  }
  const { token } = await issueAccessToken(ctx.keys, {
    issuer: ctx.issuer,
    audience: ctx.issuer,
    lifetimeSeconds: ACCESS_TOKEN_SECONDS,
    now: ctx.now().getTime(),
    principal: {
      kind: 'system',
      clientId: client.clientId,
      dataServices: scope.split(' ').filter(Boolean),
      role: client.role,
      organization: client.organization,
    },
    scope,
  });
  return { access_token: token, token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS, scope };
}

function send(reply: FastifyReply, body: object) {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);
}

function oauthError(request: FastifyRequest, reply: FastifyReply, err: unknown) {
  if (err instanceof OAuthError) {
    request.log.warn({ error: err.error }, `oauth refused: ${err.description}`);
    if (err.error === 'invalid_client') {
      reply.header('www-authenticate', 'Basic realm="zorghub"');
    }
    return reply
      .status(err.status)
      .header('cache-control', 'no-store')
      .send({ error: err.error, error_description: err.description });
  }
  throw err;
}
