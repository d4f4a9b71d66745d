// Configuration comes from environment variables with the HUB_ prefix (plus DATABASE_URL), validated once at
// start-up. A bad value throws a ConfigError whose message is one line that names the variable and the fix.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAccessPolicy } from '../consent/policy-tools/policy-file.js';
import type { PolicyRules } from '../consent/policy/rules.js';
import { validateSecret } from '../consent/registry/client-validation.js';
import { isValidBsn } from './fhir/bsn.js';
import type { RequiredProfiles } from './fhir/profiles/conformance.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The checkout's root: the iWlz schemas' default folder sits beside it. */
const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** HUB_IWLZ_XSD_DIR when unset: the reference material beside the checkout (../shared/external/README.md). */
export const DEFAULT_IWLZ_SCHEMA_DIR = path.join(REPOSITORY_ROOT, '..', 'shared', 'external', 'iwlz-xsd', 'XSD');

export interface HubConfig {
  /** TCP port the hub listens on (HUB_PORT, default 8080). */
  port: number;
  /** Interface to bind (HUB_HOST, default 127.0.0.1; use 0.0.0.0 in a container). */
  host: string;
  /** Folder for the embedded database and, later, keys (HUB_DATA_DIR, default ./data). */
  dataDir: string;
  /** External PostgreSQL instead of the embedded one (DATABASE_URL). */
  databaseUrl: string | undefined;
  /** Port of the embedded PostgreSQL (HUB_EMBEDDED_PG_PORT, default 5433). */
  embeddedPgPort: number;
  /** pino level (HUB_LOG_LEVEL, default info). */
  logLevel: LogLevel;
  /** Public base URL used in Location headers and Bundle links (HUB_BASE_URL, default http://host:port). */
  baseUrl: string;
  /** Largest request body accepted, in bytes (HUB_MAX_BODY_BYTES, default 10 MiB); larger gets 413. */
  maxBodyBytes: number;
  /** Most entries accepted in one batch or transaction Bundle (HUB_MAX_BUNDLE_ENTRIES, default 10000). */
  maxBundleEntries: number;
  /** Size of the main PostgreSQL connection pool (HUB_DB_POOL_SIZE, default 20); the search pools are sized after it (db/connect.ts). */
  dbPoolSize: number;
  /**
   * Longest a search's statement may run on the search pools, in ms (HUB_SEARCH_TIMEOUT_MS, default 15000): a
   * search over most of a million resources must not hold a connection that other searches wait for.
   */
  searchTimeoutMs: number;
  /** Grace period for in-flight requests on SIGTERM/SIGINT (HUB_SHUTDOWN_TIMEOUT_MS, default 10000). */
  shutdownTimeoutMs: number;
  /**
   * Types whose writes must conform to the hub profile whether or not they claim it (HUB_REQUIRED_PROFILES):
   * `all` (default: every type the hub profiles), `none`, or a comma-separated list of resource types.
   */
  requiredProfiles: RequiredProfiles;
  /** Extra profile packages loaded at start-up: folders or FHIR package tarballs (HUB_PROFILE_PACKAGES, comma-separated). */
  profilePackages: string[];
  /** The authorization server (consent/). */
  auth: AuthConfig;
  ingest: IngestConfig;
}

export interface AuthConfig {
  /** `<hub-provider-name>` in MedMij scopes (HUB_PROVIDER_NAME, default zorghub). */
  providerName: string;
  /** Test BSNs offered by the development login (HUB_DEV_LOGIN_BSNS, comma-separated; empty: no development login). */
  devLoginBsns: string[];
  /** OpenID Connect upstream for person login (HUB_OIDC_ISSUER, HUB_OIDC_CLIENT_ID, HUB_OIDC_CLIENT_SECRET, HUB_OIDC_BSN_CLAIM). */
  oidc?: { issuer: string; clientId: string; clientSecret?: string; bsnClaim: string };
  /** JSON file of OAuth clients upserted into the registry at start-up (HUB_CLIENTS_FILE). */
  clientsFile?: string;
  /** The system roles' rules, with those of HUB_ACCESS_POLICY (a JSON file) in place of the baseline's (consent/policy-tools/policy-file.ts). */
  accessPolicy?: PolicyRules;
  /**
   * The bootstrap admin client (consent/bootstrap/): HUB_ADMIN_CLIENT_ID (default hub-admin) and, optionally,
   * HUB_ADMIN_CLIENT_SECRET; without a secret the hub writes generated credentials to HUB_DATA_DIR/admin-client.json.
   */
  admin: { clientId: string; secret?: string };
  /**
   * The audit trail: HUB_AUDIT_RETENTION_MONTHS (default 36, what `npm run audit:prune` keeps) and
   * HUB_AUDIT_CHECKPOINT_SECONDS (default 300, how often the chain's head is signed). Defaults when absent.
   */
  audit?: { retentionMonths: number; checkpointSeconds: number };
}

