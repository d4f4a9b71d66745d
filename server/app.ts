// Builds the hub's fastify application around a database handle. Only server/main.ts listens; tests build the app
// and inject requests, or listen on a port of their own.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Sql } from 'postgres';
import { DEFAULT_IWLZ_SCHEMA_DIR, type HubConfig } from './config.js';
import type { SearchPools } from './db/connect.js';
import { loadDefinitions } from './fhir/definitions.js';
import { fhirPlugin } from './fhir/plugin.js';
import { setUpConsent } from '../consent/setup.js';
import { buildConformance } from './fhir/profiles/conformance.js';
import { healthRoutes } from './health.js';
import { fhirRoutes } from './fhir/routes.js';
import { hubAdapters } from './ingest/adapters.js';
import { IngestService } from './ingest/ingest-service.js';
import { ingestRoutes } from './ingest/ingest-routes.js';
import { PgIngestLog } from './storage/pg/ingest-log.js';
import { loggerOptions } from './logger.js';
import { PgRepository } from './storage/pg/pg-repository.js';

export type AppConfig = Pick<
  HubConfig,
  'baseUrl' | 'maxBodyBytes' | 'maxBundleEntries' | 'logLevel' | 'requiredProfiles' | 'auth' | 'dataDir'
> &
  Partial<Pick<HubConfig, 'profilePackages' | 'ingest'>> & {
    /** Benchmarks only (bench/core.ts measures the audit trail's cost): accesses are not recorded. No setting of the hub sets it. */
    unaudited?: boolean;
  };

/** `searchPools`: the pools of searches (connect.ts, openSearchPools); without them searches plan per transaction. */
export async function buildApp(config: AppConfig, sql: Sql, searchPools?: SearchPools): Promise<FastifyInstance> {
  loadDefinitions();
  const conformance = await buildConformance({ packages: config.profilePackages, required: config.requiredProfiles });
  const app = Fastify({
    ...loggerOptions(config.logLevel),
    bodyLimit: config.maxBodyBytes,
    // FHIR ids and search values may contain characters fastify would otherwise reject in a route parameter.
    routerOptions: { maxParamLength: 500 },
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  for (const loaded of conformance.packages) {
    app.log.info(
      { package: loaded.name, path: loaded.path, resources: loaded.resources, problems: loaded.problems.length },
      'profile package loaded',
    );
    for (const problem of loaded.problems) {
      app.log.warn({ package: loaded.name, file: problem.file }, `profile package file skipped: ${problem.message}`);
    }
  }
  const repository = new PgRepository(sql, {
    baseUrl: config.baseUrl,
    searchDb: searchPools?.search,
    lookupDb: searchPools?.lookup,
    conformance,
  });
  // The authorization server and bearer tokens (consent/): always on, there is no way to build the hub without.
  const consent = await setUpConsent({
    sql,
    repository,
    config: config.auth,
    dataDir: config.dataDir,
    baseUrl: config.baseUrl,
    log: app.log,
    unaudited: config.unaudited,
    maxBodyBytes: config.maxBodyBytes,
  });
  await consent.register(app);
  await app.register(healthRoutes, { sql, auditLag: config.unaudited ? undefined : () => consent.audit.lag() });
  await app.register(fhirPlugin, {
    access: consent.access,
    oauthIssuer: consent.access.issuer,
    conformance,
    baseUrl: config.baseUrl,
    maxBodyBytes: config.maxBodyBytes,
    maxBundleEntries: config.maxBundleEntries,
  });
  // The adapters' entrance: every message through the seam as the client that sent it.
  const ingestLog = new PgIngestLog(sql);
  const ingest = new IngestService({
    gate: consent.access,
    log: ingestLog,
    adapters: hubAdapters(config.ingest ?? { iwlzSchemaDir: DEFAULT_IWLZ_SCHEMA_DIR }),
    context: {
      conformance,
      baseUrl: config.baseUrl,
      maxBundleEntries: config.maxBundleEntries,
      routes: fhirRoutes,
      oauthIssuer: consent.access.issuer,
    },
  });
  await app.register(ingestRoutes, {
    service: ingest,
    log: ingestLog,
    gate: consent.access,
    maxBodyBytes: config.maxBodyBytes,
  });
  app.decorate('ingest', ingest);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The ingest path, for the entrances outside HTTP (the MLLP listeners, server/main.ts). */
    ingest: IngestService;
  }
}
