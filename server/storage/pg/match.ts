// Search criteria of conditional interactions (If-None-Exist, conditional update/delete, conditional references in
// Bundles): the search layer's own parse and plan, compiled to the same SQL as a search. Unlike a search, criteria
// the server cannot apply are refused rather than ignored: a conditional write on half-understood criteria would
// match wrongly.
import { errors } from '../../errors.js';
import { parseSearch } from '../../fhir/search/parse.js';
import { planSearch } from '../../fhir/search/plan.js';
import { conditionSql, rowsOf } from './search-sql.js';
import type { AccessFilter } from '../../contracts/access-filter.js';
import { restrict } from '../access.js';
import type { Db } from './db.js';
import { withValuePlans } from './value-plans.js';

/** Result parameters that make no sense as criteria and are skipped, as the spec's examples send them. */
const RESULT_PARAMETERS = ['_format', '_pretty', '_count', '_summary', '_elements', '_sort', '_total'];

export async function findIds(
  db: Db,
  resourceType: string,
  criteria: string,
  limit: number,
  storedTypes: ReadonlySet<string>,
  now: Date,
  access?: AccessFilter,
): Promise<string[]> {
  const query = new URLSearchParams(criteria.startsWith('?') ? criteria.slice(1) : criteria);
  for (const name of RESULT_PARAMETERS) query.delete(name);
  const search = parseSearch([resourceType], query, storedTypes);
  if (search.ignored.length) {
    throw errors.unsupportedSearchParameter(
      search.ignored[0].name,
      `${resourceType} in conditional interactions: ${search.ignored[0].reason}`,
    );
  }
  if (search.include.length || search.revinclude.length || search.cursor) {
    throw errors.badParameter('Conditional criteria cannot use _include, _revinclude or _cursor');
  }
  if (search.criteria.length === 0) {
    throw errors.missingCriteria('interaction');
  }
  const [{ where: criteriaWhere }] = planSearch(search).types;
  access?.checkCriteria?.(resourceType, criteriaWhere);
  // A conditional write matches only what its caller may resolve: a resource it may not see stays absent.
  const where = access ? restrict(criteriaWhere, resourceType, access, 'resolve') : criteriaWhere;
  const rows = await withValuePlans(db, (tx) => {
    const table = rowsOf(tx, resourceType, 'r');
    return tx<{ id: string }[]>`
    SELECT r.id::text AS id FROM ${table.from} WHERE ${table.live} AND ${conditionSql({ db: tx, now }, resourceType, 'r', where)} LIMIT ${limit}`;
  });
  return rows.map((row) => row.id);
}
