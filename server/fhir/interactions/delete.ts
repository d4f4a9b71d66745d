// delete and conditional delete: DELETE [type]/[id], DELETE [type]?criteria
// (http://hl7.org/fhir/R4/http.html#delete, #3.1.0.7.1 conditional delete)
import { errors } from '../../errors.js';
import { informational } from '../outcome.js';
import type { Interaction } from '../request.js';
import { criteriaOf } from './body.js';

export const deleteInteraction: Interaction = async (request, { repository }) => {
  const { resourceType, id } = request.params;
  const result = await repository.delete(resourceType!, id!, { ifMatch: request.headers.ifMatch });
  const text = result.deleted
    ? `Deleted ${resourceType}/${id}`
    : `${resourceType}/${id} did not exist or was already deleted`;
  return { status: 200, outcome: informational(text) };
};

export const conditionalDelete: Interaction = async (request, { repository }) => {
  const resourceType = request.params.resourceType!;
  const criteria = criteriaOf(request.query);
  if (!criteria) {
    throw errors.missingCriteria('delete');
  }
  const result = await repository.conditionalDelete(resourceType, criteria);
  return {
    status: 200,
    outcome: informational(`Deleted ${result.deleted} ${resourceType} resource(s) matching ${criteria}`),
  };
};
