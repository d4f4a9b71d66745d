// The access seam as every entrance sees it (implemented by consent/access/access-seam.ts): one HTTP-free path
// that authenticates the caller, decides, hands the work a repository scoped to the caller's decisions, and
// records the access in the NEN 7513 audit trail, refused or not. An entrance (the REST API, a Bundle, an adapter,
// a subscription delivery, an export, the console) describes the access in AccessFacts and calls `access`; it never
// decides or builds an audit record itself.
import type { Principal } from './principal.js';
import type { Repository } from './repository.js';

/** Where an access came in; recorded with it. */
type Entrance = 'rest' | 'ingest' | 'subscription' | 'export' | 'console' | 'audit' | 'admin';

export interface AccessFacts {
  entrance: Entrance;
  /** The interaction (routes.ts: read, search-type, create, batch-transaction, operation:validate, ...) or hub operation. */
  interaction: string;
  /** The HTTP method, or the verb it stands for where there is no HTTP (GET for a read, POST for a create). */
  method: string;
  resourceType?: string;
  id?: string;
  /** The query string of searches and conditional interactions. */
  query?: string;
  /** The caller's network address. */
  address?: string;
  /** Why, as a v3 ActReason code, where the entrance knows better than the caller's role (audit-event.ts). */
  purpose?: string;
  /** A batch or transaction Bundle's type. */
  bundleType?: 'batch' | 'transaction';
  /** A conditional create (If-None-Exist): its record is not written in the create's group commit. */
  conditional?: boolean;
  /** What the access was aimed at, so that the record of a refusal names the clients concerned. */
  attempt?: { params: Record<string, string | undefined>; query: URLSearchParams; body?: unknown };
}

/** Who is asking: a bearer token to verify, or a principal the entrance already holds (a subscriber, an MLLP link). */
export type Credentials =
  | {
      /** The Authorization header as sent (undefined: none was). */
      authorization: string | undefined;
      /** Receives the RFC 6750 challenge of a refused token (the HTTP entrance sets WWW-Authenticate with it). */
      challenge?: (header: string) => void;
    }
  | { principal: Principal }
  /**
   * A system client registered in the hub, for an entrance configured with it rather than handed a token: an MLLP
   * listener's sending client, or a quarantined message replayed as the client that sent it. An inactive or
   * unknown client is refused like a token that no longer stands.
   */
  | { registeredClient: string };

/** Logs without a client's BSN or clinical content: the entrance's request logger. */
export interface AccessLog {
  warn(facts: object, message: string): void;
  error(facts: object, message: string): void;
}

/** What a piece of work answered, as far as its audit record is concerned. */
export type StatusOf<T> = (result: T) => number;

export interface AccessGate {
  /**
   * One access, start to end: authenticate, decide, run `work` with the caller's repository, record. A write (and
   * a transaction Bundle) commits with its record in one transaction; everything else is recorded before the
   * result is returned; a refusal or failure is recorded and rethrown. A record that cannot be written fails it.
   */
  access<T>(
    facts: AccessFacts,
    credentials: Credentials,
    work: (repository: Repository, principal: Principal) => Promise<T>,
    statusOf: StatusOf<T>,
    log?: AccessLog,
  ): Promise<T>;
  /**
   * Who is asking, for an entrance that makes several accesses under one credential (an ingest body of many
   * messages): each access then passes the principal. A refusal is recorded with `facts`, then rethrown.
   */
  authenticate(facts: AccessFacts, credentials: Credentials, log?: AccessLog): Promise<Principal>;
  /** The repository of a public interaction (the CapabilityStatement): it holds no principal and opens no data. */
  publicRepository(): Repository;
}
