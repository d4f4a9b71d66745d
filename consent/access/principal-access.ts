// A principal's decisions as the storage layer's AccessFilter (server/storage/access.ts): per resource type, the
// permit's scope as a search Condition, or `false` where the decision denies. Built once per request and cached
// per (type, interaction), so a search over many types and includes decides each type once.
import type { Condition } from '../../server/contracts/condition.js';
import type { AccessFilter, AccessPurpose } from '../../server/contracts/access-filter.js';
import type { Principal } from '../../server/contracts/principal.js';
import type { StorageRepository } from '../../server/storage/storage-repository.js';
import { loadCallerDirectives } from './directive-source.js';
import { decide, type Decision } from '../policy/decide.js';
import type { CallerDirectives } from '../policy/directives.js';
import type { AccessInteraction, PolicyRules } from '../policy/rules.js';
import { OWN_LOG_HIDDEN } from '../audit/own-log-view.js';
import { assertNoHiddenUse, type HiddenElements, hiddenByMask } from '../policy/masked-search.js';
import { scopeCondition, withClientDirectives } from '../policy/scope-condition.js';

const DENY: Decision = { effect: 'deny', reason: 'the request carries no principal' };

export class PrincipalAccess {
  readonly #decisions = new Map<string, Decision>();
  readonly #conditions = new Map<string, Condition>();

  constructor(
    readonly principal: Principal | undefined,
    /** The client directives naming the caller, loaded for this request (directive-source.ts). */
    readonly directives?: CallerDirectives,
    /** The system roles' rules in force (the baseline unless configured). */
    readonly rules?: PolicyRules,
  ) {}

  decide(interaction: AccessInteraction, resourceType: string): Decision {
    const key = `${interaction} ${resourceType}`;
    let decision = this.#decisions.get(key);
    if (!decision) {
      decision = this.principal
        ? decide(this.principal, interaction, resourceType, { directives: this.directives, rules: this.rules })
        : DENY;
      this.#decisions.set(key, decision);
    }
    return decision;
  }

  /** The resources of `resourceType` the `interaction` may touch, as a Condition (`false` when denied). */
  condition(interaction: AccessInteraction, resourceType: string): Condition {
    const key = `${interaction} ${resourceType}`;
    let condition = this.#conditions.get(key);
    if (!condition) {
      const decision = this.decide(interaction, resourceType);
      if (decision.effect === 'deny') {
        condition = { kind: 'false' };
      } else {
        const scope = scopeCondition(this.principal!, decision.scope, resourceType);
        condition = decision.directives ? withClientDirectives(scope, decision.directives, resourceType) : scope;
      }
      this.#conditions.set(key, condition);
    }
    return condition;
  }

  /**
   * The elements hidden from this caller per type, which it may therefore not search, sort, include or match by:
   * what its mask hides, and for a client reading his own access log what its rendering removes (own-log-view.ts).
   */
  hidden(interaction: 'search' | 'read' | 'resolve'): HiddenElements {
    const masked = hiddenByMask((type) => this.decide(interaction, type));
    if (this.principal?.kind === 'system' || !this.principal?.patient) return masked;
    return (type) => (type === 'AuditEvent' ? OWN_LOG_HIDDEN : masked(type));
  }

  /** What reads, searches and conditional matches see: `read` and `resolve` decisions, and the hidden elements. */
  readFilter(): AccessFilter {
    return {
      condition: (resourceType: string, purpose: AccessPurpose) => this.condition(purpose, resourceType),
      // Conditional criteria on what the caller may not see would tell it by match or no match (masked-search.ts).
      checkCriteria: (resourceType: string, where: Condition) =>
        assertNoHiddenUse(
          { types: [{ resourceType, where }], sort: [], include: [], revinclude: [] },
          this.hidden('resolve'),
          this.hidden('read'),
        ),
    };
  }

  /** What a write of `interaction` may leave behind (or start from): its own decision's scope, for every purpose. */
  writeFilter(interaction: 'create' | 'update' | 'delete'): AccessFilter {
    return { condition: (resourceType: string) => this.condition(interaction, resourceType) };
  }
}

/**
 * What `principal` may do with one stored resource, per interaction: the decision and whether the resource lies
 * within its scope as the storage compiles it into SQL. For explaining access ($access), never for granting it.
 */
export async function verdictsOn(
  storage: StorageRepository,
  principal: Principal,
  version: { resourceType: string; id: string },
  interactions: readonly ('read' | 'update' | 'delete')[],
  options: { rules?: PolicyRules; withDirectives?: boolean } = {},
): Promise<{ interaction: 'read' | 'update' | 'delete'; decision: Decision; withinScope: boolean }[]> {
  const directives = options.withDirectives === false ? undefined : await loadCallerDirectives(storage, principal);
  const access = new PrincipalAccess(principal, directives, options.rules);
  const verdicts = [];
  for (const interaction of interactions) {
    const decision = access.decide(interaction, version.resourceType);
    const filter = interaction === 'read' ? access.readFilter() : access.writeFilter(interaction);
    const withinScope =
      decision.effect === 'permit' && (await storage.withAccess(filter).isVisible(version.resourceType, version.id));
    verdicts.push({ interaction, decision, withinScope });
  }
  return verdicts;
}
