// vread: GET [type]/[id]/_history/[vid] (http://hl7.org/fhir/R4/http.html#vread)
import type { Interaction } from '../request.js';

export const vread: Interaction = async (request, { repository }) => {
  const { resourceType, id, versionId } = request.params;
  const version = await repository.vread(resourceType!, id!, versionId!);
  return { status: 200, version };
};
