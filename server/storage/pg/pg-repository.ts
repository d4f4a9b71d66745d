// The PostgreSQL repository: orchestrates validation, versioning, optimistic concurrency and conditional logic over
// the single-statement writes in write.ts. Every write path of the hub goes through here.
import type { Resource } from '@medplum/fhirtypes';
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type postgres from 'postgres';
import { errors, type HubError } from '../../errors.js';
import type {
  HistoryOptions,
  HistoryPage,
  HistoryScope,
  FindOptions,
  SearchResult,
  StoredVersion,
  WriteOptions,
  WriteOutcome,
} from '../../contracts/repository.js';
import type { CreateAudit, StorageRepository } from '../storage-repository.js';
import type { Db } from './db.js';
import { readHistory } from './history.js';
import type { AccessFilter, AccessPurpose } from '../../contracts/access-filter.js';
import { isUnrestricted } from '../access.js';
import { conditionSql } from './search-sql.js';
import { conditionalDeleteWith, conditionalUpdateWith } from '../conditional-writes.js';
import { findIds } from './match.js';
import type { AuditRecord } from '../../contracts/audit-record.js';
import { appendAuditRecords, readAuditRow } from './audit-log.js';
import { AUDIT_EVENT } from './audit-search.js';
import { newResourceId } from '../resource-id.js';
import { assertValidId, type PrepareOptions, prepareVersion, storedContent } from './prepare.js';
import type { Conformance } from '../../fhir/profiles/conformance.js';
import { readCurrent, readVersion, toStoredVersion } from './read.js';
import { CreateBatcher, insertWithAudit, storedVersionOf } from './create-batcher.js';
import { runSearch } from './search.js';
import type { Plan } from '../../contracts/search-plan.js';
import { storedResourceTypeSet } from './resource-tables.js';
import { insertResource, insertResources, markDeleted, replaceResource } from './write.js';

const MAX_ATTEMPTS = 10;

function assertStoredType(resourceType: string): void {
  if (!storedResourceTypeSet().has(resourceType)) {
    throw errors.unknownType(resourceType);
  }
}

/** A type the API may write: every stored type but AuditEvent, which only the access seam's records fill. */
function assertWritableType(resourceType: string): void {
  assertStoredType(resourceType);
  if (resourceType === AUDIT_EVENT) throw errors.auditLogReadOnly();
}

/** Parses `W/"3"` (or `"3"`, or `3`) into a version number. */
function parseIfMatch(header: string): number {
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
  if (!match) {
    throw errors.badIfMatch(header);
  }
  return Number(match[1]);
}

export interface PgRepositoryOptions {
  /** The clock: injected so tests can pin time. */
  now?: () => Date;
  /** This server's base URL: absolute references under it are indexed as references to resources here. */
  baseUrl?: string;
  /** Group commit of concurrent single creates (default on; create-batcher.ts). */
  batchCreates?: boolean;
  /** A pool that plans with bound values (connect.ts, plans 'values'), for searches outside a transaction. */
  searchDb?: Db;
  /** A pool on cached generic plans (connect.ts, plans 'generic'), for those searches' includes; else the main pool. */
  lookupDb?: Db;
  /** The profiles every write must meet (server/fhir/profiles/conformance.ts); base R4 only without it. */
  conformance?: Conformance;
  /** What the caller may see (withAccess): reads, searches and conditional matches are narrowed by it in SQL. */
  access?: AccessFilter;
}

