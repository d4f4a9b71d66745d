// The Repository every FHIR interaction handler sees: the caller's, already scoped by the access seam
// (consent/access/policy-repository.ts) over the storage (server/storage/storage-repository.ts, which adds what only
// the seam needs: narrowing, the audit inbox, criteria locks). Each method names the interaction it serves in the R4
// RESTful API (http://hl7.org/fhir/R4/http.html).
import type { Resource } from '@medplum/fhirtypes';
import type { Operation } from 'fast-json-patch';
import type { Condition } from './condition.js';
import type { Plan } from './search-plan.js';

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
  /** The caller's access condition per type searched, as the storage ANDed it into the SQL (for _explain). */
  access?: { resourceType: string; condition: Condition }[];
  /** Cursors for the next and previous pages, when there are such pages. */
  next?: string;
  previous?: string;
}

export interface FindOptions {
  /**
   * Inside a transaction: hold a lock on these criteria until it commits, so that concurrent conditional writes of
   * the same criteria serialise (a transaction Bundle resolves its conditional entries this way).
   */
  lock?: boolean;
}

export interface Repository {
  /** create; with `ifNoneExist`, conditional create (0 matches: create, 1: return it, more: 412). */
  create(resource: Resource, options?: { ifNoneExist?: string }): Promise<WriteOutcome>;
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
  findIds(resourceType: string, criteria: string, limit: number, options?: FindOptions): Promise<string[]>;
  /** search (type, system, compartment): the plan built by server/fhir/search/plan.ts. */
  search(plan: Plan): Promise<SearchResult>;
  /** instance, type and system history, newest first. */
  history(scope: HistoryScope, options: HistoryOptions): Promise<HistoryPage>;
  /** Runs `work` in one database transaction: all its writes commit together or not at all. */
  transaction<T>(work: (repository: Repository) => Promise<T>): Promise<T>;
}
