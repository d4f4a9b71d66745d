// A principal's decisions as the storage layer's AccessFilter (server/storage/access.ts): per resource type, the
// permit's scope as a search Condition, or `false` where the decision denies. Built once per request and cached
// per (type, interaction), so a search over many types and includes decides each type once.
import type { Condition } from '../../server/fhir/search/plan.js';
import type { AccessFilter, AccessPurpose } from '../../server/storage/access.js';
import type { Principal } from '../principal.js';
import { decide, type Decision } from './decide.js';
import type { CallerDirectives } from './directives.js';
import type { AccessInteraction, PolicyRules } from './rules.js';
import { scopeCondition, withClientDirectives } from './scope-condition.js';

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
      decision = this.principal ? decide(this.principal, interaction, resourceType, { directives: this.directives, rules: this.rules }) : DENY;
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

  /** What reads, searches and conditional matches see: `read` and `resolve` decisions. */
  readFilter(): AccessFilter {
    return { condition: (resourceType: string, purpose: AccessPurpose) => this.condition(purpose, resourceType) };
  }

  /** What a write of `interaction` may leave behind (or start from): its own decision's scope, for every purpose. */
  writeFilter(interaction: 'create' | 'update' | 'delete'): AccessFilter {
    return { condition: (resourceType: string) => this.condition(interaction, resourceType) };
  }
}
