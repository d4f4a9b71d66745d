// The admin API of the client registry, as an encapsulated fastify plugin (its parsers, hook and error handler
// apply to these routes only):
//   GET    /admin/clients                   -> { clients: StoredClient[] }
//   GET    /admin/clients/:clientId         -> StoredClient, or 404
//   PUT    /admin/clients/:clientId         application/json: a RegisteredClient, plus an optional `secret` (stored
//                                          hashed, never returned) -> 201 (added, with Location) or 200, StoredClient
//   DELETE /admin/clients/:clientId         -> 204, or 404
//   POST   /admin/clients/:clientId/$token  optional application/json { scope }: a short-lived access token for
//                                          an active system client (npm run token) -> { access_token, ... }
//   POST   /admin/clients/$import-medmij    application/xml or text/xml: the MedMij OAuth client list
//                                          -> MedmijImportReport (medmij-client-list.ts)
// `authorize` runs first on every request (onRequest: before the body is read) and throws when the caller is not an
// admin; a HubError it throws with status 401 or 403 is answered as it is (e.g. HUB_ERR_AUTH_INVALID_TOKEN with its
// challenge), anything else it throws becomes 403 HUB_ERR_REGISTRY_FORBIDDEN. Successes are JSON; errors are
// OperationOutcomes. No answer ever holds a secret or its hash.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorInfo, errors, type HubError } from '../../server/errors.js';
import { outcome, outcomeForError } from '../../server/fhir/outcome.js';
import { toHubError } from '../../server/fhir/error-handler.js';
import { invalidClient, type ClientRegistry } from './client-registry.js';
import { importMedmijClientList, parseMedmijClientList, type MedmijImportOptions } from './medmij-client-list.js';
import type { RegisteredClient } from './registered-client.js';

export interface AdminClientRoutesOptions {
  registry: ClientRegistry;
  /** Resolves when the caller is an admin; throws otherwise. */
  authorize: (request: FastifyRequest) => Promise<void>;
  /** How clients imported from the MedMij list are registered (redirect URI template, data services). */
  medmij?: MedmijImportOptions;
  /** Largest body accepted, in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Issues an access token for a system client (token-routes.ts issueSystemToken); without it, no $token route. */
  issueToken?: (client: RegisteredClient, scope: string | undefined) => Promise<object>;
}

const JSON_TYPE = 'application/json';
const XML_TYPES = ['application/xml', 'text/xml'];

