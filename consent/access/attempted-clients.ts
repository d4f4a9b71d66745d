// The clients a refused or failed request was aimed at, so that its audit record names them and is filed in their
// own access logs (NEN 7513: an attempt on a client's data is an access event about him). A refusal leaves nothing
// touched, so they are resolved from the attempt itself: the stored resource its URL names (read unnarrowed, for the
// record only: nothing of it reaches the caller), the resource its body would write, and the Patients its query
// names. Only called on refusals and failures.
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FhirRequest } from '../../server/fhir/request.js';
import { compartmentPatientIds } from '../../server/storage/index-values.js';
import type { Repository } from '../../server/contracts/repository.js';
import { clientsOf } from './request-record.js';

const PATIENT_VALUE = /^(?:[a-z]+:\/\/[^?#]*\/)?Patient\/([A-Za-z0-9\-.]{1,64})$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export async function attemptedClients(
  storage: Repository,
  request: Pick<FhirRequest, 'params' | 'query' | 'body'>,
): Promise<string[]> {
  const clients = new Set<string>();
  const { resourceType, id } = request.params;
  if (resourceType && id && ID.test(id)) {
    for (const client of await storedClients(storage, resourceType, id)) clients.add(client);
  }
  const body = request.body as Partial<Resource> | undefined;
  if (body && typeof body === 'object' && typeof body.resourceType === 'string' && body.resourceType !== 'Bundle') {
    try {
      for (const patient of compartmentPatientIds(body as Resource)) clients.add(`Patient/${patient}`);
    } catch {
      // A body too malformed to index names no one; its refusal is recorded all the same.
    }
  }
  if (body && typeof body === 'object' && body.resourceType === 'Bundle') {
    for (const client of await bundleClients(storage, body as Bundle)) clients.add(client);
  }
  for (const [name, value] of request.query) {
    for (const part of value.split(',')) {
      const patient = PATIENT_VALUE.exec(part.trim());
      if (patient) clients.add(`Patient/${patient[1]}`);
      else if (name === '_id' && (request.params.type ?? resourceType) === 'Patient' && ID.test(part))
        clients.add(`Patient/${part}`);
    }
  }
  return [...clients];
}

/** The most clients a refused Bundle is resolved to, so that a refusal cannot be made to cost without bound. */
const MAX_BUNDLE_CLIENTS = 20;

/**
 * The clients a Bundle was aimed at (an ingested message's transaction): the Patients its entries are, or refer to
 * by id or by identifier (a BSN), as far as the hub knows them.
 */
async function bundleClients(storage: Repository, bundle: Bundle): Promise<string[]> {
  const ids = new Set<string>();
  const criteria = new Set<string>();
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource;
    if (resource?.resourceType === 'Patient') {
      for (const identifier of resource.identifier ?? []) {
        if (identifier.system && identifier.value) criteria.add(`identifier=${identifier.system}|${identifier.value}`);
      }
    }
    JSON.stringify(resource ?? {}, (key, value) => {
      if (key === 'reference' && typeof value === 'string') {
        const byId = PATIENT_VALUE.exec(value);
        if (byId) ids.add(`Patient/${byId[1]}`);
        else if (value.startsWith('Patient?')) criteria.add(value.slice('Patient?'.length));
      }
      return value;
    });
  }
  for (const criterion of [...criteria].slice(0, MAX_BUNDLE_CLIENTS)) {
    const found = await storage.findIds('Patient', criterion, 2).catch(() => [] as string[]);
    for (const id of found) ids.add(`Patient/${id}`);
  }
  return [...ids].slice(0, MAX_BUNDLE_CLIENTS);
}

async function storedClients(storage: Repository, resourceType: string, id: string): Promise<string[]> {
  try {
    return clientsOf(await storage.read(resourceType, id));
  } catch (error) {
    // Deleted (410): still the client's resource; its last version says whose.
    if ((error as { statusCode?: number }).statusCode === 410 && resourceType === 'Patient') return [`Patient/${id}`];
    return [];
  }
}
