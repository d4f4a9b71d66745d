// Logger options for fastify's pino. A request is logged by method, route pattern and path, and the NAMES of its
// query parameters only: values such as identifier=...|<BSN> never reach a log line. Bodies are never logged.
import { randomUUID } from 'node:crypto';
import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import type { LogLevel } from './config.js';

const REQUEST_ID = /^[A-Za-z0-9\-_.:]{1,128}$/;

function requestSummary(request: FastifyRequest): Record<string, unknown> {
  const [path, query] = request.url.split('?', 2);
  return {
    method: request.method,
    route: request.routeOptions?.url,
    path: path,
    queryParams: query ? [...new URLSearchParams(query).keys()] : undefined,
    remoteAddress: request.ip,
  };
}

export function loggerOptions(level: LogLevel): Pick<FastifyServerOptions, 'logger' | 'genReqId' | 'requestIdHeader'> {
  return {
    logger:
      level === 'silent'
        ? false
        : {
            level,
            serializers: {
              req: (request: FastifyRequest) => requestSummary(request),
              res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
            },
            // Belt and braces: these paths would carry identifiers or clinical content if anyone logged them.
            redact: ['req.headers.authorization', 'req.body', 'body', 'resource'],
          },
    requestIdHeader: false,
    // A caller's X-Request-ID is kept when it is a sane token, so logs join up across systems.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  };
}
