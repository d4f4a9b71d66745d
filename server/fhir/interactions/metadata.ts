// capabilities: GET /metadata (http://hl7.org/fhir/R4/http.html#capabilities). Built once from the route table.
import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { Interaction } from '../request.js';

let cached: { key: string; statement: CapabilityStatement } | undefined;
const started = new Date().toISOString();

export const metadata: Interaction = async (_request, context) => {
  const key = `${context.baseUrl} ${context.oauthIssuer ?? ''}`;
  if (!cached || cached.key !== key) {
    // Imported at call time: the route table imports this module, so a static import would be a cycle.
    const [
      { buildCapabilityStatement },
      { fhirRoutes, operationDefinitions },
      { storedResourceTypes },
      { HUB_VERSION },
    ] = await Promise.all([
      import('../../../conformance/capability.js'),
      import('../routes.js'),
      import('../../storage/pg/resource-tables.js'),
      import('../../version.js'),
    ]);
    const statement = buildCapabilityStatement(fhirRoutes, operationDefinitions, {
      baseUrl: context.baseUrl,
      version: HUB_VERSION,
      resourceTypes: storedResourceTypes(),
      date: started,
      oauthIssuer: context.oauthIssuer,
    });
    cached = { key, statement };
  }
  return { status: 200, resource: cached.statement };
};
