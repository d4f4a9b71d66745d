// The registry of OAuth clients over the oauth_clients table (migration 0006). Every write is validated
// (client-validation.ts) and answers whether it added, updated or left the client unchanged, so the seed file and
// the MedMij import can run at every start-up. Secrets are stored as scrypt hashes and never read back out.
//
// get() is on the hot path (the authorize and token endpoints call it on every request), so it is served from a
// small in-process cache: cleared for a client when this registry writes it, and otherwise trusted for
// `cacheTtlMs` (default 30 s), which bounds how long another hub process on the same database sees an old client.
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Sql } from 'postgres';
import type { PolicyRules } from '../policy/rules.js';
import { errors, withIssues, type HubError } from '../../server/errors.js';
import { checkClient, validateName, validateSecret, type ClientProblem } from './client-validation.js';
import type { RegisteredClient, StoredClient } from './registered-client.js';
import { hashSecret, verifySecretHash } from './secret-hash.js';

export type { RegisteredClient, StoredClient } from './registered-client.js';

export interface ClientRegistryOptions {
  /** How long get() trusts a cached client (default 30000 ms; 0 turns the cache off). */
  cacheTtlMs?: number;
  /** Most clients cached at once (default 1000); unknown ids are cached too, so this bounds a flood of them. */
  cacheSize?: number;
  /** Accept http redirect and JWKS URIs on loopback, for development (default true; turn off in production). */
  allowHttpLoopback?: boolean;
  /** The clock of the cache, in ms (tests). */
  now?: () => number;
  /**
   * The system roles' rules that a system client's scopes must fit (role-scopes.ts): the hub's, with those of
   * HUB_ACCESS_POLICY (default the baseline, SYSTEM_RULES).
   */
  rules?: PolicyRules;
}

export type PutOutcome = 'added' | 'updated' | 'unchanged';

export interface PutResult {
  client: StoredClient;
  outcome: PutOutcome;
}

interface ClientRow {
  client_id: string;
  kind: RegisteredClient['kind'];
  role: RegisteredClient['role'] | null;
  organization_system: string | null;
  organization_value: string | null;
  name: string;
  redirect_uris: string[];
  public_client: boolean;
  token_endpoint_auth_method: RegisteredClient['tokenEndpointAuthMethod'];
  jwks: { keys: object[] } | null;
  jwks_uri: string | null;
  data_services: string[];
  active: boolean;
  has_secret: boolean;
  created_at: Date;
  updated_at: Date;
}

interface CacheEntry {
  client: StoredClient | undefined;
  expires: number;
}

const MAX_SECRET_LENGTH = 1024;

export class ClientRegistry {
  readonly #sql: Sql;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #ttl: number;
  readonly #cacheSize: number;
  readonly #allowHttpLoopback: boolean;
  readonly #now: () => number;
  /** What a system client's scopes are checked against; the seed file's pre-check uses the same. */
  readonly rules: PolicyRules | undefined;
  #dummyHash: Promise<string> | undefined;

  constructor(sql: Sql, options: ClientRegistryOptions = {}) {
    this.#sql = sql;
    this.#ttl = options.cacheTtlMs ?? 30_000;
    this.#cacheSize = options.cacheSize ?? 1000;
    this.#allowHttpLoopback = options.allowHttpLoopback ?? true;
    this.#now = options.now ?? Date.now;
    this.rules = options.rules;
  }

  /** The client, or undefined when no client has this id. Frozen: callers cannot change the cached copy. */
  async get(clientId: string): Promise<StoredClient | undefined> {
    const cached = this.#cache.get(clientId);
    if (cached && cached.expires > this.#now()) {
      return cached.client;
    }
    const [row] = await this.#sql<
      ClientRow[]
    >`SELECT ${this.#columns()} FROM oauth_clients WHERE client_id = ${clientId}`;
    const client = row ? freeze(toClient(row)) : undefined;
    if (this.#ttl > 0) {
      this.#cache.delete(clientId);
      if (this.#cache.size >= this.#cacheSize) {
        this.#cache.delete(this.#cache.keys().next().value!);
      }
      this.#cache.set(clientId, { client, expires: this.#now() + this.#ttl });
    }
    return client;
  }

