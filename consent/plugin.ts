// The authorization server as a fastify plugin: the OAuth endpoints, the public metadata, and the client
// registry's admin API, around one OAuthContext. Register it encapsulated (not with fastify-plugin), so its
// form-body parser does not meet the FHIR plugin's own.
import type { FastifyInstance } from 'fastify';
import { errors } from '../server/errors.js';
import { authorizeRoutes } from './oauth/authorize-routes.js';
import { delegationRoutes } from './oauth/delegation-routes.js';
import { metadataRoutes } from './oauth/metadata-routes.js';
import type { OAuthContext } from './oauth/oauth-context.js';
import { tokenRoutes } from './oauth/token-routes.js';

export async function consentRoutes(app: FastifyInstance, ctx: OAuthContext): Promise<void> {
  // OAuth requests are application/x-www-form-urlencoded; a parameter sent twice is refused (RFC 6749 3.1).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const form: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(body as string)) {
      if (key in form) {
        done(errors.badParameter(`parameter ${key} is sent more than once`), undefined);
        return;
      }
      form[key] = value;
    }
    done(null, form);
  });
  await app.register(async (scoped) => authorizeRoutes(scoped, ctx));
  await app.register(async (scoped) => tokenRoutes(scoped, ctx));
  await app.register(async (scoped) => delegationRoutes(scoped, ctx));
  await app.register(async (scoped) => metadataRoutes(scoped, ctx));
}
