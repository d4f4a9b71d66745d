// The FHIR REST API as a fastify plugin (encapsulated: its parsers and handlers apply to FHIR routes only).
// It registers one route per row of routes.ts; each route turns the HTTP request into a FhirRequest, runs the
// interaction and renders the FhirResult. Every error becomes an OperationOutcome.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessFacts, AccessGate } from '../contracts/access.js';
import { errors } from '../errors.js';
import { fhirErrorHandler } from './error-handler.js';
import type { Conformance } from './profiles/conformance.js';
import { negotiate, preferHandling, preferReturn } from './format.js';
import { outcomeForError } from './outcome.js';
import { sendResult } from './reply.js';
import type { FhirRequest, InteractionContext } from './request.js';
import { type FhirRoute, fhirRoutes } from './routes.js';

export interface FhirPluginOptions {
  /**
   * The access seam (consent/access/access-seam.ts): every route but the public ones (metadata) is one access
   * through it, authenticated, decided, run on the caller's repository and audited.
   */
  access: AccessGate;
  /** The OAuth issuer the CapabilityStatement names for its security section. */
  oauthIssuer: string;
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

export async function fhirPlugin(app: FastifyInstance, options: FhirPluginOptions): Promise<void> {
  // JSON only: fastify's text/plain parser would let a text body reach the handlers (the spec wants 415).
  app.removeAllContentTypeParsers();
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(
    [...JSON_TYPES, 'application/json', 'text/json'],
    { parseAs: 'string' },
    (request, body, done) => {
      // Some clients send a JSON Content-Type on every request; an empty body is fine where none is expected.
      if (body === '' && (request.method === 'DELETE' || request.method === 'GET')) {
        return done(null, undefined);
      }
      return defaultJson(request, body as string, done);
    },
  );

  // Form bodies are for POST [type]/_search only (the spec's search by POST); anywhere else they are a 415.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (!String(request.routeOptions.config.interaction ?? '').startsWith('search')) {
      return done(errors.unsupportedMediaType(String(request.headers['content-type'] ?? '')), undefined);
    }
    return done(null, new URLSearchParams(body as string));
  });

  app.setErrorHandler(fhirErrorHandler(options.maxBodyBytes));

  app.setNotFoundHandler((request, reply) => {
    const error = errors.notFoundRoute(request.method, request.url.split('?')[0]);
    return reply.status(404).type('application/fhir+json; charset=utf-8').send(outcomeForError(error));
  });

  const baseContext: InteractionContext = {
    repository: options.access.publicRepository(),
    conformance: options.conformance,
    baseUrl: options.baseUrl,
    oauthIssuer: options.oauthIssuer,
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
        const result = route.public
          ? await route.handler(fhirRequest, { ...baseContext, preferReturn: prefer })
          : await options.access.access(
              accessFacts(route, fhirRequest, queryString, request.ip),
              {
                authorization: request.headers.authorization,
                challenge: (value) => reply.header('www-authenticate', value),
              },
              (repository) => route.handler(fhirRequest, { ...baseContext, repository, preferReturn: prefer }),
              (result) => result.status,
              request.log,
            );
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

/** What the seam is told of a REST access: the route's interaction and the request's target. */
function accessFacts(route: FhirRoute, request: FhirRequest, queryString: string, address: string): AccessFacts {
  return {
    entrance: 'rest',
    interaction: route.interaction,
    method: route.method,
    resourceType: request.params.type ?? request.params.resourceType,
    id: request.params.type ? undefined : request.params.id,
    query: queryString || undefined,
    address,
    ...(route.interaction === 'batch-transaction' ? { bundleType: bundleTypeOf(request) } : {}),
    conditional: request.headers.ifNoneExist !== undefined,
    attempt: request,
  };
}

function bundleTypeOf(request: FhirRequest): 'batch' | 'transaction' | undefined {
  const type = (request.body as { type?: unknown } | undefined)?.type;
  return type === 'batch' || type === 'transaction' ? type : undefined;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
