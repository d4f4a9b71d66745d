// The audit trail's own endpoints, each recorded in the trail like every other access:
//   GET  /AuditEvent/$verify?start=<date>&end=<date>   auditor or admin: walks the hash chain and the signed
//        checkpoints (after sealing the records committed before it), answers Parameters { intact, checked,
//        checkpoints, unverifiable, pending, break-seq, break-event, break-reason }; a broken chain is still a 200
//        (the verification worked; its finding is the answer)
//   POST /admin/audit/$prune                           admin: removes records older than the retention period
//        (HUB_AUDIT_RETENTION_MONTHS) and signs a prune checkpoint; npm run audit:prune calls it
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessGate } from '../../server/contracts/access.js';
import { errors } from '../../server/errors.js';
import { fhirErrorHandler } from '../../server/fhir/error-handler.js';
import type { HubOperation } from '../policy/rules.js';
import type { AuditTrail } from './audit-trail.js';

export interface AuditRoutesOptions {
  audit: AuditTrail;
  /** The access seam: each call is an access, decided by its operation's rule (rules.ts) and recorded. */
  access: AccessGate;
  retentionMonths: number;
  maxBodyBytes: number;
}

export async function auditRoutes(app: FastifyInstance, options: AuditRoutesOptions): Promise<void> {
  app.setErrorHandler(fhirErrorHandler(options.maxBodyBytes));

  /** One access through the seam: authenticated, decided by the operation's rule, recorded (refused or not). */
  const guarded = <T>(request: FastifyRequest, reply: FastifyReply, operation: HubOperation, work: () => Promise<T>) =>
    options.access.access(
      {
        entrance: 'audit',
        interaction: operation,
        method: request.method,
        resourceType: 'AuditEvent',
        query: request.url.split('?', 2)[1],
        address: request.ip,
      },
      { authorization: request.headers.authorization, challenge: (value) => reply.header('www-authenticate', value) },
      work,
      () => 200,
      request.log,
    );

  app.get<{ Querystring: { start?: string; end?: string } }>('/AuditEvent/$verify', async (request, reply) =>
    guarded(request, reply, 'operation:verify', async () => {
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
        // Records past the retention period no longer in the log (removed for retention): not a break.
        { name: 'expired', valueInteger: verification.expired },
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
      // Returned, not sent: the answer leaves only after its access is recorded.
      reply.type('application/fhir+json');
      return { resourceType: 'Parameters', parameter } satisfies Parameters;
    }),
  );

  app.post('/admin/audit/$prune', async (request, reply) =>
    guarded(request, reply, 'operation:prune', async () => {
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
