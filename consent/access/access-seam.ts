// The access seam: the one path every access to the hub's data takes, whatever its entrance (the REST API and its
// Bundles, the audit and admin routes, the authorization server's events; adapters, subscriptions, exports and the
// console as they arrive). It authenticates (a bearer token, or a principal the entrance holds), decides (the
// policy's decisions, through the policy repository the work is handed, or a hub operation's rule), runs the work
// and records the access in the NEN 7513 trail:
// - a write (and a transaction Bundle) commits with its record in one transaction;
// - a single unconditional create writes its record in the create batcher's group commit;
// - everything else is recorded before the result is handed back;
// - a refusal or failure is recorded too, naming the clients it was aimed at, and then rethrown.
// A record that cannot be written fails the access: nothing goes unlogged. No other code calls decide() for an
// access or builds an audit record; a new entrance is a new caller of `access`. HTTP-free: it knows no request.
import type { HubError } from '../../server/errors.js';
import type { AccessFacts, AccessGate, AccessLog, Credentials, StatusOf } from '../../server/contracts/access.js';
import type { AuditRecord, AuditSink } from '../../server/contracts/audit-record.js';
import type { Principal } from '../../server/contracts/principal.js';
import type { Repository, StoredVersion } from '../../server/contracts/repository.js';
import type { StorageRepository } from '../../server/storage/storage-repository.js';
import { errors } from '../../server/errors.js';
import {
  type Authenticator,
  AuthenticationError,
  authenticateBearer,
  challengeHeader,
  refusal,
  refusedPrincipalOf,
} from '../authenticate.js';
import { decideOperation } from '../policy/decide.js';
import { isHubOperation, type PolicyRules } from '../policy/rules.js';
import { attemptedClients } from './attempted-clients.js';
import { CallerDirectiveCache } from './directive-source.js';
import { AccessLedger, PolicyRepository, policyRepositoryFor } from './policy-repository.js';
import { PrincipalAccess } from './principal-access.js';
import { requestRecord } from './request-record.js';
import { securityRecord, type SecurityFacts } from './security-record.js';

export interface AccessSeamOptions {
  /** The unrestricted storage. */
  storage: StorageRepository;
  /** Bearer tokens and the consent caches' listener. */
  authenticator: Authenticator;
  /**
   * The NEN 7513 audit trail. Absent only in the benchmark that measures what the trail costs (AppConfig.unaudited);
   * no configuration of the hub turns it off.
   */
  audit?: AuditSink;
  /** The system roles' rules in force: the baseline (consent/policy/rules.ts) unless HUB_ACCESS_POLICY configures others. */
  rules?: PolicyRules;
  /** The hub's base URL, naming it as the source of its records. */
  hub: string;
  /** The principal of a registered system client (Credentials.registeredClient): its registration, active. */
  registeredPrincipal?: (clientId: string) => Promise<Principal | undefined>;
}

/** Interactions that commit with their record in one transaction. A batch's entries commit one by one. */
const ATOMIC = new Set(['create', 'update', 'conditional-update', 'patch', 'delete', 'conditional-delete']);

/** The types whose writes change what the consent layer keeps between requests (consent/consent-changes.ts). */
const CONSENT_STATE = new Set(['Consent', 'Organization']);

export class AccessSeam implements AccessGate {
  readonly #options: AccessSeamOptions;
  readonly #directiveCache: CallerDirectiveCache | undefined;

  constructor(options: AccessSeamOptions) {
    this.#options = options;
    const changes = options.authenticator.changes;
    this.#directiveCache = changes ? new CallerDirectiveCache(changes) : undefined;
  }

  /** The issuer of the tokens it accepts (the CapabilityStatement names its OAuth endpoints). */
  get issuer(): string {
    return this.#options.authenticator.issuer;
  }

  async authenticate(facts: AccessFacts, credentials: Credentials, log?: AccessLog): Promise<Principal> {
    try {
      return await this.#authenticate(credentials, log);
    } catch (error) {
      await this.recordRefusal(facts, undefined, undefined, error, log);
      throw error;
    }
  }

