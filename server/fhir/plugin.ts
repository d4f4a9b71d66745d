// The FHIR REST API as a fastify plugin (encapsulated: its parsers and handlers apply to FHIR routes only).
// It registers one route per row of routes.ts; each route turns the HTTP request into a FhirRequest, runs the
// interaction and renders the FhirResult. Every error becomes an OperationOutcome.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors, type HubError } from '../errors.js';
import type { CreateAudit, Repository } from '../contracts/repository.js';
import { type Authenticator, authenticateOrThrow, refusedPrincipalOf } from '../../consent/authenticate.js';
import { attemptedClients } from '../../consent/access/attempted-clients.js';
import { CallerDirectiveCache } from '../../consent/access/directive-source.js';
import { PolicyRepository, policyRepositoryFor } from '../../consent/access/policy-repository.js';
import type { PolicyRules } from '../../consent/policy/rules.js';
import type { AuditTrail } from '../../consent/audit/audit-trail.js';
import { requestRecord } from '../../consent/access/request-record.js';
import { sealedReads, withCreateAudit } from '../../consent/audit/sealed-reads.js';
import type { Principal } from '../contracts/principal.js';
import type { Conformance } from './profiles/conformance.js';
import { negotiate, preferHandling, preferReturn } from './format.js';
import { outcome, outcomeForError } from './outcome.js';
import { sendResult } from './reply.js';
import type { FhirRequest, FhirResult, InteractionContext } from './request.js';
import { type FhirRoute, fhirRoutes } from './routes.js';

export interface FhirPluginOptions {
  /** Bearer tokens (consent/authenticate.ts): every route but the public ones (metadata) needs one. */
  authenticator: Authenticator;
  /**
   * The NEN 7513 audit trail every non-public request is recorded in. Absent only in the benchmark that measures
   * what the trail costs (AppConfig.unaudited); no configuration of the hub turns it off.
   */
  audit?: AuditTrail;
  repository: Repository;
  /** The system roles' rules in force: the baseline (consent/policy/rules.ts) unless HUB_ACCESS_POLICY configures others. */
  policyRules?: PolicyRules;
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

