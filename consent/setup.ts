// Assembles the consent layer from configuration, once at start-up: the signing keys (in HUB_DATA_DIR/keys), the
// client registry (with the bootstrap admin client, and seeded from HUB_CLIENTS_FILE), the OAuth state, the person login (an OIDC upstream, or the
// development login), and registers the authorization server's routes and the registry's admin API.
import type { Principal } from '../server/contracts/principal.js';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Sql } from 'postgres';
import type { AuthConfig } from '../server/config.js';
import type { StorageRepository } from '../server/storage/storage-repository.js';
import type { Authenticator } from './authenticate.js';
import { AccessSeam } from './access/access-seam.js';
import { accessRoutes } from './explain/access-routes.js';
import { adminAccess, openAdminAccess } from './registry/admin-access.js';
import { auditRoutes } from './audit/audit-routes.js';
import { AuditTrail } from './audit/audit-trail.js';
import { type AdminBootstrap, ensureAdminClient } from './bootstrap/admin-client.js';
import { HubKeys } from './keys/hub-keys.js';
import { issueSystemToken } from './oauth/token-routes.js';
import { OidcUpstream } from './login/oidc-upstream.js';
import type { OAuthContext } from './oauth/oauth-context.js';
import { OAuthStore } from './oauth/oauth-store.js';
import { ConsentChanges } from './consent-changes.js';
import { consentRoutes } from './plugin.js';
import { adminClientRoutes } from './registry/admin-routes.js';
import { ClientRegistry } from './registry/client-registry.js';
import { seedClients } from './registry/seed.js';
import { MemoryReplayCache } from './tokens/client-assertion.js';

export interface ConsentLayer {
  context: OAuthContext;
  /** The NEN 7513 audit trail (consent/audit/). */
  audit: AuditTrail;
  /** Where the bootstrap admin client's credentials came from (consent/bootstrap/admin-client.ts). */
  admin: AdminBootstrap;
  authenticator: Authenticator;
  /** The access seam every entrance goes through (consent/access/access-seam.ts). */
  access: AccessSeam;
  register(app: FastifyInstance): Promise<void>;
}

export async function setUpConsent(options: {
  sql: Sql;
  repository: StorageRepository;
  config: AuthConfig;
  dataDir: string;
  baseUrl: string;
  log: FastifyBaseLogger;
  now?: () => Date;
  /** Benchmarks only (bench/core.ts measures the audit trail's cost): accesses are not recorded. */
  unaudited?: boolean;
  /** Largest body the audit and admin routes accept, for their errors' wording. */
  maxBodyBytes?: number;
}): Promise<ConsentLayer> {
  const now = options.now ?? (() => new Date());
  const keys = await HubKeys.open({ dataDir: options.dataDir, now });
  // Scopes are checked against the rules in force (HUB_ACCESS_POLICY or the baseline), as access is decided.
  const registry = new ClientRegistry(options.sql, { rules: options.config.accessPolicy });
  const admin = await ensureAdminClient({
    registry,
    settings: options.config.admin,
    dataDir: options.dataDir,
    baseUrl: options.baseUrl,
    providerName: options.config.providerName,
    log: options.log,
  });
  if (options.config.clientsFile) {
    const report = await seedClients(registry, options.config.clientsFile, { log: options.log });
    options.log.info(
      { added: report.added.length, updated: report.updated.length, unchanged: report.unchanged.length },
      'OAuth clients seeded',
    );
  }
  const oidc = options.config.oidc
    ? await OidcUpstream.discover({
        ...options.config.oidc,
        redirectUri: `${options.baseUrl}/oauth/login/oidc/callback`,
      })
    : undefined;
  const changes = new ConsentChanges(options.sql, options.log);
  await changes.start();
  const store = new OAuthStore(options.sql, changes);
  const auditSettings = options.config.audit ?? { retentionMonths: 36, checkpointSeconds: 300 };
  const audit = new AuditTrail(options.sql, options.repository, keys, now, {
    log: options.log,
    retentionMonths: auditSettings.retentionMonths,
  });
  // The log's partitions for this month and the next exist before the first record of either arrives.
  await audit.preparePartitions();
  const context: OAuthContext = {
    store,
    registry,
    keys,
    repository: options.repository,
    issuer: options.baseUrl,
    providerName: options.config.providerName,
    devLoginBsns: oidc ? [] : options.config.devLoginBsns,
    oidc,
    replay: new MemoryReplayCache(),
    secureCookies: options.baseUrl.startsWith('https:'),
    now,
  };
  const authenticator: Authenticator = { keys, store, issuer: options.baseUrl, now, changes };
  const access = new AccessSeam({
    storage: options.repository,
    authenticator,
    audit: options.unaudited ? undefined : audit,
    rules: options.config.accessPolicy,
    hub: options.baseUrl,
    registeredPrincipal: (clientId) => registeredPrincipal(registry, clientId),
  });
  context.audit = access;
  return {
    context,
    audit,
    admin,
    authenticator,
    access,
    register: async (app) => {
      await app.register(async (scoped) =>
        auditRoutes(scoped, {
          audit,
          access,
          retentionMonths: auditSettings.retentionMonths,
          maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
        }),
      );
      // The chain's head is signed at intervals, and once more on the way down; next month's partition is made then.
      const timer = setInterval(() => {
        audit.checkpoint().catch((error: unknown) => app.log.error({ err: error }, 'audit checkpoint failed'));
        audit
          .preparePartitions()
          .catch((error: unknown) => app.log.error({ err: error }, 'making the audit log partitions failed'));
      }, auditSettings.checkpointSeconds * 1000);
      timer.unref();
      // Records a previous run left unsealed are sealed now; on the way down the sealer finishes first.
      audit.sealSoon();
      app.addHook('onClose', async () => {
        clearInterval(timer);
        await changes.close();
        await audit
          .close()
          .catch((error: unknown) => app.log.error({ err: error }, 'sealing the audit log on shutdown failed'));
        await audit
          .checkpoint()
          .catch((error: unknown) => app.log.warn({ err: error }, 'final audit checkpoint failed'));
      });
      await app.register(async (scoped) =>
        accessRoutes(scoped, {
          access,
          storage: options.repository,
          rules: options.config.accessPolicy,
          client: (clientId) => registry.get(clientId),
          maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
        }),
      );
      await app.register(async (scoped) => consentRoutes(scoped, context));
      await app.register(async (scoped) => {
        adminAccess(scoped);
        await adminClientRoutes(scoped, {
          registry,
          authorize: (request) => openAdminAccess(access, request),
          issueToken: (client, scope) => issueSystemToken(context, client, scope),
        });
      });
    },
  };
}

/** A registered, active system client as the principal an entrance configured with it acts as (no token). */
async function registeredPrincipal(registry: ClientRegistry, clientId: string): Promise<Principal | undefined> {
  const client = await registry.get(clientId);
  if (!client?.active || client.kind !== 'system' || !client.role) return undefined;
  return {
    kind: 'system',
    clientId: client.clientId,
    dataServices: client.dataServices,
    role: client.role,
    ...(client.organization ? { organization: client.organization } : {}),
    tokenId: `registered:${client.clientId}`,
  };
}
