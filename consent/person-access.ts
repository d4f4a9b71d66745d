// What a person's (or delegate's) token lets through, until consent layer 2's policy decides every request: only
// the interactions and resource types of the token's data services, and only inside the client's own Patient
// compartment. A type search becomes a search of that compartment (MedMij: a PGO sends no patient= parameter; the
// token binds the patient); a read of a resource outside it answers 404, as if it did not exist. Everything else
// (writes other than the data service's updates, history, system search, Bundles, operations) is refused.
import type { Resource } from '@medplum/fhirtypes';
import { errors } from '../server/errors.js';
import { searchCompartment } from '../server/fhir/interactions/search.js';
import type { FhirRequest, InteractionContext, Interaction } from '../server/fhir/request.js';
import type { FhirRoute } from '../server/fhir/routes.js';
import { compartmentKey } from '../server/storage/compartment-key.js';
import { computeIndexValues } from '../server/storage/index-values.js';
import { type DataServiceInteraction, dataService } from './data-services.js';
import type { Principal } from './principal.js';

export interface Routed {
  handler: Interaction;
  request: FhirRequest;
}

const AS_SERVICE_INTERACTION: Partial<Record<string, DataServiceInteraction>> = {
  read: 'read',
  vread: 'read',
  'search-type': 'search',
  'search-compartment': 'search',
  update: 'update',
};

export function personRoute(principal: Principal, route: FhirRoute, request: FhirRequest): Routed {
  const patientId = principal.patient!.replace(/^Patient\//, '');
  const wanted = AS_SERVICE_INTERACTION[route.interaction];
  const type = route.interaction === 'search-compartment' ? request.params.type : request.params.resourceType;
  if (!wanted || !type || !allows(principal, type, wanted) || (principal.readOnly && wanted === 'update')) {
    throw errors.insufficientScope(`This token's data services (${principal.dataServices.join(', ') || 'none'}) do not allow ${route.interaction}${type ? ` of ${type}` : ''}`);
  }
  if (route.interaction === 'search-compartment') {
    if (request.params.resourceType !== 'Patient' || request.params.id !== patientId) {
      throw errors.notFound(`${request.params.resourceType}/${request.params.id}`);
    }
    return { handler: route.handler, request };
  }
  if (route.interaction === 'search-type') {
    return { handler: searchCompartment, request: { ...request, params: { resourceType: 'Patient', id: patientId, type } } };
  }
  // read, vread, update: the resource must be in the client's compartment, checked by a search of it; an update
  // must also leave it there (a delivery moved to another client's address is not the client's to make).
  const id = request.params.id!;
  const handler: Interaction = async (inner, context) => {
    if (!(await inCompartment(context, patientId, type, id))) {
      throw errors.notFound(`${type}/${id}`);
    }
    if (route.interaction === 'update' && !staysInCompartment(inner.body, patientId, context.baseUrl)) {
      throw errors.insufficientScope(`The new version of ${type}/${id} would no longer belong to the client whose token this is`);
    }
    return route.handler(inner, context);
  };
  return { handler, request };
}

function staysInCompartment(body: unknown, patientId: string, baseUrl: string): boolean {
  if (!body || typeof body !== 'object') {
    return true; // the interaction itself refuses a missing or malformed body
  }
  return computeIndexValues(body as Resource, { baseUrl }).compartments.includes(compartmentKey(patientId));
}

function allows(principal: Principal, type: string, interaction: DataServiceInteraction): boolean {
  return principal.dataServices.some((id) => {
    const service = dataService(id);
    return !!service && service.resourceTypes.includes(type) && service.interactions.includes(interaction);
  });
}

/** Membership through the compartment search itself, so the rule is the one that search applies. */
async function inCompartment(context: InteractionContext, patientId: string, type: string, id: string): Promise<boolean> {
  if (type === 'Patient') {
    return id === patientId;
  }
  const probe: FhirRequest = {
    method: 'GET',
    params: { resourceType: 'Patient', id: patientId, type },
    query: new URLSearchParams({ _id: id, _summary: 'count' }),
    headers: {},
  };
  const result = await searchCompartment(probe, context);
  const total = result.json ? (JSON.parse(result.json) as { total?: number }).total : (result.resource as { total?: number } | undefined)?.total;
  return (total ?? 0) > 0;
}
