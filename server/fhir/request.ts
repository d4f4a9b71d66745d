// The FHIR router knows no HTTP: an interaction takes a FhirRequest and returns a FhirResult. The fastify routes
// and the Bundle processor both build FhirRequests, so a Bundle entry runs exactly the code of the REST call.
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Repository, StoredVersion } from '../contracts/repository.js';
import type { Conformance } from './profiles/conformance.js';
import type { FhirRoute } from './routes.js';

export type FhirMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface FhirRequest {
  method: FhirMethod;
  /** Path parameters: resourceType, id, versionId, and the target type of a compartment search. */
  params: { resourceType?: string; id?: string; versionId?: string; type?: string };
  /** The query string, as sent (repeated parameters keep their order). */
  query: URLSearchParams;
  headers: {
    ifMatch?: string;
    ifNoneExist?: string;
    /** Conditional read: `W/"3"` (or `*`), and an HTTP date. */
    ifNoneMatch?: string;
    ifModifiedSince?: string;
    /** `Prefer: handling=strict|lenient` (search: refuse or report parameters it cannot apply). */
    preferHandling?: 'strict' | 'lenient';
  };
  body?: unknown;
}

export interface FhirResult {
  status: number;
  /** A stored version (sent as stored), or a resource built for this response (Bundle, OperationOutcome, ...). */
  version?: StoredVersion;
  resource?: Resource;
  /** A response body already serialised (a Bundle built around stored texts). */
  json?: string;
  /** Set for creates: the new version's URL is sent as Location. */
  location?: boolean;
  /** An OperationOutcome to send when the client prefers it, or when there is no resource. */
  outcome?: OperationOutcome;
}

export interface InteractionContext {
  repository: Repository;
  /** Profiles, terminology and loaded packages ($validate profile=, terminology operations). */
  conformance: Conformance;
  /** Public base URL of the FHIR endpoint, without trailing slash. */
  baseUrl: string;
  /** The authorization server's issuer, when the hub takes tokens (for the CapabilityStatement). */
  oauthIssuer?: string;
  maxBundleEntries: number;
  /** The route table, for dispatching Bundle entries through the same interactions as REST calls. */
  routes: FhirRoute[];
  /** `Prefer: return=...` of the HTTP request, for Bundle entry responses. */
  preferReturn?: 'minimal' | 'representation' | 'OperationOutcome';
}

export type Interaction = (request: FhirRequest, context: InteractionContext) => Promise<FhirResult>;
