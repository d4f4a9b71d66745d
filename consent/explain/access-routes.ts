// GET [type]/[id]/$access: who may read or write this resource now, and why (who-may-access.ts), for the admin and
// auditor roles (rule access-explain). With ?principal=<client-id | Patient/<id> | RelatedPerson/<id>> it explains
// that one principal's decisions step by step. An access like any other: through the seam, audited, refused or not.
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import type { AccessGate } from '../../server/contracts/access.js';
import { errors } from '../../server/errors.js';
import { fhirErrorHandler } from '../../server/fhir/error-handler.js';
import type { StorageRepository } from '../../server/storage/storage-repository.js';
import { DATA_SERVICES } from '../data-services.js';
import type { PolicyRules } from '../policy/rules.js';
import type { RegisteredClient } from '../registry/registered-client.js';
import { AccessExplainer, type AccessExplanation, type ExplainedPrincipal, type Verdict } from './who-may-access.js';

export interface AccessRoutesOptions {
  access: AccessGate;
  storage: StorageRepository;
  rules?: PolicyRules;
  /** A registered client by id (the registry), for ?principal=<client-id>. */
  client: (clientId: string) => Promise<RegisteredClient | undefined>;
  maxBodyBytes: number;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export async function accessRoutes(app: FastifyInstance, options: AccessRoutesOptions): Promise<void> {
  app.setErrorHandler(fhirErrorHandler(options.maxBodyBytes));
  const explainer = new AccessExplainer(options.storage, options.rules);

  app.get<{ Params: { resourceType: string; id: string }; Querystring: { principal?: string } }>(
    '/:resourceType/:id/$access',
    async (request, reply) => {
      const { resourceType, id } = request.params;
      const answer = await options.access.access(
        {
          entrance: 'rest',
          interaction: 'operation:access',
          method: 'GET',
          resourceType,
          id,
          query: request.url.split('?', 2)[1],
          address: request.ip,
        },
        { authorization: request.headers.authorization, challenge: (value) => reply.header('www-authenticate', value) },
        async () => {
          if (!/^[A-Z][A-Za-z]+$/.test(resourceType) || !ID.test(id)) {
            throw errors.badParameter('$access needs [type]/[id] of a stored resource');
          }
          const asked = request.query.principal;
          if (asked === undefined) return explanationParameters(await explainer.explain(resourceType, id));
          const version = await options.storage.read(resourceType, id);
          const candidates = await principalOf(asked, options, explainer, resourceType, id);
          const steps: ParametersParameter[] = [];
          for (const candidate of candidates) {
            steps.push(verdictParameter(candidate, await explainer.verdicts(candidate, version)));
          }
          return { resourceType: 'Parameters', parameter: steps } satisfies Parameters;
        },
        () => 200,
        request.log,
      );
      return reply.type('application/fhir+json; charset=utf-8').send(answer);
    },
  );
}

/** The principals `?principal=` names: a registered system client, a client as a person, or a delegate. */
async function principalOf(
  asked: string,
  options: AccessRoutesOptions,
  explainer: AccessExplainer,
  resourceType: string,
  id: string,
): Promise<ExplainedPrincipal[]> {
  const person = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(asked);
  if (person) {
    // A person with every data service: what his PGO could read with the widest consent he can give.
    return [{ kind: 'person', client: asked, dataServices: DATA_SERVICES.map((s) => s.id) }];
  }
  if (/^RelatedPerson\/[A-Za-z0-9\-.]{1,64}$/.test(asked)) {
    const explanation = await explainer.explain(resourceType, id);
    const delegates = [...explanation.grants, ...explanation.refusals]
      .map((line) => line.principal)
      .filter((p) => p.kind === 'delegate' && p.actor === asked);
    if (delegates.length === 0) {
      throw errors.badParameter(`${asked} holds no active delegation of a client of ${resourceType}/${id}`);
    }
    return [delegates[0]];
  }
  const client = await options.client(asked);
  if (!client)
    throw errors.badParameter(`principal ${asked} is no registered client, Patient/<id> or RelatedPerson/<id>`);
  if (client.kind !== 'system' || !client.role) {
    throw errors.badParameter(`${asked} is a PGO: it acts for a person; ask for principal=Patient/<id> instead`);
  }
  return [{ kind: 'system', role: client.role, ...(client.organization ? { organization: client.organization } : {}) }];
}

function principalParts(principal: ExplainedPrincipal): ParametersParameter[] {
  return [
    { name: 'kind', valueCode: principal.kind },
    ...(principal.role ? [{ name: 'role', valueCode: principal.role }] : []),
    ...(principal.organization ? [{ name: 'organization', valueIdentifier: principal.organization }] : []),
    ...(principal.client ? [{ name: 'client', valueReference: { reference: principal.client } }] : []),
    ...(principal.actor ? [{ name: 'actor', valueReference: { reference: principal.actor } }] : []),
    ...(principal.delegation ? [{ name: 'delegation', valueReference: { reference: principal.delegation } }] : []),
    ...(principal.dataServices ?? []).map((code) => ({ name: 'data-service', valueCode: code })),
  ];
}

function explanationParameters(explanation: AccessExplanation): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'resource', valueReference: { reference: explanation.resource } },
      ...explanation.clients.map((client) => ({ name: 'client', valueReference: { reference: client } })),
      ...explanation.grants.map((grant) => ({
        name: 'access',
        part: [
          ...principalParts(grant.principal),
          { name: 'interaction', valueCode: grant.interaction },
          { name: 'rule', valueString: grant.rule },
          { name: 'scope', valueCode: grant.scope },
          ...(grant.mask ? [{ name: 'mask', valueCode: grant.mask }] : []),
          ...grant.consents.map((consent) => ({ name: 'consent', valueReference: { reference: consent } })),
        ],
      })),
      ...explanation.refusals.map((refusal) => ({
        name: 'refused',
        part: [
          ...principalParts(refusal.principal),
          { name: 'interaction', valueCode: refusal.interaction },
          ...refusal.consents.map((consent) => ({ name: 'consent', valueReference: { reference: consent } })),
        ],
      })),
      ...(explanation.truncated ? [{ name: 'truncated', valueBoolean: true }] : []),
    ],
  };
}

