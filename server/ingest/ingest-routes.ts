// The ingest path over HTTP (docs/api/ingest.md):
//   GET  /$ingest                                 the adapters, what each takes, and any that cannot run here
//   POST /$ingest?adapter=<name>                  a raw body (HL7 v2, XML, CSV, JSON) from the client that sent it
//   GET  /$ingest/quarantine[?adapter=&_count=]   what could not be taken in, newest first (a sender: its own)
//   GET  /$ingest/quarantine/<id>                 one quarantined message, whole
//   POST /$ingest/quarantine/<id>/$replay          takes it in again (after a mapping fix), as the client that sent it
// Every message is an access through the seam (IngestService); the quarantine's routes are one too, decided by
// their operation's rule and recorded.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessGate } from '../contracts/access.js';
import type { IngestLog, LoggedMessage } from '../contracts/ingest-log.js';
import type { Principal } from '../contracts/principal.js';
import { errors } from '../errors.js';
import { fhirErrorHandler } from '../fhir/error-handler.js';
import { ingestAnswer } from './ingest-answer.js';
import type { IngestService, MessageOutcome } from './ingest-service.js';

export interface IngestRoutesOptions {
  service: IngestService;
  log: IngestLog;
  gate: AccessGate;
  maxBodyBytes: number;
}

const MAX_COUNT = 200;

export async function ingestRoutes(app: FastifyInstance, options: IngestRoutesOptions): Promise<void> {
  app.setErrorHandler(fhirErrorHandler(options.maxBodyBytes));
  // A message is taken as the text it is, whatever it is in: the adapter reads it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get('/$ingest', async () => ({ adapters: options.service.adapters() }));

  app.post<{ Querystring: { adapter?: string } }>('/$ingest', async (request, reply) => {
    const name = request.query.adapter;
    if (!name) throw errors.badParameter('POST /$ingest needs ?adapter=<name>; GET /$ingest lists the adapters');
    const adapter = options.service.adapter(name);
    const outcomes = await options.service.ingest({
      adapter: name,
      body: typeof request.body === 'string' ? request.body : '',
      mediaType: request.headers['content-type'],
      credentials: authorization(request, reply),
      address: request.ip,
      log: request.log,
    });
    const answer = ingestAnswer(adapter, outcomes, request.headers.accept);
    return reply
      .status(answer.status)
      .header('x-ingest-outcome', outcomeCounts(outcomes))
      .type(answer.contentType)
      .send(answer.body);
  });

  /** A quarantine route: an access of its own, decided by the operation's rule and recorded. */
  const quarantineAccess = <T>(
    request: FastifyRequest,
    reply: FastifyReply,
    work: (principal: Principal) => Promise<T>,
  ): Promise<T> =>
    options.gate.access(
      {
        entrance: 'ingest',
        interaction: 'operation:ingest-quarantine',
        method: request.method,
        query: request.url.split('?', 2)[1],
        address: request.ip,
      },
      authorization(request, reply),
      (_repository, principal) => work(principal),
      () => 200,
      request.log,
    );

  /** One quarantined message the caller may see: the admin any, a sender its own. */
  const visible = async (principal: Principal, id: string): Promise<LoggedMessage> => {
    const message = /^[0-9a-f-]{36}$/i.test(id) ? await options.log.get(id) : undefined;
    if (!message || (principal.role !== 'admin' && message.clientId !== principal.clientId)) {
      throw errors.ingestMessageNotFound(id);
    }
    return message;
  };

  app.get<{ Querystring: { adapter?: string; _count?: string; before?: string } }>(
    '/$ingest/quarantine',
    async (request, reply) =>
      quarantineAccess(request, reply, async (principal) => {
        const count = Math.min(MAX_COUNT, Math.max(1, Number(request.query._count ?? 50) || 50));
        const before = request.query.before ? await visible(principal, request.query.before) : undefined;
        const messages = await options.log.quarantined({
          clientId: principal.role === 'admin' ? undefined : principal.clientId,
          adapter: request.query.adapter,
          count,
          before: before && { received: before.received, id: before.id },
        });
        const last = messages.length === count ? messages[messages.length - 1] : undefined;
        return {
          messages: messages.map(summary),
          ...(last ? { next: `/$ingest/quarantine?_count=${count}&before=${last.id}` } : {}),
        };
      }),
  );

  app.get<{ Params: { id: string } }>('/$ingest/quarantine/:id', async (request, reply) =>
    quarantineAccess(request, reply, async (principal) => {
      const message = await visible(principal, request.params.id);
      return { ...summary(message), raw: message.raw };
    }),
  );

  app.post<{ Params: { id: string } }>('/$ingest/quarantine/:id/$replay', async (request, reply) => {
    const message = await quarantineAccess(request, reply, (principal) => visible(principal, request.params.id));
    if (message.status !== 'quarantined') {
      throw errors.ingestNotQuarantined(message.id, message.status);
    }
    const adapter = options.service.adapter(message.adapter);
    // As the client that sent it: its role and organisation decide what the message may write, whoever replays it.
    const outcomes = await options.service.replay(message, {
      credentials: { registeredClient: message.clientId },
      address: request.ip,
      log: request.log,
    });
    const answer = ingestAnswer(adapter, outcomes, 'application/fhir+json');
    return reply
      .status(answer.status)
      .header('x-ingest-outcome', outcomeCounts(outcomes))
      .type(answer.contentType)
      .send(answer.body);
  });
}

/** `accepted=3, duplicate=0, quarantined=1`: what the messages of a body came to, for the command and for senders. */
function outcomeCounts(outcomes: MessageOutcome[]): string {
  const count = (status: MessageOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  return `accepted=${count('accepted')}, duplicate=${count('duplicate')}, quarantined=${count('quarantined')}`;
}

function authorization(request: FastifyRequest, reply: FastifyReply) {
  return {
    authorization: request.headers.authorization,
    challenge: (value: string) => reply.header('www-authenticate', value),
  };
}

/** A logged message without its text (the list shows where and why, not the client's data). */
function summary(message: LoggedMessage) {
  return {
    id: message.id,
    adapter: message.adapter,
    clientId: message.clientId,
    status: message.status,
    received: message.received.toISOString(),
    position: message.position,
    ...(message.key ? { key: message.key } : {}),
    ...(message.time ? { time: message.time } : {}),
    ...(message.fault ? { fault: message.fault } : {}),
    ...(message.replayedAs ? { replayedAs: message.replayedAs } : {}),
  };
}
