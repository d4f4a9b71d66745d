// Clients from a configuration file, upserted at start-up: `{ "clients": [ <RegisteredClient> & { secret?, secretEnv? } ] }`.
// A client's secret is best named by environment variable (`"secretEnv": "HUB_CLIENT_SECRET_EHR"`): the variable
// wins when it is set; an inline `"secret"` is used otherwise (and logged as a warning, without the secret). Every
// entry is checked before any is written, so a bad file changes nothing and fails start-up with a ConfigError that
// names the file, the entry and each problem. Idempotent: an unchanged client is not written (its secret is checked
// against the stored hash), and the log says per client whether it was added, updated or unchanged; it never
// holds a secret or a variable's value.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../server/config.js';
import type { ClientRegistry, PutOutcome } from './client-registry.js';
import { checkClient, validateSecret, type ClientProblem } from './client-validation.js';
import type { RegisteredClient } from './registered-client.js';

export interface SeedLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface SeedOptions {
  /** Where secretEnv names are looked up (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  log?: SeedLogger;
  /** As the registry's option (default true). */
  allowHttpLoopback?: boolean;
}

export interface SeedReport {
  added: string[];
  updated: string[];
  unchanged: string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function seedClients(
  registry: ClientRegistry,
  path: string,
  options: SeedOptions = {},
): Promise<SeedReport> {
  const env = options.env ?? process.env;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`client seed file ${path} cannot be read: ${(error as Error).message}`);
  }
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`client seed file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(file) || !Array.isArray(file.clients) || Object.keys(file).some((key) => key !== 'clients')) {
    throw new ConfigError(
      `client seed file ${path} must be a JSON object with one field, "clients": a list of clients`,
    );
  }

  const entries: { client: RegisteredClient; secret?: string }[] = [];
  const failures: string[] = [];
  file.clients.forEach((raw: unknown, index: number) => {
    const label = `clients[${index}]${isObject(raw) && typeof raw.clientId === 'string' ? ` (${raw.clientId})` : ''}`;
    const { secret: inline, secretEnv, ...fields } = isObject(raw) ? raw : { secret: undefined, secretEnv: undefined };
    const problems: ClientProblem[] = [];
    let secret: string | undefined;
    if (secretEnv !== undefined && (typeof secretEnv !== 'string' || !ENV_NAME.test(secretEnv))) {
      problems.push({ path: 'secretEnv', message: 'secretEnv is the name of an environment variable' });
    } else if (typeof secretEnv === 'string' && env[secretEnv] !== undefined && env[secretEnv] !== '') {
      secret = env[secretEnv];
    } else if (inline !== undefined) {
      if (typeof inline === 'string') {
        secret = inline;
        options.log?.warn(
          { clientId: fields.clientId, secretEnv },
          'client seed: inline secret used; prefer secretEnv',
        );
      } else {
        problems.push({ path: 'secret', message: 'secret is a string' });
      }
    } else if (typeof secretEnv === 'string') {
      problems.push({ path: 'secretEnv', message: `environment variable ${secretEnv} is not set` });
    }
    if (secret !== undefined) {
      problems.push(...validateSecret(secret));
    }
    // A seeded client_secret_basic client must bring its secret: the file is the whole truth about it.
    const checked = isObject(raw)
      ? checkClient(fields, {
          secret: secret !== undefined ? 'new' : 'none',
          allowHttpLoopback: options.allowHttpLoopback,
          rules: registry.rules,
        })
      : checkClient(raw);
    problems.push(...checked.problems);
    if (problems.length > 0 || !checked.client) {
      failures.push(
        ...problems.map((problem) => `${label} ${problem.path ? `${problem.path}: ` : ''}${problem.message}`),
      );
    } else {
      entries.push({ client: checked.client, ...(secret !== undefined ? { secret } : {}) });
    }
  });
  const ids = file.clients.map((raw: unknown) => (isObject(raw) ? raw.clientId : undefined));
  ids.forEach((id: unknown, index: number) => {
    if (typeof id === 'string' && ids.indexOf(id) !== index) {
      failures.push(`clients: client id "${id}" is given twice`);
    }
  });
  if (failures.length > 0) {
    throw new ConfigError(`client seed file ${path} has ${failures.length} problem(s): ${failures.join('; ')}`);
  }

  const report: SeedReport = { added: [], updated: [], unchanged: [] };
  for (const entry of entries) {
    const { outcome }: { outcome: PutOutcome } = await registry.put(
      entry.client,
      entry.secret !== undefined ? { secret: entry.secret } : {},
    );
    report[outcome].push(entry.client.clientId);
    options.log?.info({ clientId: entry.client.clientId, outcome }, 'client seed');
  }
  return report;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