  app.setErrorHandler((error: FastifyError | HubError, request, reply) => {
    const hub = toHubError(error, request, options.maxBodyBytes);
    const status = typeof hub.statusCode === 'number' && hub.statusCode >= 400 ? hub.statusCode : 500;
    if (status >= 500) {
      // A 500 is a bug: log it whole (the error, never the body) and tell the client which request to quote.
      request.log.error({ err: error }, 'unhandled error');
      return reply
        .status(500)
        .type('application/fhir+json; charset=utf-8')
        .send(
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
    return reply.status(status).type('application/fhir+json; charset=utf-8').send(outcomeForError(hub));
  });

  app.setNotFoundHandler((request, reply) => {
    const error = errors.notFoundRoute(request.method, request.url.split('?')[0]);
    return reply.status(404).type('application/fhir+json; charset=utf-8').send(outcomeForError(error));
  });

  // Reads that may return AuditEvents first wait for the records committed before them to be sealed.
  const audit = options.audit;
  if (audit) options = { ...options, repository: sealedReads(options.repository, () => audit.sealPending()) };
  const directiveCache = options.authenticator.changes
    ? new CallerDirectiveCache(options.authenticator.changes)
    : undefined;
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
        const result = route.public
          ? await route.handler(fhirRequest, {
              ...baseContext,
              repository: new PolicyRepository(options.repository, undefined),
              preferReturn: prefer,
            })
          : await audited.call(
              { options, baseContext, directiveCache },
              request,
              reply,
              route,
              fhirRequest,
              queryString,
              prefer,
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

/**
 * Authenticates, runs the interaction through the caller's decisions (consent/policy/) and records it in the audit
 * trail (consent/audit/), refused or not. A write (and a transaction Bundle) runs in one database transaction with
 * its record, a single create commits with its record in the create batcher's group commit; everything else is
 * recorded before the answer leaves. A record that cannot be written fails the request: no access goes unlogged.
 */
async function audited(
  this: { options: FhirPluginOptions; baseContext: InteractionContext; directiveCache?: CallerDirectiveCache },
  request: FastifyRequest,
  reply: FastifyReply,
  route: FhirRoute,
  fhirRequest: FhirRequest,
  queryString: string,
  prefer: InteractionContext['preferReturn'],
): Promise<FhirResult> {
  const { options, baseContext, directiveCache } = this;
  const facts = {
    interaction: route.interaction,
    method: route.method,
    resourceType: fhirRequest.params.type ?? fhirRequest.params.resourceType,
    id: fhirRequest.params.type ? undefined : fhirRequest.params.id,
    query: queryString || undefined,
    address: request.ip,
    hub: options.baseUrl,
    ...(route.interaction === 'batch-transaction' ? { bundleType: bundleTypeOf(fhirRequest) } : {}),
  };
  let principal: Principal | undefined;
  let repository: PolicyRepository | undefined;
  let recording = false;
  try {
    principal = await authenticateOrThrow(options.authenticator, request, reply);
    request.principal = principal;
    // A single unconditional create writes its record with it (the create batcher's group commit, or the policy's
    // transaction): built when the version is about to be written, so it names it.
    const plainCreate =
      options.audit !== undefined && route.interaction === 'create' && fhirRequest.headers.ifNoneExist === undefined;
    let claimed = false;
    const createAudit: CreateAudit = (version) => {
      if (claimed) return undefined;
      claimed = true;
      return requestRecord(
        { ...facts, principal, status: 201, recorded: new Date() },
        { rules: policy.rulesUsed, touched: [...policy.touched, version] },
      );
    };
    repository = await policyRepositoryFor(
      plainCreate ? withCreateAudit(options.repository, createAudit) : options.repository,
      principal,
      options.policyRules,
      directiveCache,
    );
    const policy = repository;
    const record = (result: FhirResult) =>
      requestRecord(
        { ...facts, principal, status: result.status, recorded: new Date() },
        { rules: policy.rulesUsed, touched: policy.touched },
      );
    if (plainCreate) {
      const result = await route.handler(fhirRequest, { ...baseContext, repository: policy, preferReturn: prefer });
      recording = true;
      if (claimed) options.audit!.sealSoon();
      else await options.audit!.record(record(result)); // nothing was written with it
      return result;
    }
    if (isAtomicWrite(route, fhirRequest)) {
      const result = await policy.transaction(async (tx) => {
        const result = await route.handler(fhirRequest, { ...baseContext, repository: tx, preferReturn: prefer });
        recording = true;
        if (options.audit) await tx.appendAudit([record(result)]);
        return result;
      });
      options.audit?.sealSoon(); // committed with its record: the sealer may chain it now
      return result;
    }
    const result = await route.handler(fhirRequest, { ...baseContext, repository: policy, preferReturn: prefer });
    recording = true;
    await options.audit?.record(record(result));
    return result;
  } catch (error) {
    if (!recording && options.audit) {
      // The refusal or failure is recorded too; if that fails as well, the original error is the answer.
      const hub = toHubError(error as FastifyError, request, options.maxBodyBytes);
      const status = typeof hub.statusCode === 'number' ? hub.statusCode : 500;
      const seen = repository ? { rules: repository.rulesUsed, touched: [] } : { rules: [], touched: [] };
      // A refusal names the client it was aimed at and why (a token that no longer stands still says whose it was).
      const refused = principal ?? refusedPrincipalOf(error);
      const reason = status === 401 || status === 403 ? hub.message : undefined;
      await attemptedClients(options.repository, fhirRequest)
        .then((attempted) =>
          options.audit!.record(
            requestRecord(
              { ...facts, principal: refused, status, errorCode: hub.code, reason, attempted, recorded: new Date() },
              seen,
            ),
          ),
        )
        .catch((auditError: unknown) =>
          request.log.error({ err: auditError }, 'audit record of a refused request failed'),
        );
    }
    throw error;
  } finally {
    // A Consent or Organization written here may withdraw what a token stands on or change a client directive: the
    // kept answers go now, not when PostgreSQL's notification of the change arrives (consent/consent-changes.ts).
    if (
      route.method !== 'GET' &&
      (CONSENT_STATE.has(facts.resourceType ?? '') || route.interaction === 'batch-transaction')
    ) {
      options.authenticator.changes?.changedHere();
    }
  }
}

/** The types whose writes change what the consent layer keeps between requests (consent/consent-changes.ts). */
const CONSENT_STATE = new Set(['Consent', 'Organization']);

/** Writes that commit with their audit record in one transaction. A batch's entries commit one by one. */
function isAtomicWrite(route: FhirRoute, request: FhirRequest): boolean {
  if (route.interaction === 'batch-transaction') {
    return (request.body as { type?: unknown } | undefined)?.type === 'transaction';
  }
  return ['create', 'update', 'conditional-update', 'patch', 'delete', 'conditional-delete'].includes(
    route.interaction,
  );
}

function bundleTypeOf(request: FhirRequest): 'batch' | 'transaction' | undefined {
  const type = (request.body as { type?: unknown } | undefined)?.type;
  return type === 'batch' || type === 'transaction' ? type : undefined;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
