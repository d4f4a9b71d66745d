// Entry point of a benchmark child process: receives one Job over IPC, runs it, reports `ready` (a server, with its
// port and, for the hub, its bootstrap admin client's credentials; or `result`, a SQL baseline), and exits when told
// to stop, so that --cpu-prof can write its profile.
import { startJob, type Job, type JobHandle } from './jobs.js';

export type ChildMessage =
  | { type: 'ready'; port?: number; credentials?: JobHandle['credentials']; result?: JobHandle['result'] }
  | { type: 'error'; message: string };

function send(message: ChildMessage): void {
  process.send?.(message);
}

let handle: JobHandle | undefined;

process.on('message', (message: { type: 'job'; job: Job } | { type: 'stop' }) => {
  if (message.type === 'job') {
    startJob(message.job).then(
      (started) => {
        handle = started;
        send({ type: 'ready', port: started.port, credentials: started.credentials, result: started.result });
      },
      (error: unknown) => {
        send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        process.exit(1);
      },
    );
  } else if (message.type === 'stop') {
    void (handle?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  }
});
// The parent died: do not linger.
process.on('disconnect', () => process.exit(0));
