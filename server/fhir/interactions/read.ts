// read: GET [type]/[id] (http://hl7.org/fhir/R4/http.html#read)
import type { Interaction } from '../request.js';

export const read: Interaction = async (request, { repository }) => {
  const version = await repository.read(request.params.resourceType!, request.params.id!);
  return { status: 200, version };
};
