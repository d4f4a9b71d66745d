// search at type, system and compartment level (http://hl7.org/fhir/R4/http.html#search):
//   GET [type]?...            POST [type]/_search (form body)
//   GET ?_type=A,B&...        POST _search
//   GET Patient/[id]/[type]?...
// Parse (parse.ts) -> plan (plan.ts) -> the repository runs it (SQL) -> searchset Bundle (bundle.ts). Parameters
// the search cannot apply are reported in an OperationOutcome entry, or refused with 400 under
// `Prefer: handling=strict`; malformed values are always 400.
import type { OperationOutcome } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import { storedResourceTypeSet } from '../../storage/pg/resource-tables.js';
import { searchsetBundle } from '../search/bundle.js';
import { explainCondition, explainPlan } from '../search/explain.js';
import { MAX_INCLUDED, parseSearch, type SearchRequest } from '../search/parse.js';
import { planSearch, type PlanOptions } from '../search/plan.js';
import type { FhirRequest, FhirResult, Interaction, InteractionContext } from '../request.js';

const stored = storedResourceTypeSet;

/** The search parameters: the query string, plus the form body of POST _search. */
function searchParams(request: FhirRequest): URLSearchParams {
  const params = new URLSearchParams(request.query);
  if (request.body instanceof URLSearchParams) {
    for (const [key, value] of request.body) params.append(key, value);
  }
  return params;
}

function warnings(search: SearchRequest): OperationOutcome | undefined {
  if (!search.ignored.length) return undefined;
  return {
    resourceType: 'OperationOutcome',
    issue: search.ignored.map((ignored) => ({
      severity: 'warning',
      code: 'not-supported',
      diagnostics: `Parameter "${ignored.name}" was not applied: ${ignored.reason}`,
      expression: [ignored.name],
    })),
  };
}

/** A search over `resourceTypes` with `request`'s parameters, answered as a searchset Bundle (also $everything's). */
export async function runSearch(
  request: FhirRequest,
  context: InteractionContext,
  resourceTypes: string[],
  path: string,
  planOptions: PlanOptions,
): Promise<FhirResult> {
  const params = searchParams(request);
  const search = parseSearch(resourceTypes, params, stored());
  if (search.ignored.length && request.headers.preferHandling === 'strict') {
    throw errors.strictIgnored(search.ignored.map((i) => `${i.name} (${i.reason})`).join('; '));
  }
  const plan = planSearch(search, { baseUrl: context.baseUrl, ...planOptions });
  const result = await context.repository.search(plan);
  let outcome = warnings(search);
  if (params.get('_explain') === 'true' || params.get('__explain') === 'true') {
    // The plan as the storage runs it, with the caller's own access condition per type ANDed into its SQL: a
    // developer sees the narrowing of each role (it shows the caller nothing but the shape of its own access).
    const access = (result.access ?? [])
      .map(({ resourceType, condition }) => `${resourceType}: ${explainCondition(condition)}`)
      .join('; ');
    const info = (diagnostics: string) => ({
      severity: 'information' as const,
      code: 'informational' as const,
      diagnostics,
    });
    const issues = [info(explainPlan(plan)), info(`access: ${access || 'unrestricted'}`)];
    outcome = outcome
      ? { ...outcome, issue: [...issues, ...outcome.issue] }
      : { resourceType: 'OperationOutcome', issue: issues };
  }
  if (result.includedTruncated) {
    const issue = {
      severity: 'warning' as const,
      code: 'too-costly' as const,
      diagnostics: `The search reached more than ${MAX_INCLUDED} resources to include; the rest were left out`,
    };
    outcome = outcome
      ? { ...outcome, issue: [...outcome.issue, issue] }
      : { resourceType: 'OperationOutcome', issue: [issue] };
  }
  const json = searchsetBundle(result, {
    baseUrl: context.baseUrl,
    path,
    query: params,
    request: search,
    cursor: search.cursor,
    outcome,
  });
  return { status: 200, json };
}

function assertType(type: string | undefined): string {
  if (!type || !stored().has(type)) {
    throw errors.unknownType(type ?? '');
  }
  return type;
}

export const searchType: Interaction = (request, context) => {
  const type = assertType(request.params.resourceType);
  return runSearch(request, context, [type], type, {});
};

export const searchSystem: Interaction = (request, context) => {
  const listed = searchParams(request)
    .getAll('_type')
    .flatMap((value) => value.split(','))
    .map((type) => type.trim())
    .filter(Boolean);
  const types = listed.length ? [...new Set(listed)].map(assertType) : [...stored()];
  return runSearch(request, context, types, '', {});
};

export const searchCompartment: Interaction = (request, context) => {
  const {
    resourceType: compartment,
    id,
    type,
  } = request.params as { resourceType?: string; id?: string; type?: string };
  if (compartment !== 'Patient') {
    throw errors.unsupportedSearchParameter(
      `${compartment}/${id}/${type}`,
      'this server: only the Patient compartment can be searched',
    );
  }
  if (!id || !/^[A-Za-z0-9\-.]{1,64}$/.test(id)) {
    throw errors.invalidId(id ?? '');
  }
  const target = assertType(type);
  return runSearch(request, context, [target], `Patient/${id}/${target}`, { compartmentPatientId: id });
};
