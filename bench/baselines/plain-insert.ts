// The SQL baseline of the write figures: the same JSON texts inserted with plain INSERTs into a plain table
// (id text PRIMARY KEY, content text), by `concurrency` async workers over a postgres.js pool of that size, each in
// its own implicit transaction (autocommit, default durability). `groups` are the rows of one statement each: one
// text per group for single-row inserts, a Bundle's 100 entry texts for multi-row inserts. Workers rotate through
// the groups; each row gets a fresh uuid as id, as the hub gives each created resource.
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { connectionTarget } from '../../server/db/connect.js';
import { accountPostgres, cpuUse, sampleCpu, type CpuUse } from '../cpu.js';

export interface PlainInsertJob {
  databaseUrl: string;
  table: string;
  groups: string[][];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** The postmaster's pid, to account PostgreSQL's CPU time. */
  postgresPid?: number;
}

export interface PlainInsertResult {
  rows: number;
  statements: number;
  seconds: number;
  rowsPerSecond: number;
  /** Statement latency in ms over the measured window. */
  p50: number;
  p99: number;
  /** CPU ms per row: this client process, PostgreSQL, and other work on the machine. */
  cpu?: CpuUse;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

export async function runPlainInserts(job: PlainInsertJob): Promise<PlainInsertResult> {
  accountPostgres(job.postgresPid);
  const target = connectionTarget(job.databaseUrl); // the hub's transport: a Unix socket when the URL names one
  const sql = postgres(target.url, {
    max: job.concurrency,
    onnotice: () => undefined,
    ...(target.path && { path: target.path }),
  });
  try {
    let next = 0;
    let rows = 0;
    let statements = 0;
    let measuring = false;
    let stopped = false;
    const latencies: number[] = [];
    const worker = async () => {
      while (!stopped) {
        const group = job.groups[next++ % job.groups.length];
        const values = group.map((content) => ({ id: randomUUID(), content }));
        const started = performance.now();
        await sql`INSERT INTO ${sql(job.table)} ${sql(values, 'id', 'content')}`;
        if (measuring && !stopped) {
          latencies.push(performance.now() - started);
          rows += values.length;
          statements++;
        }
      }
    };
    const workers = Array.from({ length: job.concurrency }, worker);
    await new Promise((resolve) => setTimeout(resolve, job.warmupMs));
    measuring = true;
    const before = sampleCpu({ client: process.pid });
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, job.durationMs));
    stopped = true;
    const after = sampleCpu({ client: process.pid });
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(workers);
    latencies.sort((a, b) => a - b);
    return {
      rows,
      statements,
      seconds,
      rowsPerSecond: rows / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      cpu: cpuUse(before, after, rows),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
