// Configuration comes from environment variables with the HUB_ prefix (plus DATABASE_URL), validated once at
// start-up. A bad value throws a ConfigError whose message is one line that names the variable and the fix.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RequiredProfiles } from './fhir/profiles/conformance.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

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
  /** Size of the PostgreSQL connection pool (HUB_DB_POOL_SIZE, default 20). */
  dbPoolSize: number;
  /** Grace period for in-flight requests on SIGTERM/SIGINT (HUB_SHUTDOWN_TIMEOUT_MS, default 10000). */
  shutdownTimeoutMs: number;
  /**
   * Types whose writes must conform to the hub profile whether or not they claim it (HUB_REQUIRED_PROFILES):
   * `all` (default: every type the hub profiles), `none`, or a comma-separated list of resource types.
   */
  requiredProfiles: RequiredProfiles;
  /** Extra profile packages loaded at start-up: folders or FHIR package tarballs (HUB_PROFILE_PACKAGES, comma-separated). */
  profilePackages: string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
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
  'HUB_SHUTDOWN_TIMEOUT_MS',
  'HUB_REQUIRED_PROFILES',
  'HUB_PROFILE_PACKAGES',
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
    shutdownTimeoutMs: integer(env, 'HUB_SHUTDOWN_TIMEOUT_MS', 10000, 0, 600000),
    requiredProfiles: requiredProfiles(env.HUB_REQUIRED_PROFILES),
    profilePackages: profilePackages(env.HUB_PROFILE_PACKAGES),
  };
}

function requiredProfiles(raw: string | undefined): RequiredProfiles {
  const value = raw?.trim() || 'all';
  if (value === 'all' || value === 'none') {
    return value;
  }
  const types = value.split(',').map((t) => t.trim()).filter(Boolean);
  const bad = types.find((t) => !/^[A-Z][A-Za-z]+$/.test(t));
  if (bad !== undefined) {
    throw new ConfigError(`HUB_REQUIRED_PROFILES="${raw}": "${bad}" is not a resource type; use all, none or a list like Patient,Coverage`);
  }
  return types;
}

function profilePackages(raw: string | undefined): string[] {
  const paths = (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const missing = paths.find((p) => !existsSync(p));
  if (missing !== undefined) {
    throw new ConfigError(`HUB_PROFILE_PACKAGES names ${missing}, which does not exist; give folders or .tgz package files, comma-separated`);
  }
  return paths.map((p) => path.resolve(p));
}
