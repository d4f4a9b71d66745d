// The one error catalogue. Every error a client can cause is created here with a stable code
// HUB_ERR_<AREA>_<WHAT>, an HTTP status and the FHIR issue type its OperationOutcome carries.
// Spent codes (removed errors) are listed below and must never be reused with another meaning.
//   spent: (none yet)
import createError from '@fastify/error';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

type IssueType = OperationOutcomeIssue['code'];

export interface HubErrorInfo {
  status: number;
  issueType: IssueType;
}

const catalogue = new Map<string, HubErrorInfo>();

/** An error instance may carry ready-made issues (validation) and the element path it concerns. */
export interface HubError extends Error {
  code: string;
  statusCode: number;
  issues?: OperationOutcomeIssue[];
  expression?: string[];
  /** Position of the failing item in a bulk write (createMany), so a Bundle can name its entry. */
  position?: number;
}

function define<Args extends unknown[]>(code: string, message: string, status: number, issueType: IssueType) {
  catalogue.set(code, { status, issueType });
  const Ctor = createError<Args>(code, message, status);
  return (...args: Args): HubError => new Ctor(...args) as HubError;
}

export function errorInfo(code: string | undefined): HubErrorInfo | undefined {
  return code ? catalogue.get(code) : undefined;
}

export function catalogueCodes(): string[] {
  return [...catalogue.keys()];
}

export function withIssues(error: HubError, issues: OperationOutcomeIssue[]): HubError {
  error.issues = issues;
  return error;
}

