// The Repository every FHIR request works with: the storage repository behind the caller's decisions. Each method
// asks the one decision function (decide.ts) first: a type or interaction the caller may not use at all is a 403
// that names the rule missing (it tells nothing about any resource); within a permitted type, what lies outside the
// permit's scope behaves as absent (404, or left out of searches, includes, chains and totals), because the scope
// is compiled into the SQL (withAccess). Writes are checked on both sides in one transaction: the resource written
// must be within the caller's scope before (update, patch, delete) and after (create, update, patch), or nothing is
// written. Masked principals (supplier, logistics, financier) get masked resources, and their updates leave what
// the mask hides as stored. A caller whose decision is `everything` (the admin) goes straight through.
// It is the one wrapper over the storage: the access seam (access-seam.ts) builds one per access, with the access's
// ledger (rules used, versions touched, the record a single create writes with it). Handlers see only the
// Repository contract; narrowing, the audit records and locks stay here.
import type { AuditEvent, Consent, Resource } from '@medplum/fhirtypes';
import type { Operation } from 'fast-json-patch';
import { errors, type HubError } from '../../server/errors.js';
import type { Plan } from '../../server/contracts/search-plan.js';
import { conditionalDeleteWith, conditionalUpdateWith } from '../../server/storage/conditional-writes.js';
import type { AuditRecord } from '../../server/contracts/audit-record.js';
import type { CreateAudit, StorageRepository } from '../../server/storage/storage-repository.js';
import type {
  FindOptions,
  HistoryOptions,
  HistoryPage,
  HistoryScope,
  Repository,
  SearchResult,
  StoredVersion,
  WriteOptions,
  WriteOutcome,
} from '../../server/contracts/repository.js';
import { ownLogView } from '../audit/own-log-view.js';
import type { Principal } from '../../server/contracts/principal.js';
import { PrincipalAccess } from './principal-access.js';
import {
  assertNotAuthorisationCreate,
  assertNotAuthorisationDelete,
  CONSENT_WITHDRAWAL_RULE,
} from '../policy/authorisation-consents.js';
import { mergeStored, patchedOrUndefined, storedResource } from './stored-resource.js';
import { assertAllowedChange } from '../policy/write-rights.js';
import { addedReferences } from '../policy/added-references.js';
import { type CallerDirectiveCache, loadCallerDirectives } from './directive-source.js';
import type { Decision } from '../policy/decide.js';
import { applyMask, keptElements, SUBSETTED } from '../policy/masks.js';
import { assertNoHiddenUse } from '../policy/masked-search.js';
import type { AccessInteraction, PolicyRules } from '../policy/rules.js';

type Permit = Extract<Decision, { effect: 'permit' }>;

/**
 * What one access gathers for its audit record, shared by the policy repository and its transactions: the rules
 * that permitted it, and the versions that left storage.
 */
export class AccessLedger {
  readonly rules = new Set<string>();
  readonly touched: StoredVersion[] = [];
  #createAudit: CreateAudit | undefined;

  constructor(
    /** The record of a single create, written with it (the create batcher's group commit, or its transaction). */
    createAudit?: CreateAudit,
  ) {
    this.#createAudit = createAudit;
  }

  /** The create record, once: only the access's own create carries it. */
  claimCreateAudit(): CreateAudit | undefined {
    const audit = this.#createAudit;
    this.#createAudit = undefined;
    return audit;
  }

  /** What left storage for this caller, unmasked (bounded: a record names at most a few). */
  touch(version: StoredVersion): void {
    if (this.touched.length < 1000) this.touched.push(version);
  }
}

/**
 * The policy repository of one access: the caller's decisions under `rules` (the baseline unless configured), with
 * the client directives that name it now.
 */
export async function policyRepositoryFor(
  inner: StorageRepository,
  principal: Principal | undefined,
  options: { rules?: PolicyRules; directiveCache?: CallerDirectiveCache; ledger?: AccessLedger } = {},
): Promise<PolicyRepository> {
  const directives = await loadCallerDirectives(inner, principal, new Date(), options.directiveCache);
  return new PolicyRepository(inner, new PrincipalAccess(principal, directives, options.rules), options.ledger);
}

export class PolicyRepository implements Repository {
  readonly #inner: StorageRepository;
  readonly #access: PrincipalAccess;
  readonly #scoped: StorageRepository;
  readonly #ledger: AccessLedger;

  /** `inner`: the unrestricted storage repository (or a transaction of it). */
  constructor(inner: StorageRepository, access: PrincipalAccess, ledger = new AccessLedger()) {
    this.#ledger = ledger;
    this.#inner = inner;
    this.#access = access;
    this.#scoped = inner.withAccess(access.readFilter());
  }

