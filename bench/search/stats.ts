// Latency figures of a measured window, the same way for the HTTP and the SQL side: percentiles over every
// request's own latency (autocannon's summary has no p95; bench/harness/latency.ts), in milliseconds; and the CPU
// used over the window (bench/cpu.ts), whose `otherCores` shows work outside the benchmark.
import { cpuUse, sampleCpu, type CpuUse } from '../cpu.js';
import { latencyOf } from '../harness/latency.js';

export interface Timing {
  requests: number;
  seconds: number;
  /** Successful requests per second. */
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  failures: number;
  firstFailure?: string;
  cpu?: CpuUse;
}

function timing(latencies: number[], seconds: number, failures: number, firstFailure?: string, cpu?: CpuUse): Timing {
  const { p50Ms, p95Ms, p99Ms } = latencyOf(latencies);
  const round = (n: number) => Number(n.toFixed(2));
  return {
    requests: latencies.length + failures,
    seconds: round(seconds),
    perSecond: round(latencies.length / seconds),
    p50Ms,
    p95Ms,
    p99Ms,
    failures,
    firstFailure,
    cpu,
  };
}

export interface WindowOptions {
  warmupSeconds: number;
  durationSeconds: number;
  /** Processes whose CPU time to account over the measured run (this process is added as `loadgen`). */
  pids?: Record<string, number>;
}

export interface WindowResult {
  seconds: number;
  failures: number;
  firstFailure?: string;
}

/**
 * A warm-up, then the measured window with its CPU accounting: the same for the HTTP and the SQL side. `prepare`
 * runs before each of the two runs, outside the accounted window (the HTTP side gets a fresh token there).
 */
export async function measureWindow<O extends WindowOptions>(
  options: O,
  run: (options: O, seconds: number, latencies: number[] | undefined) => Promise<WindowResult>,
  prepare?: () => Promise<void>,
): Promise<Timing> {
  if (options.warmupSeconds > 0) {
    await prepare?.();
    await run(options, options.warmupSeconds, undefined);
  }
  await prepare?.();
  const latencies: number[] = [];
  const pids = { ...options.pids, loadgen: process.pid };
  const before = sampleCpu(pids);
  const result = await run(options, options.durationSeconds, latencies);
  return timing(
    latencies,
    result.seconds,
    result.failures,
    result.firstFailure,
    cpuUse(before, sampleCpu(pids), latencies.length),
  );
}
