// FHIR interactions as a given principal, without tokens: the route table's handlers over the storage repository
// behind that principal's decisions (consent/access/policy-repository.ts), exactly as the fastify plugin runs them
// after authentication. For policy tests over many principals, where minting a token for each would test nothing.
import type { Resource } from '@medplum/fhirtypes';
import { policyRepositoryFor } from '../../consent/access/policy-repository.js';
import type { Principal } from '../../server/contracts/principal.js';
import { buildConformance } from '../../server/fhir/profiles/conformance.js';
import type { FhirMethod, FhirRequest, InteractionContext } from '../../server/fhir/request.js';
import { matchRoute } from '../../server/fhir/router.js';
import { fhirRoutes } from '../../server/fhir/routes.js';
import type { HubError } from '../../server/errors.js';
import type { StorageRepository } from '../../server/storage/storage-repository.js';

export interface Answer {
  status: number;
  body: Resource | undefined;
  code?: string;
  /** A refusal's diagnostics, as its OperationOutcome would say them. */
  diagnostics?: string;
}

export async function principalClient(repository: StorageRepository, baseUrl: string) {
  const conformance = await buildConformance({ required: 'none' });
  const base: Omit<InteractionContext, 'repository'> = {
    conformance,
    baseUrl,
    maxBundleEntries: 1000,
    routes: fhirRoutes,
  };
  return (principal: Principal) =>
    async function call(method: FhirMethod, url: string, body?: Resource | unknown): Promise<Answer> {
      const match = matchRoute(fhirRoutes, method, url);
      if (!match) {
        throw new Error(`no route for ${method} ${url}`);
      }
      const request: FhirRequest = { method, params: match.params, query: match.query, headers: {}, body };
      try {
        const result = await match.route.handler(request, {
          ...base,
          repository: await policyRepositoryFor(repository, principal),
        });
        const text = result.json ?? (result.resource ? JSON.stringify(result.resource) : result.version?.json);
        return { status: result.status, body: text ? JSON.parse(text) : undefined };
      } catch (error) {
        const hub = error as HubError;
        if (typeof hub.statusCode !== 'number' || hub.statusCode >= 500) {
          throw error;
        }
        return { status: hub.statusCode, body: undefined, code: hub.code, diagnostics: hub.message };
      }
    };
}
