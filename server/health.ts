// Liveness and readiness, public on purpose (no data): GET /healthz says the process is up; GET /readyz says the
// database answers, every migration is applied and the audit trail keeps up, so a load balancer sends traffic only
// when requests can succeed. The audit figure is the trail's one deferred step (sealing records into the hash
// chain): how many records wait and for how long; past `maxAuditLagSeconds` the hub is not ready, so that load is
// shed before the chain falls far behind.
import type { FastifyInstance } from 'fastify';
import type { Sql } from 'postgres';
import { migrationsApplied } from './storage/pg/migrate.js';

interface AuditLagGauge {
  unsealed: number;
  oldestSeconds: number;
}

export interface HealthOptions {
  sql: Sql;
  /** The audit trail's sealing backlog (consent/audit/audit-trail.ts lag()), when the trail is on. */
  auditLag?: () => Promise<AuditLagGauge>;
  /** The oldest unsealed record may wait this long before the hub says it is not ready (default 60 s). */
  maxAuditLagSeconds?: number;
}

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const maxLag = options.maxAuditLagSeconds ?? 60;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      const ready = await migrationsApplied(options.sql);
      if (!ready) {
        return reply.status(503).send({ status: 'unavailable', reason: 'migrations not applied' });
      }
      const audit = options.auditLag ? await options.auditLag() : undefined;
      if (audit && audit.oldestSeconds > maxLag) {
        return reply.status(503).send({
          status: 'unavailable',
          reason: `the audit trail is ${Math.round(audit.oldestSeconds)} s behind`,
          audit,
        });
      }
      return { status: 'ok', ...(audit ? { audit } : {}) };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return reply.status(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
}
