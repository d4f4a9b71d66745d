// "Who may read this, and why": every kind of principal that may read, update or delete one resource now, each with
// what it rests on (the rule, its scope, the Consents of client directives, a delegation), and those a client's
// denial refuses. Computed by the same machinery that enforces access (verdictsOn in consent/access/principal-access.ts,
// the seam's decisions and the scopes compiled into SQL), asked for hypothetical callers:
// - persons: each client whose compartment holds the resource, once per data service that opens its type;
// - delegates: the RelatedPersons an active delegation Consent of such a client names;
// - organisations: each system role, as any client of that role where its rule opens every resource of the type,
//   and otherwise per Organization identifier known to the hub that a client of the role can be registered with
//   (bounded), checked against the stored resource.
// Nothing here decides an access; the answer is data for auditors and privacy officers.
import type { Consent, Identifier, Organization } from '@medplum/fhirtypes';
import type { Principal, SystemRole } from '../../server/contracts/principal.js';
import type { StoredVersion } from '../../server/contracts/repository.js';
import type { StorageRepository } from '../../server/storage/storage-repository.js';
import { clientsOf } from '../access/request-record.js';
import { verdictsOn } from '../access/principal-access.js';
import { DATA_SERVICE_SYSTEM, DATA_SERVICES } from '../data-services.js';
import type { Decision } from '../policy/decide.js';
import { type PolicyRules, SYSTEM_RULES } from '../policy/rules.js';
import { ORGANIZATION_SYSTEMS } from '../registry/client-validation.js';

/** The interactions an explanation answers for. */
const EXPLAINED = ['read', 'update', 'delete'] as const;
type ExplainedInteraction = (typeof EXPLAINED)[number];

/** The most Organizations an explanation tries; more are reported as truncated. */
const MAX_ORGANIZATIONS = 500;

export interface ExplainedPrincipal {
  kind: Principal['kind'];
  role?: SystemRole;
  organization?: { system: string; value: string };
  /** person / delegate: the client, `Patient/<id>`. */
  client?: string;
  /** delegate: `RelatedPerson/<id>`. */
  actor?: string;
  /** person / delegate: the data services the token would carry. */
  dataServices?: string[];
  /** delegate: the delegation Consent. */
  delegation?: string;
  /** delegate: the delegation allows reading only. */
  readOnly?: boolean;
}

interface Grant {
  principal: ExplainedPrincipal;
  interaction: ExplainedInteraction;
  rule: string;
  scope: string;
  mask?: string;
  /** The Consents (client directives) that shaped the decision. */
  consents: string[];
}

interface Refusal {
  principal: ExplainedPrincipal;
  interaction: ExplainedInteraction;
  /** The client directives (deny) that take the resource out of a scope that would hold it. */
  consents: string[];
}

export interface AccessExplanation {
  resource: string;
  clients: string[];
  grants: Grant[];
  refusals: Refusal[];
  /** More Organizations than MAX_ORGANIZATIONS: the organisation lines are incomplete. */
  truncated: boolean;
}

/** One principal's verdict, step by step: what `?principal=` answers. */
export interface Verdict {
  interaction: ExplainedInteraction;
  decision: Decision;
  /** The resource lies within the permit's scope, as compiled into SQL. */
  withinScope: boolean;
  allowed: boolean;
}

export class AccessExplainer {
  constructor(
    private readonly storage: StorageRepository,
    private readonly rules: PolicyRules = SYSTEM_RULES,
  ) {}

