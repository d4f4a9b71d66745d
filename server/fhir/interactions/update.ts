// update, update-as-create and conditional update: PUT [type]/[id], PUT [type]?criteria
// (http://hl7.org/fhir/R4/http.html#update, #cond-update)
import { errors } from '../../errors.js';
import type { Interaction } from '../request.js';
import { criteriaOf, resourceBody } from './body.js';

export const update: Interaction = async (request, { repository }) => {
  const { resourceType, id } = request.params;
  const resource = resourceBody(request.body, resourceType!);
  if (!resource.id) {
    throw errors.missingId();
  }
  if (resource.id !== id) {
    throw errors.idMismatch(resource.id, id!);
  }
  const result = await repository.update(resource, { ifMatch: request.headers.ifMatch });
  return { status: result.created ? 201 : 200, version: result.version, location: result.created };
};

export const conditionalUpdate: Interaction = async (request, { repository }) => {
  const resourceType = request.params.resourceType!;
  const resource = resourceBody(request.body, resourceType);
  const criteria = criteriaOf(request.query);
  if (!criteria) {
    throw errors.missingCriteria('update');
  }
  const result = await repository.conditionalUpdate(resource, criteria, { ifMatch: request.headers.ifMatch });
  return { status: result.created ? 201 : 200, version: result.version, location: result.created };
};
