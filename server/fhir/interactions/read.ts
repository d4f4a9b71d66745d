// read and conditional read: GET [type]/[id] (http://hl7.org/fhir/R4/http.html#read, #cread)
// With If-None-Match (the ETag the client holds) or If-Modified-Since, an unchanged resource answers 304 without
// a body, so a PGO polling its client's data costs one small response.
import { errors } from '../../errors.js';
import type { StoredVersion } from '../../contracts/repository.js';
import type { FhirRequest, Interaction } from '../request.js';

function etagMatches(header: string, version: StoredVersion): boolean {
  return header.split(',').some((tag) => {
    const value = tag.trim();
    return value === '*' || value.replace(/^W\//, '').replace(/"/g, '') === version.versionId;
  });
}

function notModifiedSince(header: string, version: StoredVersion): boolean {
  const since = Date.parse(header);
  if (Number.isNaN(since)) {
    throw errors.badParameter(`If-Modified-Since "${header}" is not an HTTP date (e.g. Wed, 21 Oct 2026 07:28:00 GMT)`);
  }
  // HTTP dates have whole seconds: compare at that precision.
  return Math.floor(Date.parse(version.lastUpdated) / 1000) <= Math.floor(since / 1000);
}

function isNotModified(request: FhirRequest, version: StoredVersion): boolean {
  const { ifNoneMatch, ifModifiedSince } = request.headers;
  if (ifNoneMatch !== undefined) {
    return etagMatches(ifNoneMatch, version); // If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2)
  }
  return ifModifiedSince !== undefined && notModifiedSince(ifModifiedSince, version);
}

export const read: Interaction = async (request, { repository }) => {
  const version = await repository.read(request.params.resourceType!, request.params.id!);
  return { status: isNotModified(request, version) ? 304 : 200, version };
};
