// patch with JSON Patch: PATCH [type]/[id] (http://hl7.org/fhir/R4/http.html#patch)
import type { Operation } from 'fast-json-patch';
import { errors } from '../../errors.js';
import type { Interaction } from '../request.js';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function jsonPatchBody(body: unknown): Operation[] {
  if (!Array.isArray(body)) {
    throw errors.invalidPatch('the body must be a JSON Patch array (Content-Type: application/json-patch+json)');
  }
  body.forEach((op, index) => {
    if (
      typeof op !== 'object' ||
      op === null ||
      !OPS.has((op as Operation).op) ||
      typeof (op as Operation).path !== 'string'
    ) {
      throw errors.invalidPatch(`operation ${index} needs "op" (add, remove, replace, move, copy or test) and "path"`);
    }
  });
  return body as Operation[];
}

export const patch: Interaction = async (request, { repository }) => {
  const { resourceType, id } = request.params;
  const result = await repository.patch(resourceType!, id!, jsonPatchBody(request.body), {
    ifMatch: request.headers.ifMatch,
  });
  return { status: 200, version: result.version };
};
