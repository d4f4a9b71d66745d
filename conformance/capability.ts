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
import { searchParameters } from '../server/fhir/search/parameters.js';
import { storedResourceTypes } from '../server/storage/pg/resource-tables.js';

/** The modifiers the search layer implements per parameter type (server/fhir/search/plan.ts). */
const SEARCH_MODIFIERS: Record<string, string[]> = {
  token: ['missing', 'not', 'text', 'of-type'],
  string: ['missing', 'exact', 'contains'],
  reference: ['missing', 'identifier', '[type]'],
  uri: ['missing', 'above', 'below'],
  date: ['missing'],
  number: ['missing'],
  quantity: ['missing'],
  composite: ['missing'],
};

const SEARCH_DOCUMENTATION =
  'Search: every R4 SearchParameter listed per type, prefixes eq ne gt lt ge le sa eb ap, comma for OR, repetition for AND; ' +
  `modifiers per type: ${Object.entries(SEARCH_MODIFIERS)
    .map(([type, modifiers]) => `${type} ${modifiers.map((m) => `:${m}`).join(' ')}`)
    .join('; ')}; ` +
  'chains (any depth up to 4, with modifiers inside), _has (nested), _include and _revinclude with :iterate, _sort on several keys, ' +
  '_count (at most 1000) with next and previous links that keep working while data changes, _total (none, estimate, accurate), ' +
  '_summary (true, text, data, count), _elements. Not supported: composites other than token$token, Location near, _contained, _text, _content, _filter, _query, _list. ' +
  'Parameters that cannot be applied are reported in an OperationOutcome entry (search.mode outcome), or refused with 400 under Prefer: handling=strict.';

export interface CapabilityOptions {
  baseUrl: string;
  version: string;
  resourceTypes: string[];
  /** When the server started: the statement's date. */
  date: string;
  /** The authorization server's base (consent/), when the hub takes tokens: described in rest.security. */
  oauthIssuer?: string;
}

type TypeInteraction = CapabilityStatementRestResourceInteraction['code'];
const TYPE_INTERACTIONS: TypeInteraction[] = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
  'create',
  'search-type',
];

export function buildCapabilityStatement(
  routes: FhirRoute[],
  operations: OperationDefinition[],
  options: CapabilityOptions,
): CapabilityStatement {
  const served = new Set<string>(routes.map((route) => route.interaction));
  const interactions = TYPE_INTERACTIONS.filter((code) => served.has(code)).map((code) => ({ code }));
  // An operation applies to the types its definition names in `resource` (none named, or Resource: every type).
  const typeOperations = (type: string) =>
    operations
      .filter((op) => op.type || op.instance)
      .filter(
        (op) =>
          !op.resource?.length ||
          op.resource.includes(type as ResourceType) ||
          op.resource.includes('Resource' as ResourceType),
      )
      .filter((op) => served.has(`operation:${op.code}`))
      .map((op) => ({ name: op.code!, definition: op.url! }));
  const searches = served.has('search-type');
  const resource: CapabilityStatementRestResource[] = options.resourceTypes.map((type) => {
    const typeOps = typeOperations(type);
    return {
      type: type as ResourceType,
      interaction: interactions,
      ...(searches ? searchCapability(type) : {}),
      versioning: 'versioned-update',
      readHistory: served.has('vread'),
      updateCreate: served.has('update'),
      conditionalCreate: served.has('create'),
      conditionalUpdate: served.has('conditional-update'),
      conditionalDelete: served.has('conditional-delete') ? 'multiple' : 'not-supported',
      conditionalRead: served.has('read') ? 'full-support' : 'not-supported',
      referencePolicy: ['literal', 'local'],
      ...(typeOps.length ? { operation: typeOps } : {}),
    };
  });
  const system: { code: 'transaction' | 'batch' | 'history-system' | 'search-system' }[] = [];
  if (served.has('batch-transaction')) {
    system.push({ code: 'transaction' }, { code: 'batch' });
  }
  if (served.has('history-system')) {
    system.push({ code: 'history-system' });
  }
  if (served.has('search-system')) {
    system.push({ code: 'search-system' });
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
          'Conditional create, update and delete evaluate their criteria with the search layer; a parameter it cannot apply is refused with 400. ' +
          (searches ? SEARCH_DOCUMENTATION : 'Search is not offered.'),
        ...(options.oauthIssuer ? { security: security(options.oauthIssuer) } : {}),
        resource,
        interaction: system,
      },
    ],
  };
}

/** The parameters that really work on a type (parameters.ts marks those that do not), and its includes. */
function searchCapability(
  type: string,
): Pick<CapabilityStatementRestResource, 'searchParam' | 'searchInclude' | 'searchRevInclude'> {
  const params = [...searchParameters(type).values()].filter((param) => !param.unsupported);
  const references = params.filter((param) => param.type === 'reference').map((param) => `${type}:${param.code}`);
  return {
    searchParam: params.map((param) => ({
      name: param.code,
      type: param.type as NonNullable<CapabilityStatementRestResource['searchParam']>[number]['type'],
      ...(param.definition?.url ? { definition: param.definition.url } : {}),
    })),
    searchInclude: [...references, `${type}:*`],
    ...(revIncludes(type).length ? { searchRevInclude: revIncludes(type) } : {}),
  };
}

let revIncludesByTarget: Map<string, string[]> | undefined;

/** `Source:param` for every reference parameter of any type that can point at `type`. */
function revIncludes(type: string): string[] {
  if (!revIncludesByTarget) {
    revIncludesByTarget = new Map();
    for (const source of storedResourceTypes()) {
      for (const param of searchParameters(source).values()) {
        if (param.type !== 'reference' || param.unsupported) continue;
        for (const target of param.targets) {
          const list = revIncludesByTarget.get(target) ?? [];
          list.push(`${source}:${param.code}`);
          revIncludesByTarget.set(target, list);
        }
      }
    }
  }
  return revIncludesByTarget.get(type) ?? [];
}

/** SMART's oauth-uris and the service: where a client gets a token, as the hub's /.well-known documents say too. */
function security(issuer: string): NonNullable<CapabilityStatement['rest']>[number]['security'] {
  const uri = (name: string, path: string) => ({ url: name, valueUri: `${issuer}${path}` });
  return {
    cors: false,
    service: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] },
    ],
    description:
      'OAuth 2.0 in the MedMij style: authorization code with PKCE for PGOs (scopes <provider>~<data service>), client_credentials with private_key_jwt for systems. ' +
      "A person's token reads only the client's own compartment within its data services. Requests without a token are still served until consent layer 2.",
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          uri('authorize', '/oauth/authorize'),
          uri('token', '/oauth/token'),
          uri('revoke', '/oauth/revoke'),
          uri('introspect', '/oauth/introspect'),
        ],
      },
    ],
  };
}
