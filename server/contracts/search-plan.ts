// A planned search, as the handler hands it to the Repository (server/contracts/repository.ts): per resource type
// the Condition its rows must meet, the sort, the page and the includes. Built by server/fhir/search/plan.ts.
import type { IncludeRule, SummaryMode, TotalMode } from '../fhir/search/parse.js';
import type { SearchParamType } from '../fhir/search/parameters.js';
import type { Condition } from './condition.js';

export interface SortKey {
  param: string;
  type: SearchParamType;
  descending: boolean;
}

interface TypePlan {
  resourceType: string;
  where: Condition;
}

export interface Plan {
  types: TypePlan[];
  sort: SortKey[];
  count: number;
  total: TotalMode;
  cursor?: string;
  include: IncludeRule[];
  revinclude: IncludeRule[];
  summary?: SummaryMode;
  elements?: string[];
}
