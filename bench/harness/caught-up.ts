// Deferred work inside the window: after the load, a run waits until the hub has caught up (every probe reads 0:
// audit records sealed into the chain, later the outbox drained, indexes current), so that a throughput figure is
// divided by the time its work really took; the backlog each probe showed when the load stopped is reported beside.
import { performance } from 'node:perf_hooks';

/** Work the hub still owes: how many items are left (0 when caught up). */
export type BacklogProbe = () => Promise<number>;

export interface CaughtUp {
  /** Items left per probe when the load stopped. */
  backlogAtEnd: Record<string, number>;
  /** Milliseconds from the end of the load until every probe read 0. */
  drainMs: number;
}

export async function caughtUp(
  probes: Record<string, BacklogProbe>,
  { pollMs = 20, timeoutMs = 600_000 } = {},
): Promise<CaughtUp> {
  const started = performance.now();
  const entries = Object.entries(probes);
  const backlogAtEnd: Record<string, number> = Object.fromEntries(
    await Promise.all(entries.map(async ([name, probe]) => [name, await probe()] as const)),
  );
  let left = entries.filter(([name]) => backlogAtEnd[name] > 0);
  while (left.length) {
    if (performance.now() - started > timeoutMs)
      throw new Error(
        `the hub did not catch up within ${timeoutMs / 1000} s: ${left.map(([name]) => name).join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const counts = await Promise.all(left.map(([, probe]) => probe()));
    left = left.filter((_, i) => counts[i] > 0);
  }
  const drained = Object.values(backlogAtEnd).some((n) => n > 0);
  return { backlogAtEnd, drainMs: drained ? Math.round(performance.now() - started) : 0 };
}
