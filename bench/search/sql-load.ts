// The SQL side of a search figure: the hand-written query through postgres.js, `workers` loops each on its own
// pooled connection (the same concurrency as the hub's HTTP connections), rotating over the same values, for the
// same duration, after a warm-up. Each loop awaits its query before the next, as an HTTP client awaits a response.
import { measureWindow, type Timing } from './stats.js';

export interface SqlLoadOptions {
  workers: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Processes whose CPU time to account over the measured run (this process is added as `loadgen`). */
  pids?: Record<string, number>;
  /** Runs the query for the next value of the rotation. */
  next: () => Promise<unknown>;
}

async function run(options: SqlLoadOptions, seconds: number, latencies: number[] | undefined) {
  const started = performance.now();
  const end = started + seconds * 1000;
  let failures = 0;
  let firstFailure: string | undefined;
  const loop = async () => {
    while (performance.now() < end) {
      const at = performance.now();
      try {
        await options.next();
        latencies?.push(performance.now() - at);
      } catch (error) {
        failures++;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.workers }, loop));
  return { failures, firstFailure, seconds: (performance.now() - started) / 1000 };
}

export function runSqlLoad(options: SqlLoadOptions): Promise<Timing> {
  return measureWindow(options, run);
}
