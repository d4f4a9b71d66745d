// Latency summaries: the percentiles every figure reports (p50, p95, p99, max), in milliseconds.

export interface Latency {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Nearest-rank percentiles of `samples` (ms); a copy is sorted, the input is left as it is. No samples give NaN
 * (null in JSON), never 0: a window where nothing answered must not pass a latency target.
 */
export function latencyOf(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)] : Number.NaN);
  return {
    count: sorted.length,
    p50Ms: round2(at(0.5)),
    p95Ms: round2(at(0.95)),
    p99Ms: round2(at(0.99)),
    maxMs: round2(sorted.at(-1) ?? Number.NaN),
  };
}
