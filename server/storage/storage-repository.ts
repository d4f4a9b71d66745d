// The storage as the access seam sees it (consent/access/): the handler's Repository (server/contracts/
// repository.ts) plus what only the seam may do: narrow it to a caller (withAccess), write the audit inbox in the
// same transaction as a write (appendAudit, or a create's record with it), lock criteria, and ask whether a resource
// lies within a narrowing. One implementation: server/storage/pg/pg-repository.ts.
import type { Resource } from '@medplum/fhirtypes';
import type { AccessFilter, AccessPurpose } from '../contracts/access-filter.js';
import type { AuditRecord } from '../contracts/audit-record.js';
import type { Repository, StoredVersion, WriteOutcome } from '../contracts/repository.js';

/**
 * The audit record of a create, given the version about to be written: the repository writes it with the create
 * (in the same group commit or transaction), so both commit or neither does. Undefined: no record to write.
 */
export type CreateAudit = (version: StoredVersion) => AuditRecord | undefined;

export interface StorageRepository extends Repository {
  /** `audit`: the record to write with an unconditional create. */
  create(resource: Resource, options?: { ifNoneExist?: string; audit?: CreateAudit }): Promise<WriteOutcome>;
  transaction<T>(work: (repository: StorageRepository) => Promise<T>): Promise<T>;
  /**
   * This repository narrowed to what a caller may see (server/storage/access.ts): read, vread and instance history
   * of a resource outside it answer 404; searches, includes, chains, _has, totals and conditional matches leave it
   * out; type and system history need unrestricted access. Writes are not narrowed here: the policy checks them.
   */
  withAccess(access: AccessFilter): StorageRepository;
  /**
   * Records the hub's own audit events (NEN 7513) into the audit inbox, to be sealed into the chain soon after
   * (consent/audit/audit-trail.ts): in the current transaction when there is one, so that a write and its log
   * commit together or not at all. Not narrowed by any access.
   */
  appendAudit(records: AuditRecord[]): Promise<void>;
  /** Whether the live resource exists and is within this repository's access for `purpose`. */
  isVisible(resourceType: string, id: string, purpose?: AccessPurpose): Promise<boolean>;
  /** Inside a transaction: holds a lock on these criteria until commit, so concurrent conditional writes serialise. */
  lockCriteria(key: string): Promise<void>;
}
