// The audit trail's own endpoints, each recorded in the trail like every other access:
//   GET  /AuditEvent/$verify?start=<date>&end=<date>   auditor or admin: walks the hash chain and the signed
//        checkpoints (after sealing the records committed before it), answers Parameters { intact, checked,
//        checkpoints, unverifiable, pending, break-seq, break-event, break-reason }; a broken chain is still a 200
//        (the verification worked; its finding is the answer)
//   POST /admin/audit/$prune                           admin: removes records older than the retention period
//        (HUB_AUDIT_RETENTION_MONTHS) and signs a prune checkpoint; npm run audit:prune calls it
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors, type HubError } from '../../server/errors.js';
import { outcome, outcomeForError } from '../../server/fhir/outcome.js';
import { type Authenticator, authenticateOrThrow } from '../authenticate.js';
import type { Principal, SystemRole } from '../../server/contracts/principal.js';
import type { AuditTrail } from './audit-trail.js';
import { requestRecord } from '../access/request-record.js';

export interface AuditRoutesOptions {
  audit: AuditTrail;
  authenticator: Authenticator;
  baseUrl: string;
  retentionMonths: number;
}

export async function auditRoutes(app: FastifyInstance, options: AuditRoutesOptions): Promise<void> {
  app.setErrorHandler((error: FastifyError | HubError, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'unhandled error');
      return reply
        .status(500)
        .type('application/fhir+json')
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
    return reply
      .status(status)
      .type('application/fhir+json')
      .send(outcomeForError(error as HubError));
  });

  /** Authenticates, checks the role, runs `work`, and records the access (refused or not). */
  const guarded = async <T>(
    request: FastifyRequest,
    reply: FastifyReply,
    interaction: string,
    roles: SystemRole[],
    work: () => Promise<T>,
  ): Promise<T> => {
    let principal: Principal | undefined;
    let status = 200;
    let errorCode: string | undefined;
    try {
      principal = await authenticateOrThrow(options.authenticator, request, reply);
      if (principal.kind !== 'system' || !principal.role || !roles.includes(principal.role)) {
        throw errors.insufficientScope(`Not allowed: ${interaction} is for ${roles.join(' and ')} clients only`);
      }
      return await work();
    } catch (error) {
      status = (error as HubError).statusCode ?? 500;
      errorCode = (error as HubError).code;
      throw error;
    } finally {
      const [, query] = request.url.split('?', 2);
      await options.audit.record(
        requestRecord(
          {
            principal,
            interaction,
            method: request.method,
            resourceType: 'AuditEvent',
            query,
            status,
            errorCode,
            address: request.ip,
            hub: options.baseUrl,
            recorded: new Date(),
          },
          { rules: status < 400 ? [`${principal?.role}-${interaction.replace('operation:', '')}`] : [], touched: [] },
        ),
      );
    }
  };

  app.get<{ Querystring: { start?: string; end?: string } }>('/AuditEvent/$verify', async (request, reply) =>
    guarded(request, reply, 'operation:verify', ['auditor', 'admin'], async () => {
      const start = date(request.query.start, 'start');
      const end = date(request.query.end, 'end');
      const verification = await options.audit.verify({ start, end });
      const parameter: ParametersParameter[] = [
        { name: 'intact', valueBoolean: verification.intact },
        { name: 'checked', valueInteger: verification.checked },
        { name: 'checkpoints', valueInteger: verification.checkpoints },
        { name: 'unverifiable', valueInteger: verification.unverifiable },
        // Records committed after the verification began, not yet sealed into the chain.
        { name: 'pending', valueInteger: verification.pending },
      ];
      if (verification.firstBreak) {
        parameter.push({ name: 'break-seq', valueInteger: verification.firstBreak.seq });
        if (verification.firstBreak.eventId)
          parameter.push({
            name: 'break-event',
            valueReference: { reference: `AuditEvent/${verification.firstBreak.eventId}` },
          });
        parameter.push({ name: 'break-reason', valueString: verification.firstBreak.reason });
      }
      // Returned, not sent: the answer leaves only after its access is recorded (guarded's finally).
      reply.type('application/fhir+json');
      return { resourceType: 'Parameters', parameter } satisfies Parameters;
    }),
  );

  app.post('/admin/audit/$prune', async (request, reply) =>
    guarded(request, reply, 'operation:prune', ['admin'], async () => {
      const before = new Date();
      before.setUTCMonth(before.getUTCMonth() - options.retentionMonths);
      const { removed, upTo } = await options.audit.prune(before);
      request.log.info({ removed, upTo }, 'audit trail pruned');
      return { removed, before: before.toISOString(), ...(upTo !== undefined ? { resumesAfter: upTo } : {}) };
    }),
  );
}

function date(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(parsed.getTime())) {
    throw errors.badParameter(`${name} must be a date or dateTime, like 2026-01-01`);
  }
  return parsed;
}
