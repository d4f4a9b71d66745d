// Every error a FHIR route (or a route that answers like one: the audit trail's, the admin API's) can raise,
// answered as an OperationOutcome: fastify's own errors (body parsing, limits, media types) are mapped to the hub's;
// a 4xx says what was wrong; a 500 is a bug, logged whole and answered with the request id to quote.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errors, type HubError } from '../errors.js';
import { outcome, outcomeForError } from './outcome.js';

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

/** The error handler of an encapsulated FHIR plugin. */
export function fhirErrorHandler(maxBodyBytes: number) {
  return (error: FastifyError | HubError, request: FastifyRequest, reply: FastifyReply) => {
    const hub = toHubError(error, request, maxBodyBytes);
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
  };
}