/** One principal's decisions as steps: the rule (or why none), its scope, the client directives, the SQL check. */
function verdictParameter(principal: ExplainedPrincipal, verdicts: Verdict[]): ParametersParameter {
  return {
    name: 'principal',
    part: [
      ...principalParts(principal),
      ...verdicts.map((verdict) => {
        const { decision } = verdict;
        const steps: ParametersParameter[] = [{ name: 'interaction', valueCode: verdict.interaction }];
        if (decision.effect === 'deny') {
          steps.push({ name: 'step', valueString: `1. decision: deny, because ${decision.reason}` });
        } else {
          steps.push({ name: 'step', valueString: `1. decision: permit by rule ${decision.rule}` });
          steps.push({
            name: 'step',
            valueString: `2. scope: ${decision.scope.kind}${decision.mask ? `, under mask ${decision.mask}` : ''}`,
          });
          const directives = decision.directives;
          steps.push({
            name: 'step',
            valueString: directives
              ? `3. client directives: ${directives.deny.length} deny, ${directives.permit.length} permit (${directives.consents.join(', ') || 'none named'})`
              : '3. client directives: none apply',
          });
          steps.push({
            name: 'step',
            valueString: `4. the stored resource is ${verdict.withinScope ? 'within' : 'outside'} that scope (the SQL condition the storage applies)`,
          });
        }
        steps.push({ name: 'allowed', valueBoolean: verdict.allowed });
        return { name: 'verdict', part: steps };
      }),
    ],
  };
}
