// What a caller may see, as the storage layer takes it: per resource type, a search Condition that the SQL of
// every read, search, include, chain, _has and conditional match is narrowed by. The consent layer implements it
// per access from its decision (consent/access/principal-access.ts); the storage knows nothing of principals.
import type { Condition } from './condition.js';

/** read: reading and searching (includes, chains and _has included); resolve: the id lookup of a conditional write. */
export type AccessPurpose = 'read' | 'resolve';

export interface AccessFilter {
  /** The resources of `resourceType` the caller may reach for `purpose`: `{ kind: 'false' }` for none. */
  condition(resourceType: string, purpose: AccessPurpose): Condition;
  /**
   * Throws when the caller may not match on these criteria of a conditional interaction (planned as the storage
   * planned them): a policy that hides elements from the caller hides them from its criteria too.
   */
  checkCriteria?(resourceType: string, where: Condition): void;
}
