// Checks shared by the interactions that take a resource body.
import type { Resource } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';

/** The body as a resource of the URL's type, or a 400 saying what is wrong with it. */
export function resourceBody(body: unknown, resourceType: string): Resource {
  if (body === undefined || body === null || body === '') {
    throw errors.invalidResource(`The request needs a ${resourceType} resource as its body`);
  }
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw errors.invalidResource(`The body must be a JSON object (a ${resourceType} resource)`);
  }
  const resource = body as Resource;
  if (resource.resourceType !== resourceType) {
    throw errors.typeMismatch(String(resource.resourceType ?? 'object without resourceType'), resourceType);
  }
  return resource;
}

/** The criteria of a conditional interaction: the query string without result parameters. */
export function criteriaOf(query: URLSearchParams): string {
  const copy = new URLSearchParams(query);
  for (const key of ['_format', '_pretty']) {
    copy.delete(key);
  }
  return copy.toString();
}