  publicRepository(): Repository {
    return new PolicyRepository(this.#options.storage, new PrincipalAccess(undefined));
  }

  async access<T>(
    facts: AccessFacts,
    credentials: Credentials,
    work: (repository: Repository, principal: Principal) => Promise<T>,
    statusOf: StatusOf<T>,
    log?: AccessLog,
  ): Promise<T> {
    const open = await this.open(facts, credentials, log);
    return open.run(work, statusOf);
  }

  /**
   * The first half of an access, for an entrance that authenticates before it has read what it is asked (the admin
   * API refuses before reading a body): authenticated and, for a hub operation, decided; refusals recorded. The
   * entrance then runs the work, or reports the error that came before it could (OpenAccess.fail).
   */
  async open(facts: AccessFacts, credentials: Credentials, log?: AccessLog): Promise<OpenAccess> {
    let principal: Principal | undefined;
    try {
      principal = await this.#authenticate(credentials, log);
      const ledger = new AccessLedger();
      if (isHubOperation(facts.interaction)) {
        const decision = decideOperation(principal, facts.interaction);
        if (decision.effect === 'deny') throw errors.insufficientScope(`Not allowed: ${decision.reason}`);
        ledger.rules.add(decision.rule);
      }
      return new OpenAccess(this, facts, principal, ledger, log);
    } catch (error) {
      await this.recordRefusal(facts, principal, undefined, error, log);
      this.#consentStateChanged(facts);
      throw error;
    }
  }

  /** @internal OpenAccess.run: decide, run and record. */
  async run<T>(
    open: OpenAccess,
    work: (repository: Repository, principal: Principal) => Promise<T>,
    statusOf: StatusOf<T>,
  ): Promise<T> {
    const { audit, storage } = this.#options;
    const { facts, principal, log } = open;
    let recording = false;
    // A single unconditional create writes its record with it (the create batcher's group commit, or the policy's
    // transaction): built when the version is about to be written, so that it names it.
    const plainCreate = audit !== undefined && facts.interaction === 'create' && !facts.conditional;
    let claimed = false;
    const ledger: AccessLedger = new AccessLedger(
      plainCreate
        ? (version): AuditRecord | undefined => {
            claimed = true;
            return this.#record(facts, principal, 201, ledger, version);
          }
        : undefined,
    );
    for (const rule of open.ledger.rules) ledger.rules.add(rule);
    try {
      const policy = await policyRepositoryFor(storage, principal, {
        rules: this.#options.rules,
        directiveCache: this.#directiveCache,
        ledger,
      });
      // A plain create's record rides with it (above); other writes commit with theirs in one transaction.
      if (!plainCreate && isAtomic(facts)) {
        const result = await policy.atomically(
          (tx) => work(tx, principal),
          (result) => {
            recording = true;
            return audit ? this.#record(facts, principal, statusOf(result), ledger) : undefined;
          },
        );
        audit?.sealSoon(); // committed with its record: the sealer may chain it now
        return result;
      }
      const result = await work(policy, principal);
      recording = true;
      if (claimed) audit?.sealSoon();
      else await audit?.record(this.#record(facts, principal, statusOf(result), ledger));
      return result;
    } catch (error) {
      if (!recording) await this.recordRefusal(facts, principal, ledger, error, log);
      throw error;
    } finally {
      this.#consentStateChanged(facts);
    }
  }

  /**
   * A Consent or Organization written here may withdraw what a token stands on or change a client directive: the
   * kept answers go now, not when PostgreSQL's notification of the change arrives (consent/consent-changes.ts).
   */
  #consentStateChanged(facts: AccessFacts): void {
    if (
      facts.method !== 'GET' &&
      (CONSENT_STATE.has(facts.resourceType ?? '') || facts.interaction === 'batch-transaction')
    ) {
      this.#options.authenticator.changes?.changedHere();
    }
  }

  /**
   * An event of the authorization server that is no access to data (a login, a consent given or refused, a token
   * issued or refused), recorded as it happened; resolves once durable.
   */
  event(facts: Omit<SecurityFacts, 'hub'>): Promise<void> {
    return this.#options.audit?.record(securityRecord({ ...facts, hub: this.#options.hub })) ?? Promise.resolve();
  }

  async #authenticate(credentials: Credentials, log: AccessLog | undefined): Promise<Principal> {
    if ('principal' in credentials) return credentials.principal;
    if ('registeredClient' in credentials) {
      const principal = await this.#options.registeredPrincipal?.(credentials.registeredClient);
      if (!principal) {
        throw errors.invalidToken(
          `the client ${credentials.registeredClient} is not an active registered system client`,
        );
      }
      return principal;
    }
    try {
      return await authenticateBearer(this.#options.authenticator, credentials.authorization, log);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      credentials.challenge?.(challengeHeader(error));
      throw refusal(error);
    }
  }

  #record(
    facts: AccessFacts,
    principal: Principal,
    status: number,
    ledger: AccessLedger,
    created?: StoredVersion,
  ): AuditRecord {
    return requestRecord(
      { ...recordFacts(facts), principal, status, hub: this.#options.hub, recorded: new Date() },
      { rules: [...ledger.rules], touched: created ? [...ledger.touched, created] : ledger.touched },
    );
  }

  /** @internal The refusal or failure is recorded too; if that fails as well, the original error is the answer. */
  async recordRefusal(
    facts: AccessFacts,
    principal: Principal | undefined,
    ledger: AccessLedger | undefined,
    error: unknown,
    log: AccessLog | undefined,
  ): Promise<void> {
    if (!this.#options.audit) return;
    const hub = error as HubError;
    const status = errorStatus(error);
    // A refusal names the client it was aimed at and why (a token that no longer stands still says whose it was).
    const refused = principal ?? refusedPrincipalOf(error);
    const reason = status === 401 || status === 403 ? hub.message : undefined;
    try {
      const attempted = facts.attempt ? await attemptedClients(this.#options.storage, facts.attempt) : [];
      await this.#options.audit!.record(
        requestRecord(
          {
            ...recordFacts(facts),
            principal: refused,
            status,
            errorCode: hub.code,
            reason,
            attempted,
            hub: this.#options.hub,
            recorded: new Date(),
          },
          { rules: ledger ? [...ledger.rules] : [], touched: [] },
        ),
      );
    } catch (auditError) {
      log?.error({ err: auditError }, 'audit record of a refused request failed');
    }
  }
}

/** An access authenticated (and, for a hub operation, decided), whose work is yet to run. */
export class OpenAccess {
  #settled = false;

  constructor(
    readonly seam: AccessSeam,
    readonly facts: AccessFacts,
    readonly principal: Principal,
    readonly ledger: AccessLedger,
    readonly log: AccessLog | undefined,
  ) {}

  /** Runs the work on the caller's repository and records the access (once). */
  run<T>(work: (repository: Repository, principal: Principal) => Promise<T>, statusOf: StatusOf<T>): Promise<T> {
    if (this.#settled) throw new Error('an access runs once'); // a programming error
    this.#settled = true;
    return this.seam.run(this, work, statusOf);
  }

  /** The access failed before its work could run (a body that does not parse): recorded as such. */
  async fail(error: unknown): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    await this.seam.recordRefusal(this.facts, this.principal, this.ledger, error, this.log);
  }
}

function isAtomic(facts: AccessFacts): boolean {
  return facts.interaction === 'batch-transaction' ? facts.bundleType === 'transaction' : ATOMIC.has(facts.interaction);
}

/** The facts a record keeps of an access (never its body). */
function recordFacts(facts: AccessFacts) {
  const { attempt: _attempt, conditional: _conditional, ...kept } = facts;
  return kept;
}

/** The status an error answers with: a HubError's own, a body that is no JSON 400, anything else 500. */
function errorStatus(error: unknown): number {
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400) return status;
  return error instanceof SyntaxError ? 400 : 500;
}
