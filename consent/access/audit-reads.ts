// Read-your-audit: which reads may return AuditEvents, so that the policy repository (policy-repository.ts) first
// waits for the records already committed to the audit inbox to be sealed (AuditSink.sealPending). Records reach the
// "AuditEvent" table only when sealed, a few milliseconds after their access; without this barrier an auditor, or a
// client reading his access log, could miss the accesses just before his own. Every path is covered: reads and
// searches, Bundle entries, includes, chains and _has, compartment and system searches, history, conditional matches.
import type { Condition } from '../../server/contracts/condition.js';
import type { HistoryScope } from '../../server/contracts/repository.js';
import type { Plan } from '../../server/contracts/search-plan.js';
import type { IncludeRule } from '../../server/fhir/search/parse.js';

const AUDIT = 'AuditEvent';

/** System history (no type) holds the AuditEvents' versions too. */
export function historyTouchesAudit(scope: HistoryScope): boolean {
  return scope.resourceType === undefined || scope.resourceType === AUDIT;
}

/** Criteria on AuditEvent, or reaching it through a chain or _has. */
export function criteriaTouchAudit(resourceType: string, criteria: string): boolean {
  return resourceType === AUDIT || criteria.includes(AUDIT);
}

/** Whether a search may return, include or match through an AuditEvent. */
export function planTouchesAudit(plan: Plan): boolean {
  return (
    plan.types.some((type) => type.resourceType === AUDIT || conditionTouches(type.where)) ||
    plan.include.some((rule) => includeTouches(rule, true)) ||
    plan.revinclude.some((rule) => includeTouches(rule, false))
  );
}

function conditionTouches(condition: Condition): boolean {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return condition.conditions.some(conditionTouches);
    case 'not':
    case 'in-compartment-of':
      return conditionTouches(condition.condition);
    case 'chain':
      return condition.targetType === AUDIT || conditionTouches(condition.condition);
    case 'has':
      return condition.sourceType === AUDIT || conditionTouches(condition.condition);
    default:
      return false;
  }
}

/** An _include adds the targets of its references, a _revinclude the sources. */
function includeTouches(rule: IncludeRule, forward: boolean): boolean {
  if (rule.sourceType === AUDIT || rule.targetType === AUDIT) return true;
  if (!forward || rule.targetType !== undefined) return false;
  // `*`, or a reference parameter that may point at an AuditEvent (or at any type).
  return !rule.param || rule.param.targets.length === 0 || rule.param.targets.includes(AUDIT);
}