  /** Every client, by client id. */
  async list(): Promise<StoredClient[]> {
    const rows = await this.#sql<ClientRow[]>`SELECT ${this.#columns()} FROM oauth_clients ORDER BY client_id`;
    return rows.map((row) => freeze(toClient(row)));
  }

  /**
   * Adds or replaces the client (all its fields; read-only ones are not part of a RegisteredClient). A secret given
   * here is stored hashed; without one, a client_secret_basic client keeps its stored secret, and a client that
   * changes to another method loses it. Throws HUB_ERR_REGISTRY_INVALID_CLIENT with one issue per problem.
   */
  async put(input: RegisteredClient, { secret }: { secret?: string } = {}): Promise<PutResult> {
    const clientId = typeof input?.clientId === 'string' ? input.clientId : '';
    const [existing] = clientId
      ? await this.#sql<(ClientRow & { client_secret_hash: string | null })[]>`
          SELECT ${this.#columns()}, client_secret_hash FROM oauth_clients WHERE client_id = ${clientId}`
      : [];
    const storedHash = existing?.client_secret_hash ?? null;
    const keepsStoredSecret = storedHash !== null && input?.tokenEndpointAuthMethod === 'client_secret_basic';
    const checked = checkClient(input, {
      secret: secret !== undefined ? 'new' : keepsStoredSecret ? 'stored' : 'none',
      allowHttpLoopback: this.#allowHttpLoopback,
      rules: this.rules,
    });
    const problems = [...checked.problems, ...(secret !== undefined ? validateSecret(secret) : [])];
    if (!checked.client || problems.length > 0) {
      throw invalidClient(clientId || String(input?.clientId ?? ''), problems);
    }
    const client = checked.client;

    let hash: string | null = null;
    if (client.tokenEndpointAuthMethod === 'client_secret_basic') {
      // The same secret again keeps its hash, so that re-seeding an unchanged client writes nothing.
      hash =
        secret === undefined || (storedHash !== null && (await verifySecretHash(secret, storedHash)))
          ? storedHash
          : await hashSecret(secret);
    }
    if (existing && hash === storedHash && sameClient(toClient(existing), client)) {
      return { client: freeze(toClient(existing)), outcome: 'unchanged' };
    }

    const sql = this.#sql;
    let row: ClientRow & { inserted: boolean };
    try {
      [row] = await sql<(ClientRow & { inserted: boolean })[]>`
        INSERT INTO oauth_clients (
          client_id, kind, role, organization_system, organization_value, name, redirect_uris, public_client,
          token_endpoint_auth_method, client_secret_hash, jwks, jwks_uri, data_services, active
        ) VALUES (
          ${client.clientId}, ${client.kind}, ${client.role ?? null}, ${client.organization?.system ?? null},
          ${client.organization?.value ?? null}, ${client.name}, ${sql.array(client.redirectUris, TEXT_OID)},
          ${client.publicClient}, ${client.tokenEndpointAuthMethod}, ${hash},
          ${client.jwks ? sql.json(client.jwks as Parameters<typeof sql.json>[0]) : null}, ${client.jwksUri ?? null},
          ${sql.array(client.dataServices, TEXT_OID)}, ${client.active}
        )
        ON CONFLICT (client_id) DO UPDATE SET
          kind = EXCLUDED.kind,
          role = EXCLUDED.role,
          organization_system = EXCLUDED.organization_system,
          organization_value = EXCLUDED.organization_value,
          name = EXCLUDED.name,
          redirect_uris = EXCLUDED.redirect_uris,
          public_client = EXCLUDED.public_client,
          token_endpoint_auth_method = EXCLUDED.token_endpoint_auth_method,
          client_secret_hash = EXCLUDED.client_secret_hash,
          jwks = EXCLUDED.jwks,
          jwks_uri = EXCLUDED.jwks_uri,
          data_services = EXCLUDED.data_services,
          active = EXCLUDED.active,
          updated_at = now()
        RETURNING ${this.#columns()}, (xmax = 0) AS inserted`;
    } catch (error) {
      throw constraintViolation(client.clientId, error);
    } finally {
      this.#cache.delete(client.clientId);
    }
    return { client: freeze(toClient(row)), outcome: row.inserted ? 'added' : 'updated' };
  }

  /** Changes only the name (the MedMij import): keys, secret and everything else stay. False when unknown. */
  async rename(clientId: string, name: string): Promise<boolean> {
    const problems = validateName(name);
    if (problems.length > 0) {
      throw invalidClient(clientId, problems);
    }
    try {
      const rows = await this
        .#sql`UPDATE oauth_clients SET name = ${name}, updated_at = now() WHERE client_id = ${clientId} RETURNING client_id`;
      return rows.length > 0;
    } finally {
      this.#cache.delete(clientId);
    }
  }

  /** False when no client had this id. */
  async delete(clientId: string): Promise<boolean> {
    try {
      const rows = await this.#sql`DELETE FROM oauth_clients WHERE client_id = ${clientId} RETURNING client_id`;
      return rows.length > 0;
    } finally {
      this.#cache.delete(clientId);
    }
  }

  /**
   * True only when the client exists, is active, authenticates with client_secret_basic and the secret matches
   * its hash (scrypt, compared in constant time). For an unknown client a dummy hash is checked all the same, so
   * that the answer takes as long and does not tell which client ids exist. Always read from the database: the
   * cache never holds a hash.
   */
  async verifySecret(clientId: string, secret: string): Promise<boolean> {
    const [row] = await this.#sql<{ client_secret_hash: string }[]>`
      SELECT client_secret_hash FROM oauth_clients
      WHERE client_id = ${clientId} AND active AND token_endpoint_auth_method = 'client_secret_basic'`;
    const usable = typeof secret === 'string' && secret.length > 0 && secret.length <= MAX_SECRET_LENGTH;
    const hash = row?.client_secret_hash ?? (await this.#dummy());
    const matches = await verifySecretHash(usable ? secret : '', hash);
    return row !== undefined && usable && matches;
  }

  /** Forgets every cached client (for a process told that another one changed the registry). */
  clearCache(): void {
    this.#cache.clear();
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= hashSecret(`no such client ${Math.random()}`);
    return this.#dummyHash;
  }

  #columns() {
    return this.#sql`
      client_id, kind, role, organization_system, organization_value, name, redirect_uris, public_client,
      token_endpoint_auth_method, jwks, jwks_uri, data_services, active, client_secret_hash IS NOT NULL AS has_secret,
      created_at, updated_at`;
  }
}

/** HUB_ERR_REGISTRY_INVALID_CLIENT with the problems in its message and one issue each. */
export function invalidClient(clientId: string, problems: ClientProblem[]): HubError {
  const summary = problems
    .map((problem) => (problem.path ? `${problem.path}: ${problem.message}` : problem.message))
    .join('; ');
  const issues: OperationOutcomeIssue[] = problems.map((problem) => ({
    severity: 'error',
    code: 'invalid',
    diagnostics: problem.message,
    ...(problem.path ? { expression: [problem.path] } : {}),
  }));
  return withIssues(errors.registryInvalidClient(clientId, summary), issues);
}

const TEXT_OID = 25;

/** A CHECK constraint of migration 0006 refused the row: a race with another write (the rules were checked). */
function constraintViolation(clientId: string, error: unknown): unknown {
  const pg = error as { code?: string; constraint_name?: string };
  if (pg.code === '23514') {
    const message = `the database refused the client (constraint ${pg.constraint_name}); it may have been changed at the same time: read it again and retry`;
    return invalidClient(clientId, [{ path: '', message }]);
  }
  return error;
}

function toClient(row: ClientRow): StoredClient {
  return {
    clientId: row.client_id,
    name: row.name,
    kind: row.kind,
    ...(row.role ? { role: row.role } : {}),
    ...(row.organization_system !== null && row.organization_value !== null
      ? { organization: { system: row.organization_system, value: row.organization_value } }
      : {}),
    redirectUris: row.redirect_uris,
    publicClient: row.public_client,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method,
    ...(row.jwks ? { jwks: row.jwks } : {}),
    ...(row.jwks_uri !== null ? { jwksUri: row.jwks_uri } : {}),
    dataServices: row.data_services,
    active: row.active,
    hasSecret: row.has_secret,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function sameClient(stored: StoredClient, client: RegisteredClient): boolean {
  const { hasSecret: _hasSecret, createdAt: _createdAt, updatedAt: _updatedAt, ...fields } = stored;
  return canonicalJson(fields) === canonicalJson(client);
}

/** JSON with object keys sorted (jsonb does not keep the order keys were written in). */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : inner,
  );
}

function freeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) {
      freeze(inner);
    }
  }
  return value;
}