// CONFIG: never reaches a client, stops start-up.
// STORE: storage and REST interactions.
export const errors = {
  notFound: define<[string]>('HUB_ERR_STORE_NOT_FOUND', 'Resource %s is not known', 404, 'not-found'),
  versionNotFound: define<[string]>('HUB_ERR_STORE_VERSION_NOT_FOUND', 'Version %s is not known', 404, 'not-found'),
  gone: define<[string]>('HUB_ERR_STORE_GONE', 'Resource %s has been deleted', 410, 'deleted'),
  unknownType: define<[string]>(
    'HUB_ERR_STORE_UNKNOWN_TYPE',
    '"%s" is not an R4 resource type this server stores',
    404,
    'not-supported',
  ),
  invalidId: define<[string]>(
    'HUB_ERR_STORE_INVALID_ID',
    'Id "%s" is not a valid FHIR id (1 to 64 characters of A-Z, a-z, 0-9, "-" and ".")',
    400,
    'value',
  ),
  versionConflict: define<[string, string]>(
    'HUB_ERR_STORE_VERSION_CONFLICT',
    'If-Match expected version %s but the current version is %s',
    412,
    'conflict',
  ),
  concurrentUpdate: define<[string]>(
    'HUB_ERR_STORE_CONCURRENT_UPDATE',
    'Resource %s kept changing while this update was applied; retry the update',
    409,
    'conflict',
  ),
  badIfMatch: define<[string]>(
    'HUB_ERR_STORE_BAD_IF_MATCH',
    'If-Match "%s" is not an ETag of the form W/"<version>"',
    400,
    'value',
  ),
  idMismatch: define<[string, string]>(
    'HUB_ERR_STORE_ID_MISMATCH',
    'The resource id "%s" does not match the id "%s" in the URL',
    400,
    'value',
  ),
  typeMismatch: define<[string, string]>(
    'HUB_ERR_STORE_TYPE_MISMATCH',
    'The body is a %s but the URL names %s',
    400,
    'value',
  ),
  auditLogReadOnly: define<[]>(
    'HUB_ERR_STORE_AUDIT_READ_ONLY',
    "AuditEvents are the hub's own record of every access (the audit log): none can be created, changed or deleted through the API",
    405,
    'not-supported',
  ),
  missingId: define<[]>('HUB_ERR_STORE_MISSING_ID', 'An update needs an id in the resource body', 400, 'required'),
  multipleMatches: define<[string, string]>(
    'HUB_ERR_STORE_MULTIPLE_MATCHES',
    'Conditional %s matched more than one resource (%s); make the criteria more selective',
    412,
    'multiple-matches',
  ),
  invalidResource: define<[string]>('HUB_ERR_STORE_INVALID_RESOURCE', '%s', 400, 'invalid'),
  profileViolation: define<[string]>('HUB_ERR_STORE_PROFILE_VIOLATION', '%s', 422, 'processing'),
  invalidPatch: define<[string]>(
    'HUB_ERR_STORE_INVALID_PATCH',
    'The JSON Patch cannot be applied: %s',
    422,
    'processing',
  ),
  // REST: the HTTP surface.
  unsupportedMediaType: define<[string]>(
    'HUB_ERR_REST_UNSUPPORTED_MEDIA_TYPE',
    'Content-Type "%s" is not supported; send application/fhir+json or application/json (XML is not supported)',
    415,
    'not-supported',
  ),
  notAcceptable: define<[string]>(
    'HUB_ERR_REST_NOT_ACCEPTABLE',
    'Cannot answer in "%s"; this server speaks application/fhir+json and application/json only',
    406,
    'not-supported',
  ),
  invalidJson: define<[string]>('HUB_ERR_REST_INVALID_JSON', 'The body is not valid JSON: %s', 400, 'structure'),
  bodyTooLarge: define<[number]>(
    'HUB_ERR_REST_BODY_TOO_LARGE',
    'The request body is larger than the limit of %d bytes; split it into smaller requests',
    413,
    'too-costly',
  ),
  tooManyEntries: define<[number, number]>(
    'HUB_ERR_REST_TOO_MANY_ENTRIES',
    'The Bundle has %d entries; the limit is %d; split it into smaller Bundles',
    413,
    'too-costly',
  ),
  notFoundRoute: define<[string, string]>(
    'HUB_ERR_REST_NO_ROUTE',
    'No interaction matches %s %s',
    404,
    'not-supported',
  ),
  badParameter: define<[string]>('HUB_ERR_REST_BAD_PARAMETER', '%s', 400, 'value'),
  badBundle: define<[string]>('HUB_ERR_REST_BAD_BUNDLE', '%s', 400, 'invalid'),
  // SEARCH: search and the criteria of conditional interactions.
  unsupportedSearchParameter: define<[string, string]>(
    'HUB_ERR_SEARCH_UNSUPPORTED_PARAMETER',
    'Search parameter "%s" is not supported on %s',
    400,
    'not-supported',
  ),
  badSearchValue: define<[string, string]>(
    'HUB_ERR_SEARCH_BAD_VALUE',
    'Search parameter "%s" has an invalid value: %s',
    400,
    'value',
  ),
  strictIgnored: define<[string]>(
    'HUB_ERR_SEARCH_NOT_APPLIED',
    'Under Prefer: handling=strict the search refuses parameters it cannot apply: %s',
    400,
    'not-supported',
  ),
  searchTooCostly: define<[]>(
    'HUB_ERR_SEARCH_TOO_COSTLY',
    'The search ran longer than the hub allows a search (HUB_SEARCH_TIMEOUT_MS) and was stopped; narrow it: a rarer value, no :contains on common text, _total=none',
    400,
    'too-costly',
  ),
  missingCriteria: define<[string]>(
    'HUB_ERR_SEARCH_MISSING_CRITERIA',
    'Conditional %s needs search criteria in the URL',
    412,
    'required',
  ),
  // AUTH: who is asking (consent/): bearer tokens on the FHIR API and what a token's data services allow.
  invalidToken: define<[string]>('HUB_ERR_AUTH_INVALID_TOKEN', '%s', 401, 'login'),
  insufficientScope: define<[string]>('HUB_ERR_AUTH_INSUFFICIENT_SCOPE', '%s', 403, 'forbidden'),
  // TERM: terminology operations ($expand, $lookup, $validate-code) over the conformance registry.
  unknownValueSet: define<[string]>(
    'HUB_ERR_TERM_UNKNOWN_VALUE_SET',
    'ValueSet %s is not known to this hub (neither R4 core, the hub package nor a loaded package defines it)',
    404,
    'not-found',
  ),
  unknownCodeSystem: define<[string]>(
    'HUB_ERR_TERM_UNKNOWN_CODE_SYSTEM',
    'CodeSystem %s is not known to this hub (neither R4 core, the hub package nor a loaded package defines it)',
    404,
    'not-found',
  ),
  unknownVersion: define<[string, string, string]>(
    'HUB_ERR_TERM_UNKNOWN_VERSION',
    'The hub holds %s in version "%s" only, not "%s"',
    404,
    'not-found',
  ),
  unknownCode: define<[string, string]>(
    'HUB_ERR_TERM_UNKNOWN_CODE',
    'Code "%s" is not defined in CodeSystem %s',
    404,
    'not-found',
  ),
  conceptsNotHeld: define<[string, string, string]>(
    'HUB_ERR_TERM_CONCEPTS_NOT_HELD',
    'CodeSystem %s is held with content "%s", so the hub cannot tell whether code "%s" exists',
    422,
    'not-supported',
  ),
  cannotExpand: define<[string, string]>(
    'HUB_ERR_TERM_CANNOT_EXPAND',
    'ValueSet %s cannot be expanded here: %s',
    422,
    'not-supported',
  ),
  // REGISTRY: the registry of OAuth clients and its admin API (consent/registry/).
  registryInvalidClient: define<[string, string]>(
    'HUB_ERR_REGISTRY_INVALID_CLIENT',
    'OAuth client "%s" is not valid: %s',
    400,
    'invalid',
  ),
  registryUnknownClient: define<[string]>(
    'HUB_ERR_REGISTRY_UNKNOWN_CLIENT',
    'No OAuth client "%s" is registered',
    404,
    'not-found',
  ),
  registryClientIdMismatch: define<[string, string]>(
    'HUB_ERR_REGISTRY_CLIENT_ID_MISMATCH',
    'The body names client "%s" but the URL names "%s"',
    400,
    'value',
  ),
  registryInvalidClientList: define<[string]>(
    'HUB_ERR_REGISTRY_INVALID_CLIENT_LIST',
    'The MedMij OAuth client list is not valid: %s',
    400,
    'invalid',
  ),
  registryUnsupportedMediaType: define<[string, string]>(
    'HUB_ERR_REGISTRY_UNSUPPORTED_MEDIA_TYPE',
    'Content-Type "%s" is not accepted here; send %s',
    415,
    'not-supported',
  ),
  registryForbidden: define<[]>(
    'HUB_ERR_REGISTRY_FORBIDDEN',
    'Only an authenticated admin may manage OAuth clients',
    403,
    'forbidden',
  ),
  registryNoTokenForClient: define<[string, string]>(
    'HUB_ERR_REGISTRY_NO_TOKEN_FOR_CLIENT',
    'No token can be issued here for OAuth client "%s": %s',
    409,
    'business-rule',
  ),

  // INGEST: messages through the adapters (server/ingest/).
  ingestUnknownAdapter: define<[string, string]>(
    'HUB_ERR_INGEST_UNKNOWN_ADAPTER',
    'There is no adapter "%s"; the adapters are: %s',
    400,
    'not-supported',
  ),
  ingestAdapterUnavailable: define<[string, string]>(
    'HUB_ERR_INGEST_ADAPTER_UNAVAILABLE',
    'The adapter "%s" is not available on this hub: %s',
    503,
    'not-supported',
  ),
  ingestEmpty: define<[]>('HUB_ERR_INGEST_EMPTY', 'The body holds no message', 400, 'required'),
  ingestUnreadable: define<[string, string]>('HUB_ERR_INGEST_UNREADABLE', 'At %s: %s', 400, 'structure'),
  ingestUnmappable: define<[string, string]>('HUB_ERR_INGEST_UNMAPPABLE', 'At %s: %s', 422, 'processing'),
  ingestMessageNotFound: define<[string]>(
    'HUB_ERR_INGEST_MESSAGE_NOT_FOUND',
    'There is no quarantined message %s that you may see',
    404,
    'not-found',
  ),
  ingestNotQuarantined: define<[string, string]>(
    'HUB_ERR_INGEST_NOT_QUARANTINED',
    'Message %s is not in quarantine (it is %s)',
    409,
    'conflict',
  ),
};
