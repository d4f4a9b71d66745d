// Liveness and readiness, public on purpose (no data): GET /healthz says the process is up; GET /readyz says the
// database answers and every migration is applied, so a load balancer sends traffic only when requests can succeed.
import type { FastifyInstance } from 'fastify';
import type { Sql } from 'postgres';
import { migrationsApplied } from './storage/pg/migrate.js';

export async function healthRoutes(app: FastifyInstance, options: { sql: Sql }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      const ready = await migrationsApplied(options.sql);
      if (!ready) {
        return reply.status(503).send({ status: 'unavailable', reason: 'migrations not applied' });
      }
      return { status: 'ok' };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return reply.status(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
}
