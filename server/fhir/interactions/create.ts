// create and conditional create: POST [type] (http://hl7.org/fhir/R4/http.html#create)
import type { Interaction } from '../request.js';
import { resourceBody } from './body.js';

export const create: Interaction = async (request, { repository }) => {
  const resourceType = request.params.resourceType!;
  const resource = resourceBody(request.body, resourceType);
  // The server assigns the id of a created resource; an id in the body is ignored, as the spec says.
  const { id: _clientId, ...withoutId } = resource;
  const result = await repository.create(withoutId as typeof resource, { ifNoneExist: request.headers.ifNoneExist });
  return { status: result.created ? 201 : 200, version: result.version, location: result.created };
};
