// The FHIR REST API as a fastify plugin (encapsulated: its parsers and handlers apply to FHIR routes only).
// It registers one route per row of routes.ts; each route turns the HTTP request into a FhirRequest, runs the
// interaction and renders the FhirResult. Every error becomes an OperationOutcome.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors, type HubError } from '../errors.js';
import type { Repository } from '../storage/repository.js';
import { type Authenticator, authenticateOrThrow } from '../../consent/authenticate.js';
import { PolicyRepository } from '../../consent/policy/policy-repository.js';
import type { Conformance } from './profiles/conformance.js';
import { negotiate, preferHandling, preferReturn } from './format.js';
import { outcome, outcomeForError } from './outcome.js';
import { sendResult } from './reply.js';
import type { FhirRequest, InteractionContext } from './request.js';
import { fhirRoutes } from './routes.js';

export interface FhirPluginOptions {
  /** Bearer tokens (consent/authenticate.ts): every route but the public ones (metadata) needs one. */
  authenticator: Authenticator;
  repository: Repository;
  conformance: Conformance;
  baseUrl: string;
  maxBodyBytes: number;
  maxBundleEntries: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The FHIR interaction a route serves; the consent layer will authorize on it. */
    interaction?: string;
  }
}

const JSON_TYPES = ['application/fhir+json', 'application/json+fhir', 'application/json-patch+json'];

/** Maps fastify's own errors (body parsing, limits, media types) and ours to one HubError. */
export function toHubError(error: FastifyError | HubError, request: FastifyRequest, maxBodyBytes: number): HubError {
  if (typeof error.code === 'string' && error.code.startsWith('HUB_ERR_')) {
    return error as HubError;
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(String(request.headers['content-type'] ?? ''));
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge(maxBodyBytes);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.invalidJson('the body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.invalidJson('Content-Length does not match the body');
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return errors.invalidJson(error.message);
  }
  if ((error as FastifyError).statusCode === 400 && /prototype|constructor/i.test(error.message)) {
    return errors.invalidJson(error.message);
  }
  return error as HubError;
}

export async function fhirPlugin(app: FastifyInstance, options: FhirPluginOptions): Promise<void> {
  // JSON only: fastify's text/plain parser would let a text body reach the handlers (the spec wants 415).
  app.removeAllContentTypeParsers();
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser([...JSON_TYPES, 'application/json', 'text/json'], { parseAs: 'string' }, (request, body, done) => {
    // Some clients send a JSON Content-Type on every request; an empty body is fine where none is expected.
    if (body === '' && (request.method === 'DELETE' || request.method === 'GET')) {
      return done(null, undefined);
    }
    return defaultJson(request, body as string, done);
  });

  // Form bodies are for POST [type]/_search only (the spec's search by POST); anywhere else they are a 415.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (!String(request.routeOptions.config.interaction ?? '').startsWith('search')) {
      return done(errors.unsupportedMediaType(String(request.headers['content-type'] ?? '')), undefined);
    }
    return done(null, new URLSearchParams(body as string));
  });

  app.setErrorHandler((error: FastifyError | HubError, request, reply) => {
    const hub = toHubError(error, request, options.maxBodyBytes);
    const status = typeof hub.statusCode === 'number' && hub.statusCode >= 400 ? hub.statusCode : 500;
    if (status >= 500) {
      // A 500 is a bug: log it whole (the error, never the body) and tell the client which request to quote.
      request.log.error({ err: error }, 'unhandled error');
      return reply
        .status(500)
        .type('application/fhir+json; charset=utf-8')
        .send(outcome([{ severity: 'fatal', code: 'exception', diagnostics: `Internal server error; quote request id ${request.id}` }]));
    }
    request.log.info({ code: hub.code, status }, 'request refused');
    return reply.status(status).type('application/fhir+json; charset=utf-8').send(outcomeForError(hub));
  });

  app.setNotFoundHandler((request, reply) => {
    const error = errors.notFoundRoute(request.method, request.url.split('?')[0]);
    return reply.status(404).type('application/fhir+json; charset=utf-8').send(outcomeForError(error));
  });

  const baseContext: InteractionContext = {
    repository: options.repository,
    conformance: options.conformance,
    baseUrl: options.baseUrl,
    oauthIssuer: options.authenticator.issuer,
    maxBundleEntries: options.maxBundleEntries,
    routes: fhirRoutes,
  };

  for (const route of fhirRoutes) {
    app.route({
      method: route.method,
      url: route.path,
      config: { interaction: route.interaction },
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const [, queryString = ''] = request.url.split('?', 2);
        const query = new URLSearchParams(queryString);
        const mediaType = negotiate(query.get('_format') ?? undefined, request.headers.accept);
        const prefer = preferReturn(header(request.headers.prefer));
        const fhirRequest: FhirRequest = {
          method: route.method,
          params: request.params as FhirRequest['params'],
          query,
          headers: {
            ifMatch: header(request.headers['if-match']),
            ifNoneExist: header(request.headers['if-none-exist']),
            ifNoneMatch: header(request.headers['if-none-match']),
            ifModifiedSince: header(request.headers['if-modified-since']),
            preferHandling: preferHandling(header(request.headers.prefer)),
          },
          body: request.body,
        };
        const principal = route.public ? undefined : await authenticateOrThrow(options.authenticator, request, reply);
        request.principal = principal;
        // Every interaction reaches the data through the caller's decisions (consent/policy/); a public route has
        // no principal, and its repository denies everything.
        const repository = new PolicyRepository(options.repository, principal);
        const result = await route.handler(fhirRequest, { ...baseContext, repository, preferReturn: prefer });
        return sendResult(reply, result, {
          mediaType,
          pretty: query.get('_pretty') === 'true',
          preferReturn: prefer,
          isWrite: route.method !== 'GET' && !route.interaction.startsWith('search'),
          baseUrl: options.baseUrl,
        });
      },
    });
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
