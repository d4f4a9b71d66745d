// Turns a FhirResult into the HTTP response: status, ETag / Last-Modified / Location headers, and the body the
// client prefers. A stored version is sent as the stored text; `_pretty=true` re-indents it.
import type { FastifyReply } from 'fastify';
import type { JsonMediaType, PreferReturn } from './format.js';
import { informational } from './outcome.js';
import type { FhirResult } from './request.js';

export interface ReplyOptions {
  mediaType: JsonMediaType;
  pretty: boolean;
  /** Prefer: return=... applies to writes (POST, PUT, PATCH, DELETE) only; a read always returns the resource. */
  preferReturn: PreferReturn;
  isWrite: boolean;
  baseUrl: string;
}

function body(text: string, pretty: boolean): string {
  return pretty ? JSON.stringify(JSON.parse(text), null, 2) : text;
}

export function sendResult(reply: FastifyReply, result: FhirResult, options: ReplyOptions): FastifyReply {
  reply.status(result.status).type(`${options.mediaType}; charset=utf-8`);
  const version = result.version;
  if (version) {
    reply.header('ETag', `W/"${version.versionId}"`);
    reply.header('Last-Modified', new Date(version.lastUpdated).toUTCString());
    if (result.location) {
      reply.header(
        'Location',
        `${options.baseUrl}/${version.resourceType}/${version.id}/_history/${version.versionId}`,
      );
    }
  }
  if (result.status === 304) {
    return reply.send(); // Not Modified: the headers above, no body
  }
  if (result.json !== undefined) {
    // A Bundle answer (batch / transaction) is always sent: Prefer shapes its entries instead.
    return reply.send(body(result.json, options.pretty));
  }
  const prefer = options.isWrite ? options.preferReturn : 'representation';
  if (prefer === 'minimal') {
    return reply.send('');
  }
  if (version && prefer === 'OperationOutcome') {
    const text = result.outcome ?? informational(`${version.resourceType}/${version.id} version ${version.versionId}`);
    return reply.send(body(JSON.stringify(text), options.pretty));
  }
  if (version) {
    return reply.send(body(version.json, options.pretty));
  }
  const resource = result.resource ?? result.outcome;
  return reply.send(resource ? body(JSON.stringify(resource), options.pretty) : '');
}
