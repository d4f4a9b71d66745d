// A figure: one number a benchmark reports, measured in one or more rounds, with its target and its verdict. The
// verdict is given only when every round agrees: all meet the target ("pass"), all miss it ("miss"); rounds on
// both sides are "unstable", with their spread, so that no single lucky run becomes a result. A figure without a
// target is reported as measured ("report").
import { performance } from 'node:perf_hooks';

export interface Target {
  /** The figure must be at least this (a rate, a ratio) ... */
  atLeast?: number;
  /** ... or at most this (a latency, a size). */
  atMost?: number;
}

export type Verdict = 'pass' | 'miss' | 'unstable' | 'report';

export interface Figure {
  /** Stable id, for comparing runs: `audit.reads.ratio`, `core.read.p95`. */
  id: string;
  title: string;
  unit: string;
  /** The value of each round, in the order measured. */
  rounds: number[];
  min: number;
  median: number;
  max: number;
  target?: Target;
  verdict: Verdict;
  /** Anything the figure's reader needs beside the number: the baseline, the layer that limits it, a sweep. */
  detail?: Record<string, unknown>;
}

const meets = (value: number, target: Target) =>
  (target.atLeast === undefined || value >= target.atLeast) && (target.atMost === undefined || value <= target.atMost);

export function verdictOf(rounds: readonly number[], target?: Target): Verdict {
  if (!target || (target.atLeast === undefined && target.atMost === undefined)) return 'report';
  if (!rounds.length) throw new Error('a figure needs at least one round');
  const met = rounds.filter((value) => meets(value, target)).length;
  return met === rounds.length ? 'pass' : met === 0 ? 'miss' : 'unstable';
}

/** A figure from its rounds: min / median / max and the verdict. */
export function figure(
  id: string,
  title: string,
  unit: string,
  rounds: readonly number[],
  target?: Target,
  detail?: Record<string, unknown>,
): Figure {
  if (!rounds.length) throw new Error(`figure ${id} has no rounds`);
  const sorted = [...rounds].sort((a, b) => a - b);
  const median =
    sorted.length % 2
      ? sorted[(sorted.length - 1) / 2]
      : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return {
    id,
    title,
    unit,
    rounds: [...rounds],
    min: sorted[0],
    median,
    max: sorted[sorted.length - 1],
    ...(target ? { target } : {}),
    verdict: verdictOf(rounds, target),
    ...(detail ? { detail } : {}),
  };
}

/** The target as text: `≥ 0.75`, `≤ 20 ms`. */
export function targetText(target: Target | undefined, unit: string): string {
  if (!target) return '';
  const parts = [];
  if (target.atLeast !== undefined) parts.push(`≥ ${target.atLeast}`);
  if (target.atMost !== undefined) parts.push(`≤ ${target.atMost}`);
  // A ratio reads `≥ 0.75x`; a quantity `≤ 20 ms`.
  return `${parts.join(', ')}${unit === 'x' ? 'x' : unit ? ` ${unit}` : ''}`;
}

export interface SteadyState {
  /** Completions per second of each warm-up window. */
  windows: number[];
  steady: boolean;
  seconds: number;
}

/**
 * Warm-up until the rate is steady: windows of `windowSeconds` of `run` (which returns completions per second)
 * until two in a row differ by less than `tolerance`, or `maxWindows` have run (then `steady` is false and the
 * report says so). A fixed two seconds of warm-up measured JIT compilation and cold caches as part of the figure.
 */
export async function warmUntilSteady(
  run: (seconds: number) => Promise<number>,
  { windowSeconds = 5, maxWindows = 8, tolerance = 0.05 } = {},
): Promise<SteadyState> {
  const started = performance.now();
  const windows: number[] = [];
  for (let n = 0; n < maxWindows; n++) {
    windows.push(await run(windowSeconds));
    const [a, b] = windows.slice(-2);
    if (windows.length >= 2 && Math.abs(b - a) <= tolerance * Math.max(a, b))
      return { windows, steady: true, seconds: Math.round((performance.now() - started) / 100) / 10 };
  }
  return { windows, steady: false, seconds: Math.round((performance.now() - started) / 100) / 10 };
}
