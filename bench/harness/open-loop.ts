// Open-loop load: calls start at fixed arrival times (the i-th at start + i / rate), whether or not earlier calls
// have answered, and each latency is measured from the time the call was meant to start. A closed loop (N workers
// each waiting for its answer) sends less when the server slows down and so hides the queue a user would stand in
// (coordinated omission); here a slow server shows as latency that grows with the offered rate.
import { performance } from 'node:perf_hooks';
import { latencyOf, type Latency } from './latency.js';

export interface OpenLoopOptions {
  /** Arrivals per second. */
  rate: number;
  seconds: number;
  /** One call; `i` counts calls from 0, for rotating ids. A rejection counts as an error, not a latency. */
  call: (i: number) => Promise<void>;
  /** Calls in flight beyond which the run stops early: the server is not keeping up at all (default 2,000). */
  maxInFlight?: number;
}

export interface OpenLoopResult extends Latency {
  offeredPerSecond: number;
  /** Calls answered without error per second, from the first start to the last answer (the drain included). */
  achievedPerSecond: number;
  errors: number;
  firstError?: string;
  /** The window, and the time until the last call answered, in seconds. */
  seconds: number;
  drainSeconds: number;
  /** Largest delay between a call's intended start and its real start (the generator's own lag), in ms. */
  maxStartLagMs: number;
  /** True when the run stopped because more than maxInFlight calls were waiting. */
  overloaded: boolean;
}

/** Runs `call` at `rate` per second for `seconds`, then waits for the calls in flight. */
export async function openLoop({ rate, seconds, call, maxInFlight = 2000 }: OpenLoopOptions): Promise<OpenLoopResult> {
  if (!(rate > 0) || !(seconds > 0))
    throw new Error(`openLoop needs a rate and a duration above 0 (${rate}/s, ${seconds} s)`);
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  let errors = 0;
  let firstError: string | undefined;
  let maxStartLagMs = 0;
  let overloaded = false;
  const start = performance.now();
  const fire = (i: number, intended: number) => {
    maxStartLagMs = Math.max(maxStartLagMs, performance.now() - intended);
    const done = call(i).then(
      () => {
        latencies.push(performance.now() - intended);
      },
      (error: unknown) => {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      },
    );
    const tracked = done.finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  let next = 0;
  while (next < total) {
    const now = performance.now();
    // Every call whose time has come starts now (a timer fires late under load; the latency still counts from
    // the intended time).
    while (next < total && start + next * interval <= now) {
      fire(next, start + next * interval);
      next++;
    }
    if (pending.size > maxInFlight) {
      overloaded = true;
      break;
    }
    const wait = start + next * interval - performance.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }
  const windowEnd = performance.now();
  while (pending.size) await Promise.all(pending);
  const end = performance.now();
  const windowSeconds = (windowEnd - start) / 1000;
  return {
    offeredPerSecond: rate,
    achievedPerSecond: Math.round((latencies.length / ((end - start) / 1000)) * 10) / 10,
    ...latencyOf(latencies),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    seconds: Math.round(windowSeconds * 100) / 100,
    drainSeconds: Math.round(((end - windowEnd) / 1000) * 100) / 100,
    maxStartLagMs: Math.round(maxStartLagMs * 100) / 100,
    overloaded,
  };
}

/** Closed loop: `workers` callers, each starting its next call when the last answered; the maximum rate. */
export async function closedLoop(
  workers: number,
  seconds: number,
  call: (i: number) => Promise<void>,
): Promise<Latency & { perSecond: number; errors: number; firstError?: string }> {
  const latencies: number[] = [];
  let i = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await call(i++);
          latencies.push(performance.now() - t);
        } catch (error) {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return {
    perSecond: Math.round((latencies.length / elapsed) * 10) / 10,
    ...latencyOf(latencies),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/** The open-loop rates of a sweep: these fractions of the closed-loop maximum (default 25/50/75/100%). */
export function sweepRates(maxPerSecond: number, fractions: readonly number[] = [0.25, 0.5, 0.75, 1]): number[] {
  return fractions.map((f) => Math.max(1, Math.round(maxPerSecond * f * 10) / 10));
}