  /** The principal's decisions this repository enforces (for explaining a search: _explain). */
  get access(): PrincipalAccess {
    return this.#access;
  }

  /** The unconditional create of the access's own create, with its record when it carries one. */
  #create(repository: StorageRepository, resource: Resource): Promise<WriteOutcome> {
    const audit = this.#ledger.claimCreateAudit();
    return audit ? repository.create(resource, { audit }) : repository.create(resource);
  }

  /** The permit, or a 403 naming what is not allowed. */
  #permit(interaction: AccessInteraction, resourceType: string): Permit {
    const decision = this.#access.decide(interaction, resourceType);
    if (decision.effect === 'deny') {
      throw errors.insufficientScope(`Not allowed: ${decision.reason}`);
    }
    this.#note(decision);
    return decision;
  }

  /** The rule and the client directives a permit rests on, for the access's record. */
  #note(decision: Permit): void {
    this.#ledger.rules.add(decision.rule);
    for (const consent of decision.directives?.consents ?? []) this.#ledger.rules.add(consent);
  }

  /** Unrestricted: every resource of the type, unmasked, and no client directive taking any away. */
  #everything(decision: Permit): boolean {
    return decision.scope.kind === 'everything' && !decision.mask && !decision.directives;
  }

  #touch(version: StoredVersion): void {
    this.#ledger.touch(version);
  }

  #mask(version: StoredVersion): StoredVersion {
    this.#touch(version);
    const reader = this.#access.principal;
    if (version.resourceType === 'AuditEvent' && reader?.kind !== 'system' && reader?.patient && !version.deleted) {
      // A client's access log shows him his part of each record, never another client's (own-log-view.ts).
      return { ...version, json: JSON.stringify(ownLogView(JSON.parse(version.json) as AuditEvent, reader.patient)) };
    }
    const decision = this.#access.decide('read', version.resourceType);
    // What reaches the caller reached it under its read permit: the record names that rule too, for resources an
    // _include or _revinclude added as much as for the matches.
    if (decision.effect === 'permit') this.#note(decision);
    const mask = decision.effect === 'permit' ? decision.mask : undefined;
    if (!mask || version.deleted || !keptElements(mask, version.resourceType)) {
      return version;
    }
    return { ...version, json: JSON.stringify(applyMask(JSON.parse(version.json) as Resource, mask)) };
  }

  /** A resource the caller wrote or matched but may not read: its id and version only, labelled SUBSETTED. */
  #idOnly(version: StoredVersion): StoredVersion {
    const meta = { versionId: version.versionId, lastUpdated: version.lastUpdated, security: [SUBSETTED] };
    return { ...version, json: JSON.stringify({ resourceType: version.resourceType, id: version.id, meta }) };
  }

  /** What a writer gets back of what it wrote or matched: masked, or its id only where it may not read it. */
  async #readable(version: StoredVersion): Promise<StoredVersion> {
    const decision = this.#access.decide('read', version.resourceType);
    if (decision.effect === 'deny' || !(await this.#scoped.isVisible(version.resourceType, version.id))) {
      this.#touch(version);
      return this.#idOnly(version);
    }
    return this.#mask(version); // touches it
  }

  #touchOutcome(outcome: WriteOutcome): WriteOutcome {
    this.#touch(outcome.version);
    return outcome;
  }

  #outcome(outcome: WriteOutcome): Promise<WriteOutcome> {
    return this.#readable(outcome.version).then((version) => ({ ...outcome, version }));
  }

  /** In one transaction: `work` with this policy over it, then `after` checks, which throw to roll it all back. */
  #inTransaction<T>(work: (policy: PolicyRepository, tx: StorageRepository) => Promise<T>): Promise<T> {
    return this.#inner.transaction((tx) => work(new PolicyRepository(tx, this.#access, this.#ledger), tx));
  }

  async #assertWithin(
    tx: StorageRepository,
    interaction: 'create' | 'update',
    resourceType: string,
    id: string,
  ): Promise<void> {
    if (!(await tx.withAccess(this.#access.writeFilter(interaction)).isVisible(resourceType, id))) {
      throw errors.insufficientScope(
        `${resourceType}/${id} as written would be outside what this caller may ${interaction} (${this.#permit(interaction, resourceType).rule}); nothing was written`,
      );
    }
  }

  /**
   * Under a rule that names only what it may read: each reference the write adds (to what `stored` did not name)
   * points at a resource this caller may already read, or at none stored (a Device the same transaction registers).
   * Checked before the write, because the written resource itself may widen the caller's scope.
   */
  async #assertNamesVisible(
    tx: StorageRepository,
    decision: Permit,
    stored: Resource | undefined,
    next: Resource,
  ): Promise<void> {
    if (!decision.namesOnlyVisible) return;
    const readable = tx.withAccess(this.#access.readFilter());
    for (const named of addedReferences(stored, next)) {
      if (named.resourceType === next.resourceType && named.id === next.id) continue;
      const read = this.#access.decide('read', named.resourceType);
      if (read.effect === 'permit' && this.#everything(read)) continue; // directory data: readable whatever it is
      if (await readable.isVisible(named.resourceType, named.id)) continue; // the common case: one query
      if (await tx.isVisible(named.resourceType, named.id)) {
        // Stored, and not for this caller (not stored at all: nothing to reach or to widen to).
        throw errors.insufficientScope(
          `${next.resourceType} as written names ${named.resourceType}/${named.id}, which this caller may not read (${decision.rule} names only what it may read); nothing was written`,
        );
      }
    }
  }

  /** What an update may change (write-rights.ts); a withdrawal is recorded under its rule. */
  #assertChange(decision: Permit, stored: Resource | undefined, next: Resource): void {
    if (assertAllowedChange(decision, stored, next) === 'withdrawal') this.#ledger.rules.add(CONSENT_WITHDRAWAL_RULE);
  }

  /** Whether a write of `resourceType` by this decision needs the checks of #assertChange (no fast path). */
  #guarded(decision: Permit, resourceType: string): boolean {
    return resourceType === 'Consent' || decision.changes !== undefined;
  }

  // -- reads --------------------------------------------------------------------------------------------------

  async read(resourceType: string, id: string): Promise<StoredVersion> {
    this.#permit('read', resourceType);
    return this.#mask(await this.#scoped.read(resourceType, id));
  }

  async vread(resourceType: string, id: string, versionId: string): Promise<StoredVersion> {
    this.#permit('read', resourceType);
    return this.#mask(await this.#scoped.vread(resourceType, id, versionId));
  }

  async search(plan: Plan): Promise<SearchResult> {
    const allowed = plan.types.filter(
      ({ resourceType }) => this.#access.decide('search', resourceType).effect === 'permit',
    );
    if (allowed.length === 0) {
      // One type: say why. Several (a system search): none of them may be searched.
      this.#permit('search', plan.types[0]?.resourceType ?? 'any type');
      throw errors.insufficientScope('Not allowed: none of the types searched may be searched by this caller');
    }
    for (const { resourceType } of allowed) this.#permit('search', resourceType);
    // A criterion, sort, include or _elements on what the caller's mask hides would reveal it (masked-search.ts).
    const searched = allowed.length === plan.types.length ? plan : { ...plan, types: allowed };
    assertNoHiddenUse(searched, this.#access.hidden('search'), this.#access.hidden('read'));
    const result = await this.#scoped.search(searched);
    const filter = this.#access.readFilter();
    return {
      ...result,
      access: searched.types.map(({ resourceType }) => ({
        resourceType,
        condition: filter.condition(resourceType, 'read'),
      })),
      matches: result.matches.map((v) => this.#mask(v)),
      included: result.included.map((v) => this.#mask(v)),
    };
  }

  async history(scope: HistoryScope, options: HistoryOptions): Promise<HistoryPage> {
    const decision = this.#permit('history', scope.resourceType ?? '*');
    const page = await (this.#everything(decision) ? this.#inner : this.#scoped).history(scope, options);
    return { ...page, entries: page.entries.map((entry) => ({ ...entry, ...this.#mask(entry) })) };
  }

  async findIds(resourceType: string, criteria: string, limit: number, options?: FindOptions): Promise<string[]> {
    // A conditional match the caller may not resolve finds nothing: the resource behaves as absent.
    if (this.#access.decide('resolve', resourceType).effect !== 'permit') return [];
    // The storage plans the criteria and asks the read filter whether they use what the caller may not see.
    return this.#scoped.findIds(resourceType, criteria, limit, options);
  }

  // -- writes -------------------------------------------------------------------------------------------------

  async create(resource: Resource, options: { ifNoneExist?: string } = {}): Promise<WriteOutcome> {
    const decision = this.#permit('create', resource.resourceType);
    assertNotAuthorisationCreate(resource);
    if (this.#everything(decision) && options.ifNoneExist === undefined) {
      return this.#touchOutcome(await this.#create(this.#inner, resource));
    }
    return this.#inTransaction(async (policy, tx) => {
      if (options.ifNoneExist !== undefined) {
        await tx.lockCriteria(`${resource.resourceType}?${options.ifNoneExist}`);
        const ids = await policy.findIds(resource.resourceType, options.ifNoneExist, 2);
        if (ids.length > 1) {
          throw errors.multipleMatches('create', `If-None-Exist: ${options.ifNoneExist}`);
        }
        if (ids.length === 1) {
          return policy.#outcome({
            version: await tx.read(resource.resourceType, ids[0]),
            created: false,
            unchanged: true,
          });
        }
      }
      await policy.#assertNamesVisible(tx, decision, undefined, resource);
      const outcome = await policy.#create(tx, resource);
      await policy.#assertWithin(tx, 'create', resource.resourceType, outcome.version.id);
      return policy.#outcome(outcome);
    });
  }

  async createMany(resources: Resource[]): Promise<WriteOutcome[]> {
    const decisions = resources.map((resource, position) => {
      try {
        assertNotAuthorisationCreate(resource);
        return this.#permit('create', resource.resourceType);
      } catch (error) {
        (error as HubError).position = position;
        throw error;
      }
    });
    if (decisions.every((d) => this.#everything(d))) {
      return (await this.#inner.createMany(resources)).map((outcome) => this.#touchOutcome(outcome));
    }
    return this.#inTransaction(async (policy, tx) => {
      for (const [position, resource] of resources.entries()) {
        await policy.#assertNamesVisible(tx, decisions[position], undefined, resource).catch((error: HubError) => {
          error.position = position;
          throw error;
        });
      }
      const outcomes = await tx.createMany(resources);
      for (const [position, outcome] of outcomes.entries()) {
        try {
          await policy.#assertWithin(tx, 'create', outcome.version.resourceType, outcome.version.id);
        } catch (error) {
          (error as HubError).position = position;
          throw error;
        }
      }
      return Promise.all(outcomes.map((outcome) => policy.#outcome(outcome)));
    });
  }

  async update(resource: Resource, options: WriteOptions = {}): Promise<WriteOutcome> {
    const denied = this.#access.decide('update', resource.resourceType);
    if (
      denied.effect === 'deny' &&
      resource.id &&
      this.#access.decide('create', resource.resourceType).effect === 'permit'
    ) {
      return this.#createByUpdate(resource, options); // a PUT to an id that does not exist is a create
    }
    const decision = this.#permit('update', resource.resourceType);
    if (this.#everything(decision) && !this.#guarded(decision, resource.resourceType)) {
      return this.#touchOutcome(await this.#inner.update(resource, options));
    }
    const { resourceType, id } = resource;
    if (!id) {
      throw errors.missingId();
    }
    return this.#inTransaction(async (policy, tx) => {
      let body = resource;
      if (await tx.withAccess(policy.#access.writeFilter('update')).isVisible(resourceType, id)) {
        const guarded = policy.#guarded(decision, resourceType);
        // One read of the stored version serves the mask's merge and both checks.
        const stored =
          decision.mask || guarded || decision.namesOnlyVisible
            ? await storedResource(tx, resourceType, id)
            : undefined;
        if (decision.mask && stored) body = mergeStored(stored, resource, decision.mask);
        if (guarded) policy.#assertChange(decision, stored, body);
        await policy.#assertNamesVisible(tx, decision, stored, body);
      } else if (await tx.isVisible(resourceType, id)) {
        throw errors.notFound(`${resourceType}/${id}`); // it exists, but not for this caller
      } else {
        // update-as-create (or of a deleted resource) is a create
        const create = policy.#permit('create', resourceType);
        assertNotAuthorisationCreate(resource);
        if (decision.changes) policy.#assertChange(decision, undefined, resource);
        await policy.#assertNamesVisible(tx, create, undefined, resource);
      }
      const outcome = await tx.update(body, options);
      await policy.#assertWithin(tx, 'update', resourceType, id);
      return policy.#outcome(outcome);
    });
  }

  /** Update-as-create for a caller who may create but not update the type: only where nothing has that id yet. */
  async #createByUpdate(resource: Resource, options: WriteOptions): Promise<WriteOutcome> {
    assertNotAuthorisationCreate(resource);
    return this.#inTransaction(async (policy, tx) => {
      const exists = await tx.read(resource.resourceType, resource.id!).then(
        () => true,
        (error: HubError) => error.statusCode === 410,
      );
      if (exists) {
        policy.#permit('update', resource.resourceType); // throws: it exists, and this caller may not change it
      }
      await policy.#assertNamesVisible(tx, policy.#permit('create', resource.resourceType), undefined, resource);
      const outcome = await tx.update(resource, options);
      await policy.#assertWithin(tx, 'create', resource.resourceType, resource.id!);
      return policy.#outcome(outcome);
    });
  }

  async conditionalUpdate(resource: Resource, criteria: string, options: WriteOptions = {}): Promise<WriteOutcome> {
    const decision = this.#permit('update', resource.resourceType);
    if (
      this.#everything(decision) &&
      this.#everything(this.#permit('resolve', resource.resourceType)) &&
      !this.#guarded(decision, resource.resourceType)
    ) {
      return this.#touchOutcome(await this.#inner.conditionalUpdate(resource, criteria, options));
    }
    return this.#inTransaction(async (policy, tx) => {
      await tx.lockCriteria(`${resource.resourceType}?${criteria}`);
      return conditionalUpdateWith(policy, resource, criteria, options);
    });
  }

  async patch(
    resourceType: string,
    id: string,
    operations: Operation[],
    options: WriteOptions = {},
  ): Promise<WriteOutcome> {
    const decision = this.#permit('update', resourceType);
    if (this.#everything(decision) && !this.#guarded(decision, resourceType)) {
      return this.#touchOutcome(await this.#inner.patch(resourceType, id, operations, options));
    }
    const kept = decision.mask ? keptElements(decision.mask, resourceType) : undefined;
    const hidden =
      kept &&
      operations.map((op) => String(op.path).split('/')[1]).find((element) => !kept.has(element) || element === 'meta');
    if (hidden !== undefined) {
      throw errors.insufficientScope(`Not allowed: this caller may not change ${resourceType}.${hidden}`);
    }
    return this.#inTransaction(async (policy, tx) => {
      if (!(await tx.withAccess(policy.#access.writeFilter('update')).isVisible(resourceType, id))) {
        throw errors.notFound(`${resourceType}/${id}`);
      }
      if (policy.#guarded(decision, resourceType) || decision.namesOnlyVisible) {
        const stored = await storedResource(tx, resourceType, id);
        const patched = stored && patchedOrUndefined(stored, operations);
        // A patch that does not apply is refused by the storage below with its own error.
        if (patched && policy.#guarded(decision, resourceType)) policy.#assertChange(decision, stored, patched);
        if (patched) await policy.#assertNamesVisible(tx, decision, stored, patched);
      }
      const outcome = await tx.patch(resourceType, id, operations, options);
      await policy.#assertWithin(tx, 'update', resourceType, id);
      return policy.#outcome(outcome);
    });
  }

  async delete(
    resourceType: string,
    id: string,
    options: WriteOptions = {},
  ): Promise<{ deleted: boolean; version?: StoredVersion }> {
    const decision = this.#permit('delete', resourceType);
    if (this.#everything(decision) && resourceType !== 'Consent') {
      return this.#inner.delete(resourceType, id, options);
    }
    return this.#inTransaction(async (_policy, tx) => {
      // Not there, or not this caller's to see: the same answer, so that a delete tells nothing.
      if (!(await tx.withAccess(this.#access.writeFilter('delete')).isVisible(resourceType, id))) {
        return { deleted: false };
      }
      if (resourceType === 'Consent') {
        const stored = await storedResource(tx, resourceType, id);
        if (stored) assertNotAuthorisationDelete(stored as Consent);
      }
      return tx.delete(resourceType, id, options);
    });
  }

  async conditionalDelete(resourceType: string, criteria: string): Promise<{ deleted: number }> {
    const decision = this.#permit('delete', resourceType);
    if (
      this.#everything(decision) &&
      this.#everything(this.#permit('resolve', resourceType)) &&
      resourceType !== 'Consent'
    ) {
      return this.#inner.conditionalDelete(resourceType, criteria);
    }
    return this.#inTransaction(async (policy, tx) => {
      await tx.lockCriteria(`${resourceType}?${criteria}`);
      return conditionalDeleteWith(policy, resourceType, criteria);
    });
  }

  transaction<T>(work: (repository: Repository) => Promise<T>): Promise<T> {
    return this.#inTransaction((policy) => work(policy));
  }

  /**
   * `work` in one transaction whose last statement writes the access's audit record (`recordOf` its result): the
   * write and its record commit together or not at all. The seam's path for writes and transaction Bundles.
   */
  atomically<T>(
    work: (repository: Repository) => Promise<T>,
    recordOf: (result: T) => AuditRecord | undefined,
  ): Promise<T> {
    return this.#inTransaction(async (policy, tx) => {
      const result = await work(policy);
      const record = recordOf(result);
      if (record) await tx.appendAudit([record]);
      return result;
    });
  }
}
