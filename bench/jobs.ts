// What a benchmark process runs: a server under load (the hub, the bare read or search baseline) or a SQL baseline loop.
// The same function runs in a child process (server-process.ts, the default) or in the load generator's own process
// (BENCH_LAYOUT=in-process, only to compare the two layouts).
import type { AdminCredentials } from '../consent/bootstrap/admin-credentials.js';
import { runPlainInserts, type PlainInsertJob, type PlainInsertResult } from './baselines/plain-insert.js';
import { startBareRead, startBareSearch, startHub } from './targets.js';

export type Job =
  | { kind: 'hub'; databaseUrl: string; unaudited?: boolean }
  | { kind: 'bare-read'; databaseUrl: string }
  | { kind: 'bare-search'; databaseUrl: string; seed: number }
  | ({ kind: 'plain-insert' } & PlainInsertJob);

export interface JobHandle {
  /** The process running the job. */
  pid: number;
  /** Port of a server job. */
  port?: number;
  /** The hub's bootstrap admin client (a hub job): what the load generator gets its bearer tokens with. */
  credentials?: AdminCredentials;
  /** Result of a SQL baseline job. */
  result?: PlainInsertResult;
  stop(): Promise<void>;
}

export async function startJob(job: Job): Promise<JobHandle> {
  switch (job.kind) {
    case 'hub':
    case 'bare-read':
    case 'bare-search': {
      const server =
        job.kind === 'hub'
          ? await startHub(job.databaseUrl, { unaudited: job.unaudited })
          : job.kind === 'bare-read'
            ? await startBareRead(job.databaseUrl)
            : await startBareSearch(job.databaseUrl, job.seed);
      return { pid: process.pid, port: server.port, credentials: server.credentials, stop: () => server.close() };
    }
    case 'plain-insert':
      return { pid: process.pid, result: await runPlainInserts(job), stop: async () => undefined };
  }
}