export async function adminClientRoutes(app: FastifyInstance, options: AdminClientRoutesOptions): Promise<void> {
  const { registry } = options;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPE, { parseAs: 'string', bodyLimit }, app.getDefaultJsonParser('error', 'error'));
  app.addContentTypeParser(XML_TYPES, { parseAs: 'string', bodyLimit }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async (request) => {
    try {
      await options.authorize(request);
    } catch (error) {
      throw refusal(error, request);
    }
  });

  app.setErrorHandler((error: FastifyError | HubError, request, reply) => {
    const hub =
      error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? errors.registryUnsupportedMediaType(mediaType(request), expectedType(request))
        : toHubError(error, request, bodyLimit);
    const status = typeof hub.statusCode === 'number' && hub.statusCode >= 400 ? hub.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'unhandled error');
      return sendOutcome(
        reply,
        500,
        outcome([
          {
            severity: 'fatal',
            code: 'exception',
            diagnostics: `Internal server error; quote request id ${request.id}`,
          },
        ]),
      );
    }
    request.log.info({ code: hub.code, status }, 'request refused');
    return sendOutcome(reply, status, outcomeForError(hub));
  });

  app.get('/admin/clients', async () => ({ clients: await registry.list() }));

  app.get<{ Params: { clientId: string } }>('/admin/clients/:clientId', async (request) => {
    const client = await registry.get(request.params.clientId);
    if (!client) {
      throw errors.registryUnknownClient(request.params.clientId);
    }
    return client;
  });

  app.put<{ Params: { clientId: string } }>('/admin/clients/:clientId', async (request, reply) => {
    const { clientId } = request.params;
    if (mediaType(request) !== JSON_TYPE) {
      throw errors.registryUnsupportedMediaType(mediaType(request), JSON_TYPE);
    }
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw invalidClient(clientId, [{ path: '', message: 'the body is the client, as a JSON object' }]);
    }
    // The read-only fields of a GET answer may come back in a PUT of that answer: they are ignored.
    const {
      secret,
      hasSecret: _hasSecret,
      createdAt: _createdAt,
      updatedAt: _updatedAt,
      ...fields
    } = body as Record<string, unknown>;
    if (fields.clientId !== undefined && fields.clientId !== clientId) {
      throw errors.registryClientIdMismatch(String(fields.clientId), clientId);
    }
    if (secret !== undefined && typeof secret !== 'string') {
      throw invalidClient(clientId, [{ path: 'secret', message: 'secret is a string' }]);
    }
    const { client, outcome: result } = await registry.put(
      { ...fields, clientId } as unknown as RegisteredClient,
      secret !== undefined ? { secret } : {},
    );
    request.log.info({ clientId, outcome: result, secretGiven: secret !== undefined }, 'OAuth client written');
    if (result === 'added') {
      reply.status(201).header('location', `/admin/clients/${encodeURIComponent(clientId)}`);
    }
    return client;
  });

  app.delete<{ Params: { clientId: string } }>('/admin/clients/:clientId', async (request, reply) => {
    if (!(await registry.delete(request.params.clientId))) {
      throw errors.registryUnknownClient(request.params.clientId);
    }
    request.log.info({ clientId: request.params.clientId }, 'OAuth client deleted');
    return reply.status(204).send();
  });

  const issueToken = options.issueToken;
  if (issueToken) {
    app.post<{ Params: { clientId: string } }>('/admin/clients/:clientId/$token', async (request, reply) => {
      const { clientId } = request.params;
      const client = await registry.get(clientId);
      if (!client) {
        throw errors.registryUnknownClient(clientId);
      }
      if (client.kind !== 'system' || !client.active) {
        throw errors.registryNoTokenForClient(
          clientId,
          client.active ? "a PGO gets tokens only through a person's consent" : 'the client is inactive',
        );
      }
      const scope = (request.body as { scope?: unknown } | undefined)?.scope;
      if (scope !== undefined && typeof scope !== 'string') {
        throw errors.registryNoTokenForClient(clientId, 'scope is a space-separated string');
      }
      try {
        const issued = await issueToken(client, scope);
        request.log.info({ clientId }, 'access token issued through the admin API');
        return reply.header('cache-control', 'no-store').send(issued);
      } catch (error) {
        throw errors.registryNoTokenForClient(clientId, (error as Error).message);
      }
    });
  }

  app.post('/admin/clients/$import-medmij', async (request) => {
    if (!XML_TYPES.includes(mediaType(request))) {
      throw errors.registryUnsupportedMediaType(mediaType(request), XML_TYPES.join(' or '));
    }
    const list = parseMedmijClientList(String(request.body ?? ''));
    const report = await importMedmijClientList(registry, list, options.medmij);
    const { volgnummer, added, updated, unchanged, skipped } = report;
    request.log.info({ volgnummer, added, updated, unchanged, skipped }, 'MedMij OAuth client list imported');
    return report;
  });
}

/** What the caller is told when authorize throws: its own 401/403 HubError as is, else 403. */
function refusal(error: unknown, request: FastifyRequest): HubError {
  const hub = error as HubError;
  const status = errorInfo(hub?.code)?.status;
  if (status === 401 || status === 403) {
    return hub;
  }
  if (hub?.statusCode === 401) {
    return errors.invalidToken('Managing OAuth clients needs an authenticated admin; send a valid access token');
  }
  if (typeof hub?.statusCode !== 'number') {
    // Not a refusal the check meant to make (a bug, an outage): refuse all the same, and leave a trace.
    request.log.warn({ err: error }, 'admin check failed; refused');
  }
  return errors.registryForbidden();
}

function sendOutcome(reply: FastifyReply, status: number, body: unknown) {
  if (status === 401 && !reply.hasHeader('www-authenticate')) {
    reply.header('www-authenticate', 'Bearer');
  }
  return reply.status(status).type('application/fhir+json; charset=utf-8').send(body);
}

function mediaType(request: FastifyRequest): string {
  return String(request.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

function expectedType(request: FastifyRequest): string {
  return request.url.includes('$import-medmij') ? XML_TYPES.join(' or ') : JSON_TYPE;
}
