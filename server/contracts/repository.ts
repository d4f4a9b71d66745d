// The contract every FHIR interaction handler sees. One implementation (server/storage/pg/) backs it; there is no
// in-memory variant, because access filters live in SQL (withAccess). Each method names the interaction it serves in the
// R4 RESTful API (http://hl7.org/fhir/R4/http.html).
import type { Resource } from '@medplum/fhirtypes';
import type { Operation } from 'fast-json-patch';
import type { Plan } from './search-plan.js';
import type { AccessFilter, AccessPurpose } from './access-filter.js';
import type { AuditRecord } from './audit-record.js';

/** One stored version of a resource. `json` is the exact text stored (meta included), ready to send. */
export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: string;
  lastUpdated: string;
  deleted: boolean;
  json: string;
  /** The Patient compartments it belongs to, when the read had them at hand (for the audit trail). */
  compartments?: string[];
}

export interface HistoryEntry extends StoredVersion {
  /** The HTTP method that produced this version: POST, PUT, PATCH or DELETE. */
  method: string;
}

export interface WriteOutcome {
  version: StoredVersion;
  /** True when the write created the resource (201), false when it updated or matched one (200). */
  created: boolean;
  /** True when nothing was written: a conditional create matched, or an update did not change content. */
  unchanged: boolean;
}

export interface WriteOptions {
  /** The If-Match header value (`W/"3"`); a mismatch fails with 412. */
  ifMatch?: string;
}

export interface HistoryScope {
  resourceType?: string;
  id?: string;
}

export interface HistoryOptions {
  count: number;
  since?: string;
  /** Opaque position after which the page starts (from a previous page's `next` link). */
  cursor?: string;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Cursor for the next page, when there is one. */
  next?: string;
}

export interface SearchResult {
  /** The page of matches, in the search's order. */
  matches: StoredVersion[];
  /** Resources added by _include / _revinclude. */
  included: StoredVersion[];
  includedTruncated?: boolean;
  total?: number;
  /** Cursors for the next and previous pages, when there are such pages. */
  next?: string;
  previous?: string;
}

/**
 * The audit record of a create, given the version about to be written: the repository writes it with the create
 * (in the same group commit or transaction), so both commit or neither does. Undefined: no record to write.
 */
export type CreateAudit = (version: StoredVersion) => AuditRecord | undefined;

export interface Repository {
  /**
   * create; with `ifNoneExist`, conditional create (0 matches: create, 1: return it, more: 412). `audit`: the
   * record to write with an unconditional create.
   */
  create(resource: Resource, options?: { ifNoneExist?: string; audit?: CreateAudit }): Promise<WriteOutcome>;
  /** Creates many resources in one statement per type (unconditional creates inside a Bundle). */
  createMany(resources: Resource[]): Promise<WriteOutcome[]>;
  /** read: the current version; 404 when unknown, 410 when deleted. */
  read(resourceType: string, id: string): Promise<StoredVersion>;
  /** vread: one version; a deleted version answers 410. */
  vread(resourceType: string, id: string, versionId: string): Promise<StoredVersion>;
  /** update, including update-as-create with a client-chosen id. */
  update(resource: Resource, options?: WriteOptions): Promise<WriteOutcome>;
  /** conditional update: 0 matches create, 1 updates it, more fail with 412. */
  conditionalUpdate(resource: Resource, criteria: string, options?: WriteOptions): Promise<WriteOutcome>;
  /** patch with JSON Patch (RFC 6902). */
  patch(resourceType: string, id: string, operations: Operation[], options?: WriteOptions): Promise<WriteOutcome>;
  /** delete: idempotent; returns whether a live resource was deleted. */
  delete(
    resourceType: string,
    id: string,
    options?: WriteOptions,
  ): Promise<{ deleted: boolean; version?: StoredVersion }>;
  /** conditional delete: deletes every match (up to a limit, beyond which it fails with 412). */
  conditionalDelete(resourceType: string, criteria: string): Promise<{ deleted: number }>;
  /** The ids of live resources matching search criteria (`identifier=x|y&...`), at most `limit`. */
  findIds(resourceType: string, criteria: string, limit: number): Promise<string[]>;
  /** search (type, system, compartment): the plan built by server/fhir/search/plan.ts. */
  search(plan: Plan): Promise<SearchResult>;
  /** instance, type and system history, newest first. */
  history(scope: HistoryScope, options: HistoryOptions): Promise<HistoryPage>;
  /** Inside a transaction: holds a lock on these criteria until commit, so concurrent conditional writes serialise. */
  lockCriteria(key: string): Promise<void>;
  /** Runs `work` in one database transaction: all its writes commit together or not at all. */
  transaction<T>(work: (repository: Repository) => Promise<T>): Promise<T>;
  /**
   * This repository narrowed to what a caller may see (server/storage/access.ts): read, vread and instance history
   * of a resource outside it answer 404; searches, includes, chains, _has, totals and conditional matches leave it
   * out; type and system history need unrestricted access. Writes are not narrowed here: the policy checks them.
   */
  withAccess(access: AccessFilter): Repository;
  /**
   * Records the hub's own audit events (NEN 7513) into the audit inbox, to be sealed into the chain soon after
   * (consent/audit/audit-trail.ts): in the current transaction when there is one, so that a write and its log
   * commit together or not at all. Not narrowed by any access.
   */
  appendAudit(records: AuditRecord[]): Promise<void>;
  /** Whether the live resource exists and is within this repository's access for `purpose`. */
  isVisible(resourceType: string, id: string, purpose?: AccessPurpose): Promise<boolean>;
}