  /** Every principal that may read, update or delete `resourceType/id` now, and those a client's denial refuses. */
  async explain(resourceType: string, id: string): Promise<AccessExplanation> {
    const version = await this.storage.read(resourceType, id); // 404 / 410 as a read would
    const clients = clientsOf(version);
    const candidates: ExplainedPrincipal[] = [
      ...this.#persons(resourceType, clients),
      ...(await this.#delegates(clients)),
    ];
    const { organizations, truncated } = await this.#organizations();
    for (const role of Object.keys(this.rules) as SystemRole[]) {
      if (this.#openToEveryClientOfRole(role, resourceType)) candidates.push({ kind: 'system', role });
      else {
        // Only the identifiers a client of the role can be registered with (the registry refuses any other).
        for (const organization of organizations.filter((o) => ORGANIZATION_SYSTEMS[role].includes(o.system))) {
          candidates.push({ kind: 'system', role, organization });
        }
      }
    }
    const grants: Grant[] = [];
    const refusals: Refusal[] = [];
    for (const candidate of candidates) {
      for (const verdict of await this.verdicts(candidate, version)) {
        const { decision } = verdict;
        if (decision.effect !== 'permit') continue;
        const consents = decision.directives?.consents ?? [];
        if (verdict.allowed) {
          grants.push({
            principal: candidate,
            interaction: verdict.interaction,
            rule: decision.rule,
            scope: decision.scope.kind,
            ...(decision.mask ? { mask: decision.mask } : {}),
            consents,
          });
        } else if (deniedByClient(decision, clients) && (await this.#withinRules(candidate, verdict, version))) {
          refusals.push({ principal: candidate, interaction: verdict.interaction, consents });
        }
      }
    }
    return { resource: `${resourceType}/${id}`, clients, grants: collapse(grants), refusals, truncated };
  }

  /** One principal's decisions on the stored resource, as the policy repository would take them. */
  async verdicts(candidate: ExplainedPrincipal, version: StoredVersion, withDirectives = true): Promise<Verdict[]> {
    const verdicts = await verdictsOn(this.storage, asPrincipal(candidate), version, EXPLAINED, {
      rules: this.rules,
      withDirectives,
    });
    return verdicts.map((verdict) => ({ ...verdict, allowed: verdict.withinScope }));
  }

  /** Whether the role's own rules (without any client directive) would hold the resource: a denial took it away. */
  async #withinRules(candidate: ExplainedPrincipal, verdict: Verdict, version: StoredVersion): Promise<boolean> {
    const bare = await this.verdicts(candidate, version, false);
    return bare.some((v) => v.interaction === verdict.interaction && v.allowed);
  }

  #persons(resourceType: string, clients: string[]): ExplainedPrincipal[] {
    const services = DATA_SERVICES.filter((service) => service.resourceTypes.includes(resourceType));
    const persons: ExplainedPrincipal[] = [];
    for (const client of clients) {
      // A client manages his own consents whatever his token's data services (decide.ts).
      if (resourceType === 'Consent') persons.push({ kind: 'person', client, dataServices: [] });
      for (const service of services) persons.push({ kind: 'person', client, dataServices: [service.id] });
    }
    return persons;
  }

  async #delegates(clients: string[]): Promise<ExplainedPrincipal[]> {
    const delegates: ExplainedPrincipal[] = [];
    const now = Date.now();
    for (const client of clients) {
      const ids = await this.storage.findIds('Consent', `patient=${client}&status=active`, 200);
      for (const id of ids) {
        const consent = JSON.parse((await this.storage.read('Consent', id)).json) as Consent;
        if (!consent.category?.some((c) => c.coding?.some((coding) => coding.code === 'delegation'))) continue;
        const end = consent.provision?.period?.end;
        if (end && Date.parse(end) <= now) continue;
        const actor = consent.provision?.actor?.find((a) => a.reference?.reference?.startsWith('RelatedPerson/'));
        if (!actor?.reference?.reference) continue;
        const dataServices = (consent.provision?.class ?? [])
          .filter((c) => c.system === DATA_SERVICE_SYSTEM && c.code)
          .map((c) => c.code as string);
        const correct = consent.provision?.action?.some((a) => a.coding?.some((c) => c.code === 'correct'));
        delegates.push({
          kind: 'delegate',
          client,
          actor: actor.reference.reference,
          dataServices,
          delegation: `Consent/${id}`,
          ...(correct ? {} : { readOnly: true }),
        });
      }
    }
    return delegates;
  }

  async #organizations(): Promise<{ organizations: { system: string; value: string }[]; truncated: boolean }> {
    const ids = await this.storage.findIds('Organization', '_lastUpdated=gt1900-01-01', MAX_ORGANIZATIONS + 1);
    const seen = new Map<string, { system: string; value: string }>();
    for (const id of ids.slice(0, MAX_ORGANIZATIONS)) {
      const organization = JSON.parse((await this.storage.read('Organization', id)).json) as Organization;
      for (const identifier of organization.identifier ?? []) {
        if (hasValue(identifier)) seen.set(`${identifier.system}|${identifier.value}`, identifier);
      }
    }
    return { organizations: [...seen.values()], truncated: ids.length > MAX_ORGANIZATIONS };
  }

  /** A role whose rule opens every resource of the type needs no organisation to say so. */
  #openToEveryClientOfRole(role: SystemRole, resourceType: string): boolean {
    return this.rules[role].some(
      (rule) =>
        rule.scope.kind === 'everything' &&
        (rule.types.includes('*') || rule.types.includes(resourceType)) &&
        rule.interactions.includes('read'),
    );
  }
}

function hasValue(identifier: Identifier): identifier is Identifier & { system: string; value: string } {
  return typeof identifier.system === 'string' && typeof identifier.value === 'string';
}

/** The Principal a token of this kind would carry (no token: nothing here is authenticated or audited). */
export function asPrincipal(candidate: ExplainedPrincipal): Principal {
  return {
    kind: candidate.kind,
    clientId: '(explained)',
    tokenId: '(explained)',
    dataServices: candidate.dataServices ?? [],
    ...(candidate.client ? { patient: candidate.client } : {}),
    ...(candidate.actor ? { actor: candidate.actor } : {}),
    ...(candidate.delegation ? { consent: candidate.delegation } : {}),
    ...(candidate.role ? { role: candidate.role } : {}),
    ...(candidate.organization ? { organization: candidate.organization } : {}),
    ...(candidate.readOnly ? { readOnly: true } : {}),
  };
}

function deniedByClient(decision: Extract<Decision, { effect: 'permit' }>, clients: string[]): boolean {
  const denied = decision.directives?.deny ?? [];
  return denied.some((group) =>
    group.patients.some((patient) => clients.includes(patient) || clients.includes(`Patient/${patient}`)),
  );
}

/** One line per principal and interaction, persons once per client for the data services that open the type. */
function collapse(grants: Grant[]): Grant[] {
  const kept = new Map<string, Grant>();
  for (const grant of grants) {
    const p = grant.principal;
    const key = [
      grant.interaction,
      p.kind,
      p.role,
      p.organization?.system,
      p.organization?.value,
      p.client,
      p.actor,
    ].join(' ');
    const known = kept.get(key);
    if (known && p.kind === 'person') {
      known.principal = {
        ...known.principal,
        dataServices: [...(known.principal.dataServices ?? []), ...(p.dataServices ?? [])],
      };
      if (!known.rule.split(', ').includes(grant.rule)) known.rule = `${known.rule}, ${grant.rule}`;
    } else if (!known) {
      kept.set(key, { ...grant, principal: { ...p } });
    }
  }
  return [...kept.values()];
}
