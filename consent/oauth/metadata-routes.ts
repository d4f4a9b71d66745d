// Public on purpose (no authentication): the hub's keys, what its authorization server supports, and its data
// services. Each document says only what the hub really does.
import type { FastifyInstance } from 'fastify';
import { DATA_SERVICES } from '../data-services.js';
import { escapeHtml } from './html.js';
import type { OAuthContext } from './oauth-context.js';

export async function metadataRoutes(app: FastifyInstance, ctx: OAuthContext): Promise<void> {
  app.get('/.well-known/jwks.json', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(ctx.keys.jwks()),
  );

  const metadata = () => ({
    issuer: ctx.issuer,
    authorization_endpoint: `${ctx.issuer}/oauth/authorize`,
    token_endpoint: `${ctx.issuer}/oauth/token`,
    revocation_endpoint: `${ctx.issuer}/oauth/revoke`,
    introspection_endpoint: `${ctx.issuer}/oauth/introspect`,
    jwks_uri: `${ctx.issuer}/.well-known/jwks.json`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'none'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'ES256', 'ES384'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: DATA_SERVICES.map((s) => `${ctx.providerName}~${s.id}`),
  });

  // The hub issues no id_tokens: the OpenID document is the authorization server metadata (RFC 8414) under the
  // name clients look for, without subject types or claims it would not honour.
  app.get('/.well-known/openid-configuration', async (_request, reply) => reply.send(metadata()));
  app.get('/.well-known/oauth-authorization-server', async (_request, reply) => reply.send(metadata()));
  app.get('/.well-known/smart-configuration', async (_request, reply) =>
    reply.send({
      ...metadata(),
      capabilities: ['launch-standalone', 'client-public', 'client-confidential-asymmetric', 'permission-offline'],
    }),
  );

  app.get('/oauth/data-services', async (_request, reply) =>
    reply.send({
      provider: ctx.providerName,
      dataServices: DATA_SERVICES.map((s) => ({
        id: s.id,
        scope: `${ctx.providerName}~${s.id}`,
        name: s.name,
        description: s.description,
        resourceTypes: s.resourceTypes,
        interactions: s.interactions,
      })),
    }),
  );

  // In the spirit of MedMij's published lists: one element per data service, Dutch names.
  app.get('/oauth/data-services.xml', async (_request, reply) => {
    const items = DATA_SERVICES.map(
      (s) => `    <Gegevensdienst>
      <GegevensdienstId>${escapeHtml(s.id)}</GegevensdienstId>
      <Scope>${escapeHtml(`${ctx.providerName}~${s.id}`)}</Scope>
      <Weergavenaam>${escapeHtml(s.name.nl)}</Weergavenaam>
${s.resourceTypes.map((t) => `      <Resource>${t}</Resource>`).join('\n')}
    </Gegevensdienst>`,
    ).join('\n');
    return reply.type('application/xml; charset=utf-8').send(`<?xml version="1.0" encoding="UTF-8"?>
<Gegevensdienstenlijst xmlns="urn:zorghub:gegevensdienstenlijst:1">
  <Zorgaanbieder>${escapeHtml(ctx.providerName)}</Zorgaanbieder>
  <Gegevensdiensten>
${items}
  </Gegevensdiensten>
</Gegevensdienstenlijst>
`);
  });
}
