// POST /oauth/delegations: a client, through his PGO's token, authorises one of his RelatedPersons to act for him
// (data services, read or also correct, until an optional end). Answers the delegation Consent; withdrawing it
// (status inactive through the FHIR API) ends the delegation and every token the delegate was given under it.
import type { FastifyInstance } from 'fastify';
import { errorInfo, errors, type HubError } from '../../server/errors.js';
import { outcomeForError } from '../../server/fhir/outcome.js';
import { authenticateOrThrow } from '../authenticate.js';
import { recordDelegation } from './delegation.js';
import type { OAuthContext } from './oauth-context.js';

export async function delegationRoutes(app: FastifyInstance, ctx: OAuthContext): Promise<void> {
  app.post('/oauth/delegations', async (request, reply) => {
    try {
      const principal = await authenticateOrThrow(ctx, request, reply);
      if (principal?.kind !== 'person') {
        throw principal
          ? errors.insufficientScope('Only the client himself can authorise someone to act for him')
          : errors.invalidToken('A delegation needs the access token of the client');
      }
      const consent = await recordDelegation(ctx.repository, principal.patient!, request.body, ctx.now());
      request.log.info({ consent: consent.id }, 'delegation recorded');
      return reply
        .status(201)
        .header('location', `${ctx.issuer}/Consent/${consent.id}`)
        .type('application/fhir+json')
        .send(consent);
    } catch (err) {
      const hub = err as HubError;
      if (errorInfo(hub.code)) {
        return reply.status(hub.statusCode).type('application/fhir+json').send(outcomeForError(hub));
      }
      throw err;
    }
  });
}
