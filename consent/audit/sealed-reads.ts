// Read-your-audit: the FHIR plugin's repository, wrapped so that anything that may return AuditEvents first waits
// for the records already committed to the audit inbox to be sealed (AuditTrail.sealPending). Records reach the
// "AuditEvent" table only when sealed, a few milliseconds after their request; without this barrier an auditor, or
// a client reading his access log, could miss the requests just before his own. One wrapper in front of the
// storage catches every path: REST reads and searches, Bundle entries, includes, chains and _has, compartment and
// system searches, history. Writes pass through untouched, but for one thing: a request's single create can be
// given the record to write with it (withCreateAudit), so it keeps the create batcher's group commit.
import type { Resource } from '@medplum/fhirtypes';
import type { Operation } from 'fast-json-patch';
import type { Condition } from '../../server/contracts/condition.js';
import type { Plan } from '../../server/contracts/search-plan.js';
import type { IncludeRule } from '../../server/fhir/search/parse.js';
import type { AccessFilter, AccessPurpose } from '../../server/contracts/access-filter.js';
import type { AuditRecord } from '../../server/contracts/audit-record.js';
import type {
  CreateAudit,
  HistoryOptions,
  HistoryPage,
  HistoryScope,
  Repository,
  SearchResult,
  StoredVersion,
  WriteOptions,
  WriteOutcome,
} from '../../server/contracts/repository.js';

const AUDIT = 'AuditEvent';

export function sealedReads(inner: Repository, sealPending: () => Promise<void>): Repository {
  return new SealedReads(inner, sealPending);
}

/** `repository` (from sealedReads) whose unconditional creates, in or out of a transaction, write `audit` with them. */
export function withCreateAudit(repository: Repository, audit: CreateAudit): Repository {
  if (!(repository instanceof SealedReads)) throw new Error('withCreateAudit needs the repository sealedReads made');
  return repository.withCreateAudit(audit);
}

class SealedReads implements Repository {
  constructor(
    private readonly inner: Repository,
    private readonly sealPending: () => Promise<void>,
    private readonly createAudit?: CreateAudit,
  ) {}

  withCreateAudit(audit: CreateAudit): SealedReads {
    return new SealedReads(this.inner, this.sealPending, audit);
  }

  async #barrier(touches: boolean): Promise<void> {
    if (touches) await this.sealPending();
  }

  async create(resource: Resource, options?: { ifNoneExist?: string; audit?: CreateAudit }): Promise<WriteOutcome> {
    if (options?.ifNoneExist !== undefined) {
      // A conditional create of an AuditEvent (an admin's import) matches against the sealed ones.
      await this.#barrier(touchesCriteria(resource.resourceType, options.ifNoneExist));
      return this.inner.create(resource, options);
    }
    return this.inner.create(resource, this.createAudit ? { ...options, audit: this.createAudit } : options);
  }

  createMany(resources: Resource[]): Promise<WriteOutcome[]> {
    return this.inner.createMany(resources);
  }

  async read(resourceType: string, id: string): Promise<StoredVersion> {
    await this.#barrier(resourceType === AUDIT);
    return this.inner.read(resourceType, id);
  }

  async vread(resourceType: string, id: string, versionId: string): Promise<StoredVersion> {
    await this.#barrier(resourceType === AUDIT);
    return this.inner.vread(resourceType, id, versionId);
  }

  update(resource: Resource, options?: WriteOptions): Promise<WriteOutcome> {
    return this.inner.update(resource, options);
  }

  async conditionalUpdate(resource: Resource, criteria: string, options?: WriteOptions): Promise<WriteOutcome> {
    await this.#barrier(touchesCriteria(resource.resourceType, criteria));
    return this.inner.conditionalUpdate(resource, criteria, options);
  }

  patch(resourceType: string, id: string, operations: Operation[], options?: WriteOptions): Promise<WriteOutcome> {
    return this.inner.patch(resourceType, id, operations, options);
  }

  delete(
    resourceType: string,
    id: string,
    options?: WriteOptions,
  ): Promise<{ deleted: boolean; version?: StoredVersion }> {
    return this.inner.delete(resourceType, id, options);
  }

  async conditionalDelete(resourceType: string, criteria: string): Promise<{ deleted: number }> {
    await this.#barrier(touchesCriteria(resourceType, criteria));
    return this.inner.conditionalDelete(resourceType, criteria);
  }

  async findIds(resourceType: string, criteria: string, limit: number): Promise<string[]> {
    await this.#barrier(touchesCriteria(resourceType, criteria));
    return this.inner.findIds(resourceType, criteria, limit);
  }

  async search(plan: Plan): Promise<SearchResult> {
    await this.#barrier(planTouchesAudit(plan));
    return this.inner.search(plan);
  }

  async history(scope: HistoryScope, options: HistoryOptions): Promise<HistoryPage> {
    // System history (no type) holds the AuditEvents' versions too.
    await this.#barrier(scope.resourceType === undefined || scope.resourceType === AUDIT);
    return this.inner.history(scope, options);
  }

  lockCriteria(key: string): Promise<void> {
    return this.inner.lockCriteria(key);
  }

  transaction<T>(work: (repository: Repository) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => work(new SealedReads(tx, this.sealPending, this.createAudit)));
  }

  withAccess(access: AccessFilter): Repository {
    return new SealedReads(this.inner.withAccess(access), this.sealPending, this.createAudit);
  }

  appendAudit(records: AuditRecord[]): Promise<void> {
    return this.inner.appendAudit(records);
  }

  async isVisible(resourceType: string, id: string, purpose?: AccessPurpose): Promise<boolean> {
    await this.#barrier(resourceType === AUDIT);
    return this.inner.isVisible(resourceType, id, purpose);
  }
}

/** Criteria on AuditEvent, or reaching it through a chain or _has. */
function touchesCriteria(resourceType: string, criteria: string): boolean {
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
