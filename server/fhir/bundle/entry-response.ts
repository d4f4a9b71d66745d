// The response entry of one processed Bundle entry, serialised around the stored text of the resource so that a
// large transaction response costs no JSON re-parse.
import type { OperationOutcome } from '@medplum/fhirtypes';
import { informational } from '../outcome.js';
import type { FhirResult } from '../request.js';

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
};

function statusLine(status: number): string {
  return `${status} ${REASONS[status] ?? ''}`.trim();
}

export function entryResponseJson(
  result: FhirResult,
  baseUrl: string,
  preferReturn: 'minimal' | 'representation' | 'OperationOutcome' = 'representation',
): string {
  const version = result.version;
  const response: Record<string, unknown> = { status: statusLine(result.status) };
  if (version) {
    if (result.location) {
      response.location = `${version.resourceType}/${version.id}/_history/${version.versionId}`;
    }
    response.etag = `W/"${version.versionId}"`;
    response.lastModified = version.lastUpdated;
  }
  if (preferReturn === 'OperationOutcome') {
    response.outcome =
      result.outcome ??
      informational(
        version ? `${version.resourceType}/${version.id} version ${version.versionId}` : statusLine(result.status),
      );
  } else if (result.outcome && !version && !result.resource) {
    response.outcome = result.outcome;
  }
  const parts = [`"response":${JSON.stringify(response)}`];
  if (version) {
    parts.unshift(`"fullUrl":${JSON.stringify(`${baseUrl}/${version.resourceType}/${version.id}`)}`);
  }
  if (preferReturn === 'representation' && result.status !== 304) {
    if (version) {
      parts.push(`"resource":${version.json}`);
    } else if (result.resource) {
      parts.push(`"resource":${JSON.stringify(result.resource)}`);
    }
  }
  return `{${parts.join(',')}}`;
}

export function errorEntryJson(status: number, outcome: OperationOutcome): string {
  return JSON.stringify({ response: { status: statusLine(status), outcome } });
}
