// Runs a Job the way the run is laid out: in a child process of its own (default: the load generator, autocannon in
// this process, then does not share an event loop with the server), or in this very process (BENCH_LAYOUT=in-process,
// kept only to measure how much the shared event loop distorts the figures). BENCH_CPU_PROF=<dir> starts the hub
// child with --cpu-prof, writing its profile to that folder when it stops.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startJob, type Job, type JobHandle } from './jobs.js';
import type { ChildMessage } from './server-process.js';

export type Layout = 'child-process' | 'in-process';

const ENTRY = fileURLToPath(new URL('./server-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function runJob(job: Job, layout: Layout, cpuProfileDir?: string): Promise<JobHandle> {
  if (layout === 'in-process') {
    return startJob(job);
  }
  const execArgv = ['--import', 'tsx'];
  if (cpuProfileDir && job.kind === 'hub') {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`);
  }
  const child = fork(ENTRY, [], { cwd: ROOT, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const reply = await new Promise<ChildMessage>((resolve, reject) => {
    child.once('message', (message: ChildMessage) => resolve(message));
    child.once('exit', (code) =>
      reject(new Error(`benchmark child (${job.kind}) exited with code ${code} before it was ready`)),
    );
    child.send({ type: 'job', job });
  });
  if (reply.type === 'error') {
    throw new Error(`benchmark child (${job.kind}) failed: ${reply.message}`);
  }
  return {
    pid: child.pid!,
    port: reply.port,
    credentials: reply.credentials,
    result: reply.result,
    stop: async () => {
      if (child.connected) {
        child.send({ type: 'stop' });
      }
      await exited;
    },
  };
}