/** The ingest path (server/ingest/): where the adapters' reference material is, and the MLLP listeners. */
export interface IngestConfig {
  /**
   * The official iWlz 2.2 XSDs the iWlz adapter validates against (HUB_IWLZ_XSD_DIR; default
   * ../shared/external/iwlz-xsd/XSD beside the checkout). Missing: the iWlz adapter is unavailable, the others run.
   */
  iwlzSchemaDir: string;
  /**
   * HL7 v2 over MLLP (HUB_MLLP_LISTENERS: `port=client-id` pairs, comma-separated): each listener takes messages
   * from one configured, registered system client and writes as it. Empty: no listener.
   */
  mllpListeners: { port: number; clientId: string; adapter: string }[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** HUB_SEARCH_TIMEOUT_MS when unset; also the search pools' default where no config is at hand (tests, benchmarks). */
export const DEFAULT_SEARCH_TIMEOUT_MS = 15_000;

const KNOWN = new Set([
  'HUB_PORT',
  'HUB_HOST',
  'HUB_DATA_DIR',
  'HUB_EMBEDDED_PG_PORT',
  'HUB_LOG_LEVEL',
  'HUB_BASE_URL',
  'HUB_MAX_BODY_BYTES',
  'HUB_MAX_BUNDLE_ENTRIES',
  'HUB_DB_POOL_SIZE',
  'HUB_SEARCH_TIMEOUT_MS',
  'HUB_SHUTDOWN_TIMEOUT_MS',
  'HUB_REQUIRED_PROFILES',
  'HUB_PROFILE_PACKAGES',
  'HUB_PROVIDER_NAME',
  'HUB_DEV_LOGIN_BSNS',
  'HUB_OIDC_ISSUER',
  'HUB_OIDC_CLIENT_ID',
  'HUB_OIDC_CLIENT_SECRET',
  'HUB_OIDC_BSN_CLAIM',
  'HUB_CLIENTS_FILE',
  'HUB_ACCESS_POLICY',
  'HUB_ADMIN_CLIENT_ID',
  'HUB_ADMIN_CLIENT_SECRET',
  'HUB_AUDIT_RETENTION_MONTHS',
  'HUB_AUDIT_CHECKPOINT_SECONDS',
  'HUB_IWLZ_XSD_DIR',
  'HUB_MLLP_LISTENERS',
]);

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`${name}="${raw}" is not a whole number; expected an integer from ${min} to ${max}`);
  }
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(`${name}=${value} is out of range; expected an integer from ${min} to ${max}`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  // A misspelt HUB_ variable would otherwise be ignored silently, which is worse than refusing to start.
  for (const name of Object.keys(env)) {
    if (name.startsWith('HUB_') && !KNOWN.has(name)) {
      throw new ConfigError(`${name} is not a known setting; known: ${[...KNOWN].join(', ')}`);
    }
  }
  const port = integer(env, 'HUB_PORT', 8080, 0, 65535);
  const host = env.HUB_HOST?.trim() || '127.0.0.1';
  const logLevel = (env.HUB_LOG_LEVEL?.trim() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`HUB_LOG_LEVEL="${env.HUB_LOG_LEVEL}" is not a level; use one of ${LOG_LEVELS.join(', ')}`);
  }
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  let baseUrl = env.HUB_BASE_URL?.trim() || `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;
  try {
    const parsed = new URL(baseUrl);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error('protocol');
    }
  } catch {
    throw new ConfigError(`HUB_BASE_URL="${baseUrl}" is not an http(s) URL`);
  }
  baseUrl = baseUrl.replace(/\/+$/, '');
  return {
    port,
    host,
    dataDir: path.resolve(env.HUB_DATA_DIR?.trim() || './data'),
    databaseUrl,
    embeddedPgPort: integer(env, 'HUB_EMBEDDED_PG_PORT', 5433, 1, 65535),
    logLevel,
    baseUrl,
    maxBodyBytes: integer(env, 'HUB_MAX_BODY_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxBundleEntries: integer(env, 'HUB_MAX_BUNDLE_ENTRIES', 10000, 1, 1_000_000),
    dbPoolSize: integer(env, 'HUB_DB_POOL_SIZE', 20, 1, 500),
    searchTimeoutMs: integer(env, 'HUB_SEARCH_TIMEOUT_MS', DEFAULT_SEARCH_TIMEOUT_MS, 100, 3_600_000),
    shutdownTimeoutMs: integer(env, 'HUB_SHUTDOWN_TIMEOUT_MS', 10000, 0, 600000),
    requiredProfiles: requiredProfiles(env.HUB_REQUIRED_PROFILES),
    profilePackages: profilePackages(env.HUB_PROFILE_PACKAGES),
    auth: authConfig(env),
    ingest: ingestConfig(env),
  };
}

function ingestConfig(env: NodeJS.ProcessEnv): IngestConfig {
  const listeners = (env.HUB_MLLP_LISTENERS ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const match = /^(\d{1,5})=([A-Za-z0-9][A-Za-z0-9._-]{0,99})$/.exec(pair);
      const port = Number(match?.[1]);
      if (!match || port < 1 || port > 65535) {
        throw new ConfigError(
          `HUB_MLLP_LISTENERS holds "${pair}"; each listener is port=client-id (a registered system client), e.g. 2575=ehr.example`,
        );
      }
      return { port, clientId: match[2]!, adapter: 'hl7v2-order' };
    });
  const ports = listeners.map((l) => l.port);
  if (new Set(ports).size !== ports.length) {
    throw new ConfigError('HUB_MLLP_LISTENERS names one port twice');
  }
  return {
    iwlzSchemaDir: path.resolve(env.HUB_IWLZ_XSD_DIR?.trim() || DEFAULT_IWLZ_SCHEMA_DIR),
    mllpListeners: listeners,
  };
}

function authConfig(env: NodeJS.ProcessEnv): AuthConfig {
  const providerName = env.HUB_PROVIDER_NAME?.trim() || 'zorghub';
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(providerName)) {
    throw new ConfigError(
      `HUB_PROVIDER_NAME="${providerName}" must be lower-case letters, digits, dots and hyphens (it appears in scopes as <name>~<data service>)`,
    );
  }
  const devLoginBsns = (env.HUB_DEV_LOGIN_BSNS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const badBsn = devLoginBsns.find((b) => !isValidBsn(b));
  if (badBsn !== undefined) {
    throw new ConfigError(`HUB_DEV_LOGIN_BSNS holds "${badBsn}", which is not a BSN (9 digits passing the 11-proof)`);
  }
  const issuer = env.HUB_OIDC_ISSUER?.trim();
  const clientId = env.HUB_OIDC_CLIENT_ID?.trim();
  if (!!issuer !== !!clientId) {
    throw new ConfigError(
      'HUB_OIDC_ISSUER and HUB_OIDC_CLIENT_ID go together: set both to log persons in through OpenID Connect, or neither',
    );
  }
  if (issuer && !/^https?:\/\//.test(issuer)) {
    throw new ConfigError(`HUB_OIDC_ISSUER="${issuer}" is not an http(s) URL`);
  }
  const clientsFile = env.HUB_CLIENTS_FILE?.trim() || undefined;
  if (clientsFile && !existsSync(clientsFile)) {
    throw new ConfigError(`HUB_CLIENTS_FILE names ${clientsFile}, which does not exist`);
  }
  const accessPolicyFile = env.HUB_ACCESS_POLICY?.trim() || undefined;
  let accessPolicy: PolicyRules | undefined;
  if (accessPolicyFile) {
    if (!existsSync(accessPolicyFile)) {
      throw new ConfigError(`HUB_ACCESS_POLICY names ${accessPolicyFile}, which does not exist`);
    }
    try {
      accessPolicy = readAccessPolicy(accessPolicyFile);
    } catch (error) {
      throw new ConfigError(`HUB_ACCESS_POLICY ${accessPolicyFile}: ${(error as Error).message}`);
    }
  }
  const adminClientId = env.HUB_ADMIN_CLIENT_ID?.trim() || 'hub-admin';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(adminClientId)) {
    throw new ConfigError(
      `HUB_ADMIN_CLIENT_ID="${adminClientId}" must be letters, digits, dots, hyphens and underscores`,
    );
  }
  const adminSecret = env.HUB_ADMIN_CLIENT_SECRET || undefined;
  if (adminSecret !== undefined && validateSecret(adminSecret).length > 0) {
    throw new ConfigError(
      'HUB_ADMIN_CLIENT_SECRET must be 32 to 512 printable ASCII characters; or leave it unset and the hub writes generated credentials to the data folder',
    );
  }
  return {
    providerName,
    devLoginBsns,
    admin: { clientId: adminClientId, secret: adminSecret },
    audit: {
      retentionMonths: integer(env, 'HUB_AUDIT_RETENTION_MONTHS', 36, 1, 1200),
      checkpointSeconds: integer(env, 'HUB_AUDIT_CHECKPOINT_SECONDS', 300, 1, 86400),
    },
    oidc:
      issuer && clientId
        ? {
            issuer,
            clientId,
            clientSecret: env.HUB_OIDC_CLIENT_SECRET || undefined,
            bsnClaim: env.HUB_OIDC_BSN_CLAIM?.trim() || 'bsn',
          }
        : undefined,
    clientsFile: clientsFile ? path.resolve(clientsFile) : undefined,
    ...(accessPolicy ? { accessPolicy } : {}),
  };
}

function requiredProfiles(raw: string | undefined): RequiredProfiles {
  const value = raw?.trim() || 'all';
  if (value === 'all' || value === 'none') {
    return value;
  }
  const types = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const bad = types.find((t) => !/^[A-Z][A-Za-z]+$/.test(t));
  if (bad !== undefined) {
    throw new ConfigError(
      `HUB_REQUIRED_PROFILES="${raw}": "${bad}" is not a resource type; use all, none or a list like Patient,Coverage`,
    );
  }
  return types;
}

function profilePackages(raw: string | undefined): string[] {
  const paths = (raw ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const missing = paths.find((p) => !existsSync(p));
  if (missing !== undefined) {
    throw new ConfigError(
      `HUB_PROFILE_PACKAGES names ${missing}, which does not exist; give folders or .tgz package files, comma-separated`,
    );
  }
  return paths.map((p) => path.resolve(p));
}
