// Builds the CapabilityStatement from the route table and the operation definitions, so that it claims exactly
// what the routes serve: an interaction appears only when a route implements it.
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceInteraction,
  OperationDefinition,
  ResourceType,
} from '@medplum/fhirtypes';
import type { FhirRoute } from '../server/fhir/routes.js';

export interface CapabilityOptions {
  baseUrl: string;
  version: string;
  resourceTypes: string[];
  /** When the server started: the statement's date. */
  date: string;
}

type TypeInteraction = CapabilityStatementRestResourceInteraction['code'];
const TYPE_INTERACTIONS: TypeInteraction[] = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];

export function buildCapabilityStatement(
  routes: FhirRoute[],
  operations: OperationDefinition[],
  options: CapabilityOptions,
): CapabilityStatement {
  const served = new Set<string>(routes.map((route) => route.interaction));
  const interactions = TYPE_INTERACTIONS.filter((code) => served.has(code)).map((code) => ({ code }));
  const typeOperations = operations
    .filter((op) => op.type || op.instance)
    .filter((op) => served.has(`operation:${op.code}`))
    .map((op) => ({ name: op.code!, definition: op.url! }));
  const resource: CapabilityStatementRestResource[] = options.resourceTypes.map((type) => ({
    type: type as ResourceType,
    interaction: interactions,
    versioning: 'versioned-update',
    readHistory: served.has('vread'),
    updateCreate: served.has('update'),
    conditionalCreate: served.has('create'),
    conditionalUpdate: served.has('conditional-update'),
    conditionalDelete: served.has('conditional-delete') ? 'multiple' : 'not-supported',
    conditionalRead: served.has('read') ? 'full-support' : 'not-supported',
    referencePolicy: ['literal', 'local'],
    ...(typeOperations.length ? { operation: typeOperations } : {}),
  }));
  const system: { code: 'transaction' | 'batch' | 'history-system' }[] = [];
  if (served.has('batch-transaction')) {
    system.push({ code: 'transaction' }, { code: 'batch' });
  }
  if (served.has('history-system')) {
    system.push({ code: 'history-system' });
  }
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    publisher: 'zorghub',
    kind: 'instance',
    software: { name: 'zorghub', version: options.version },
    implementation: { description: 'Zorghub FHIR R4 server', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['json', 'application/fhir+json', 'application/json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Conditional create, update and delete evaluate _id, _lastUpdated and token search parameters; other criteria are refused with 400. Search is not offered yet.',
        resource,
        interaction: system,
      },
    ],
  };
}
