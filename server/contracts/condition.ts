// The search Condition: the one vocabulary in which a search's criteria (server/fhir/search/plan.ts), the access
// policy's scopes (consent/policy/scope-condition.ts) and a client directive's exclusions are written, and which
// the storage compiles into SQL (server/storage/pg/search-sql.ts). Both sides import it from here, so that neither
// depends on the other's implementation.

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
export const PREFIXES: readonly Prefix[] = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];

/** A range value compared with a prefix: the search value covers [low, high). */
export interface RangeClause<T> {
  prefix: Prefix;
  low: T;
  high: T;
}

/** A decimal search value and the range its precision implies, as exact decimal texts (bound as numeric). */
export type NumberClause = RangeClause<string> & { value: string };

export type Condition =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'and' | 'or'; conditions: Condition[] }
  | { kind: 'not'; condition: Condition }
  | { kind: 'id'; ids: string[] }
  | { kind: 'last-updated'; clause: RangeClause<string> }
  | { kind: 'compartment'; patientKey: string }
  /** The resource has a row for `param` in a search table (`:missing` of string, date, number, quantity, uri). */
  | { kind: 'present'; table: string; param: string }
  /** The resource's tokens contain at least one of these entries (token-entry.ts). */
  | { kind: 'tokens'; entries: string[] }
  | { kind: 'string'; param: string; match: 'prefix' | 'exact' | 'contains'; value: string }
  /** A stored date of `param` meets every clause (several only for a single-valued parameter: the same value). */
  | { kind: 'date'; param: string; clauses: RangeClause<string>[]; pointInTime?: boolean }
  | { kind: 'number'; param: string; clause: NumberClause }
  | { kind: 'quantity'; param: string; clause: NumberClause; system?: string; code?: string }
  | { kind: 'reference'; param: string; targetType?: string; targetId?: string; url?: string; version?: string }
  | { kind: 'uri'; param: string; match: 'eq' | 'above' | 'below'; value: string }
  /** Resources whose `param` references a `targetType` resource satisfying `condition`. */
  | { kind: 'chain'; param: string; targetType: string; condition: Condition }
  /** Resources referenced through `param` by a `sourceType` resource satisfying `condition`. */
  | { kind: 'has'; sourceType: string; param: string; condition: Condition }
  /** Resources in the Patient compartment of a Patient satisfying `condition` (the access policy's care relations). */
  | { kind: 'in-compartment-of'; condition: Condition };

/** AND of conditions, simplified (true dropped, false absorbs); also the access layer's. */
export const and = (conditions: Condition[]): Condition => {
  const kept = conditions.filter((c) => c.kind !== 'true');
  if (kept.some((c) => c.kind === 'false')) return { kind: 'false' };
  return kept.length === 0 ? { kind: 'true' } : kept.length === 1 ? kept[0] : { kind: 'and', conditions: kept };
};
/** OR of conditions, simplified (false dropped, true absorbs). */
export const or = (conditions: Condition[]): Condition => {
  const kept = conditions.filter((c) => c.kind !== 'false');
  if (kept.some((c) => c.kind === 'true')) return { kind: 'true' };
  return kept.length === 0 ? { kind: 'false' } : kept.length === 1 ? kept[0] : { kind: 'or', conditions: kept };
};