export class PgRepository implements StorageRepository {
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly options: PgRepositoryOptions = {},
    private readonly inTransaction = false,
    batcher?: CreateBatcher,
  ) {
    this.now = options.now ?? (() => new Date());
    this.indexOptions = { baseUrl: options.baseUrl, conformance: options.conformance };
    this.batcher = inTransaction || options.batchCreates === false ? undefined : (batcher ?? new CreateBatcher(db));
  }

  /** The same repository (pool, create batching) narrowed to what `access` lets its caller see. */
  withAccess(access: AccessFilter): StorageRepository {
    return new PgRepository(this.db, { ...this.options, access }, this.inTransaction, this.batcher);
  }

  /** Writes audit records into the log (audit-log.ts): one statement, inside this repository's transaction when it has one. */
  async appendAudit(records: AuditRecord[]): Promise<void> {
    await appendAuditRecords(this.db, records);
  }

  /** Whether the live resource exists and the caller may reach it for `purpose` (true when unrestricted and live). */
  async isVisible(resourceType: string, id: string, purpose: AccessPurpose = 'read'): Promise<boolean> {
    assertStoredType(resourceType);
    const condition = this.options.access?.condition(resourceType, purpose) ?? { kind: 'true' as const };
    if (condition.kind === 'false') {
      return false;
    }
    const now = this.now();
    if (resourceType === AUDIT_EVENT) {
      const where = (alias: string) => conditionSql({ db: this.db, now }, resourceType, alias, condition);
      return (await readAuditRow(this.db, id, where)) !== undefined;
    }
    const [row] = await this.db<{ visible: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM ${this.db(resourceType)} r
                     WHERE r.id = ${id} AND NOT r.deleted AND ${conditionSql({ db: this.db, now }, resourceType, 'r', condition)}) AS visible`;
    return row.visible;
  }

  /** A restricted caller sees a resource outside its access as absent: 404, whether it exists, was deleted or not. */
  private async assertVisible(resourceType: string, id: string): Promise<void> {
    const condition = this.options.access?.condition(resourceType, 'read');
    if (condition && !isUnrestricted(condition) && !(await this.isVisible(resourceType, id))) {
      throw errors.notFound(`${resourceType}/${id}`);
    }
  }

  private readonly batcher: CreateBatcher | undefined;

  private readonly indexOptions: PrepareOptions;

  async create(resource: Resource, options: { ifNoneExist?: string; audit?: CreateAudit } = {}): Promise<WriteOutcome> {
    assertWritableType(resource.resourceType);
    if (options.ifNoneExist !== undefined) {
      const criteria = options.ifNoneExist;
      return this.serialized(`${resource.resourceType}?${criteria}`, async (repository) => {
        const ids = await repository.findIds(resource.resourceType, criteria, 2);
        if (ids.length > 1) {
          throw errors.multipleMatches('create', `If-None-Exist: ${criteria}`);
        }
        if (ids.length === 1) {
          return { version: await repository.read(resource.resourceType, ids[0]), created: false, unchanged: true };
        }
        return repository.create(resource);
      });
    }
    const row = prepareVersion(resource, newResourceId(), 1, this.now(), 'POST', this.indexOptions);
    // The audit record goes with the create: in the batch's transaction or in this one.
    const record = options.audit?.(storedVersionOf(row));
    const audit = record ? { record } : undefined;
    // Outside a transaction, concurrent creates share statements and commits (create-batcher.ts).
    const version = this.batcher
      ? await this.batcher.insert(row, audit)
      : audit && !this.inTransaction
        ? await (this.db as postgres.Sql).begin((tx) => insertWithAudit(tx, row, audit))
        : await insertWithAudit(this.db, row, audit);
    if (!version) {
      throw errors.concurrentUpdate(`${row.resourceType}/${row.id}`); // a uuid collision: practically impossible
    }
    return { version, created: true, unchanged: false };
  }

  async createMany(resources: Resource[]): Promise<WriteOutcome[]> {
    const now = this.now();
    const rows = resources.map((resource, position) => {
      try {
        assertWritableType(resource.resourceType);
        return prepareVersion(resource, resource.id ?? newResourceId(), 1, now, 'POST', this.indexOptions);
      } catch (error) {
        (error as HubError).position = position;
        throw error;
      }
    });
    const byType = new Map<string, typeof rows>();
    for (const row of rows) {
      const group = byType.get(row.resourceType);
      if (group) {
        group.push(row);
      } else {
        byType.set(row.resourceType, [row]);
      }
    }
    const written = new Map<string, StoredVersion>();
    await Promise.all(
      [...byType.values()].map(async (group) => {
        for (const version of await insertResources(this.db, group)) {
          written.set(`${version.resourceType}/${version.id}`, version);
        }
      }),
    );
    return rows.map((row) => {
      const version = written.get(`${row.resourceType}/${row.id}`);
      if (!version) {
        throw errors.concurrentUpdate(`${row.resourceType}/${row.id}`);
      }
      return { version, created: true, unchanged: false };
    });
  }

  async read(resourceType: string, id: string): Promise<StoredVersion> {
    assertStoredType(resourceType);
    assertValidId(id);
    if (resourceType === AUDIT_EVENT) return this.readAuditEvent(id);
    await this.assertVisible(resourceType, id);
    const version = await readCurrent(this.db, resourceType, id);
    if (!version) {
      throw errors.notFound(`${resourceType}/${id}`);
    }
    if (version.deleted) {
      throw errors.gone(`${resourceType}/${id}`);
    }
    return version;
  }

  async vread(resourceType: string, id: string, versionId: string): Promise<StoredVersion> {
    assertStoredType(resourceType);
    assertValidId(id);
    if (resourceType === AUDIT_EVENT) {
      // A record has one version, its first.
      if (versionId !== '1') throw errors.versionNotFound(`${resourceType}/${id}/_history/${versionId}`);
      return this.readAuditEvent(id);
    }
    // Older versions are as visible as the current one is (the policy decides on current content).
    await this.assertVisible(resourceType, id);
    const number = /^\d{1,9}$/.test(versionId) ? Number(versionId) : NaN;
    const version = Number.isNaN(number) ? undefined : await readVersion(this.db, resourceType, id, number);
    if (!version) {
      throw errors.versionNotFound(`${resourceType}/${id}/_history/${versionId}`);
    }
    if (version.deleted) {
      throw errors.gone(`${resourceType}/${id}/_history/${versionId}`);
    }
    return version;
  }

  /** A record of the audit log, within what the caller may read (outside it: absent). */
  private async readAuditEvent(id: string): Promise<StoredVersion> {
    const condition = this.options.access?.condition(AUDIT_EVENT, 'read') ?? { kind: 'true' as const };
    const now = this.now();
    const row =
      condition.kind === 'false'
        ? undefined
        : await readAuditRow(this.db, id, (alias) => conditionSql({ db: this.db, now }, AUDIT_EVENT, alias, condition));
    if (!row) throw errors.notFound(`${AUDIT_EVENT}/${id}`);
    return toStoredVersion(AUDIT_EVENT, row);
  }

  async update(resource: Resource, options: WriteOptions = {}): Promise<WriteOutcome> {
    assertWritableType(resource.resourceType);
    if (!resource.id) {
      throw errors.missingId();
    }
    assertValidId(resource.id);
    const expected = options.ifMatch !== undefined ? parseIfMatch(options.ifMatch) : undefined;
    return this.writeVersion(resource.resourceType, resource.id, expected, 'PUT', () => resource);
  }

  async conditionalUpdate(resource: Resource, criteria: string, options: WriteOptions = {}): Promise<WriteOutcome> {
    assertWritableType(resource.resourceType);
    return this.serialized(`${resource.resourceType}?${criteria}`, (repository) =>
      conditionalUpdateWith(repository, resource, criteria, options),
    );
  }

  async patch(
    resourceType: string,
    id: string,
    operations: Operation[],
    options: WriteOptions = {},
  ): Promise<WriteOutcome> {
    assertWritableType(resourceType);
    assertValidId(id);
    const expected = options.ifMatch !== undefined ? parseIfMatch(options.ifMatch) : undefined;
    return this.writeVersion(resourceType, id, expected, 'PATCH', (current) => {
      if (!current || current.deleted) {
        throw current ? errors.gone(`${resourceType}/${id}`) : errors.notFound(`${resourceType}/${id}`);
      }
      let patched: Resource;
      try {
        const validationError = jsonpatch.validate(operations, JSON.parse(current.json));
        if (validationError) {
          throw validationError;
        }
        patched = jsonpatch.applyPatch(JSON.parse(current.json), operations, false, true).newDocument as Resource;
      } catch (error) {
        throw errors.invalidPatch(error instanceof Error ? error.message.split('\n')[0] : String(error));
      }
      if (patched?.resourceType !== resourceType || patched.id !== id) {
        throw errors.invalidPatch('a patch may not change resourceType or id');
      }
      return patched;
    });
  }

  async delete(
    resourceType: string,
    id: string,
    options: WriteOptions = {},
  ): Promise<{ deleted: boolean; version?: StoredVersion }> {
    assertWritableType(resourceType);
    assertValidId(id);
    const expected = options.ifMatch !== undefined ? parseIfMatch(options.ifMatch) : undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt === 1 && !this.inTransaction) {
        return this.transaction((repository) => repository.delete(resourceType, id, options));
      }
      const current = await readCurrent(this.db, resourceType, id, this.inTransaction);
      if (expected !== undefined && (!current || Number(current.versionId) !== expected)) {
        throw errors.versionConflict(String(expected), current?.versionId ?? 'none');
      }
      if (!current || current.deleted) {
        return { deleted: false };
      }
      const version = await markDeleted(this.db, resourceType, id, Number(current.versionId), this.now());
      if (version) {
        return { deleted: true, version };
      }
      if (expected !== undefined) {
        throw errors.versionConflict(String(expected), 'a newer one');
      }
    }
    throw errors.concurrentUpdate(`${resourceType}/${id}`);
  }

  async conditionalDelete(resourceType: string, criteria: string): Promise<{ deleted: number }> {
    assertWritableType(resourceType);
    return this.serialized(`${resourceType}?${criteria}`, (repository) =>
      conditionalDeleteWith(repository, resourceType, criteria),
    );
  }

  async findIds(resourceType: string, criteria: string, limit: number, options: FindOptions = {}): Promise<string[]> {
    assertStoredType(resourceType);
    if (options.lock) await this.lockCriteria(`${resourceType}?${criteria}`);
    return findIds(this.db, resourceType, criteria, limit, storedResourceTypeSet(), this.now(), this.options.access);
  }

  search(plan: Plan): Promise<SearchResult> {
    for (const { resourceType } of plan.types) {
      assertStoredType(resourceType);
    }
    const searchDb = this.inTransaction ? undefined : this.options.searchDb;
    const dbs = searchDb
      ? { db: searchDb, valuePlans: true, lookupDb: this.options.lookupDb ?? this.db }
      : { db: this.db, valuePlans: false };
    return runSearch(dbs, plan, storedResourceTypeSet(), this.now(), this.options.access);
  }

  async history(scope: HistoryScope, options: HistoryOptions): Promise<HistoryPage> {
    if (scope.resourceType) {
      assertStoredType(scope.resourceType);
    }
    if (scope.id) {
      assertValidId(scope.id);
    }
    const access = this.options.access;
    if (access) {
      // Instance history: as visible as the resource. Type and system history hold deleted and earlier versions no
      // condition on current content can judge: only a caller unrestricted on every type it covers gets them.
      if (scope.resourceType && scope.id) {
        await this.assertVisible(scope.resourceType, scope.id);
      } else if (!scope.resourceType || !isUnrestricted(access.condition(scope.resourceType, 'read'))) {
        throw errors.insufficientScope(
          `History of ${scope.resourceType ?? 'the whole server'} is only for callers who may read all of it`,
        );
      }
    }
    return readHistory(this.db, scope, options);
  }

  async lockCriteria(key: string): Promise<void> {
    if (!this.inTransaction) {
      throw new Error('lockCriteria needs a transaction'); // a programming error, not a client's
    }
    await this.db`SELECT pg_advisory_xact_lock(hashtext(${key}))`;
  }

  async transaction<T>(work: (repository: StorageRepository) => Promise<T>): Promise<T> {
    if (this.inTransaction) {
      return work(this);
    }
    const pool = this.db as postgres.Sql;
    return (await pool.begin((tx) => work(new PgRepository(tx, this.options, true)))) as T;
  }

  /**
   * Runs a conditional interaction in a transaction holding an advisory lock on its criteria, so that two
   * concurrent conditional creates with the same If-None-Exist cannot both create.
   */
  private serialized<T>(key: string, work: (repository: PgRepository) => Promise<T>): Promise<T> {
    return this.transaction(async (repository) => {
      await repository.lockCriteria(key);
      return work(repository as PgRepository);
    });
  }

  /**
   * The shared path of update and patch: read the current version, build the next, write it guarded by the
   * version read. With If-Match a lost race is a 412. Without, the first attempt is optimistic (no lock: the
   * common, uncontended case costs one read and one write); after a lost race the write is retried in a
   * transaction that locks the row, so that under heavy contention every writer gets through in turn.
   */
  async writeVersion(
    resourceType: string,
    id: string,
    expected: number | undefined,
    method: string,
    next: (current: StoredVersion | undefined) => Resource,
  ): Promise<WriteOutcome> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt === 1 && !this.inTransaction) {
        return this.transaction((repository) =>
          (repository as PgRepository).writeVersion(resourceType, id, expected, method, next),
        );
      }
      const current = await readCurrent(this.db, resourceType, id, this.inTransaction);
      if (expected !== undefined && (!current || Number(current.versionId) !== expected)) {
        throw errors.versionConflict(String(expected), current?.versionId ?? 'none');
      }
      const resource = next(current);
      if (resource.resourceType !== resourceType) {
        throw errors.typeMismatch(resource.resourceType, resourceType);
      }
      if (!current) {
        const row = prepareVersion(resource, id, 1, this.now(), method, this.indexOptions);
        const version = await insertResource(this.db, row);
        if (version) {
          return { version, created: true, unchanged: false };
        }
        continue; // created concurrently: go again as an update
      }
      const currentVersion = Number(current.versionId);
      if (!current.deleted) {
        const lastUpdated = new Date(current.lastUpdated);
        if (storedContent(resource, id, currentVersion, lastUpdated) === current.json) {
          return { version: current, created: false, unchanged: true };
        }
      }
      const row = prepareVersion(resource, id, currentVersion + 1, this.now(), method, this.indexOptions);
      const version = await replaceResource(this.db, row, currentVersion);
      if (version) {
        return { version, created: current.deleted, unchanged: false };
      }
      if (expected !== undefined) {
        throw errors.versionConflict(String(expected), 'a newer one');
      }
    }
    throw errors.concurrentUpdate(`${resourceType}/${id}`);
  }
}
