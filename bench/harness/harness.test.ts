import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caughtUp } from './caught-up.js';
import { compareRuns, lastPair } from './compare.js';
import { BEGIN, END, figuresSection, sweepChart, withFigures } from './doc.js';
import { figure, verdictOf, warmUntilSteady } from './figure.js';
import { latencyOf } from './latency.js';
import { closedLoop, openLoop, sweepRates } from './open-loop.js';
import { loadResults, machineState, saveResult, type RunResult } from './results.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A server that does one call at a time, `ms` each: its capacity is 1000 / ms calls per second. */
function oneAtATime(ms: number) {
  let queue: Promise<void> = Promise.resolve();
  return () => {
    const turn = queue.then(() => sleep(ms));
    queue = turn;
    return turn;
  };
}

describe('latencyOf', () => {
  it('gives nearest-rank percentiles and the maximum', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1, unsorted
    expect(latencyOf(samples)).toEqual({ count: 100, p50Ms: 50, p95Ms: 95, p99Ms: 99, maxMs: 100 });
    expect(latencyOf([])).toEqual({ count: 0, p50Ms: NaN, p95Ms: NaN, p99Ms: NaN, maxMs: NaN });
    expect(verdictOf([latencyOf([]).p95Ms], { atMost: 20 })).toBe('miss');
  });
});

describe('open-loop load', () => {
  it('counts the queue: past the server’s capacity latency grows with the wait, not only the service time', async () => {
    // Capacity 50/s (20 ms each). At 100/s for 1 s the last calls wait about a second behind the others.
    const over = await openLoop({ rate: 100, seconds: 1, call: oneAtATime(20) });
    expect(over.p95Ms).toBeGreaterThan(500);
    expect(over.achievedPerSecond).toBeLessThan(60);
    // Well under capacity the latency is about the service time.
    const under = await openLoop({ rate: 10, seconds: 1, call: oneAtATime(20) });
    expect(under.p50Ms).toBeGreaterThanOrEqual(19);
    expect(under.p95Ms).toBeLessThan(200);
    expect(under.count).toBe(10);
  });

  it('a closed loop on the same server hides that queue (the reason the harness measures open-loop)', async () => {
    const closed = await closedLoop(1, 0.5, oneAtATime(20));
    expect(closed.p95Ms).toBeLessThan(200);
    expect(closed.perSecond).toBeGreaterThan(20);
  });

  it('counts errors apart and stops when the server does not keep up at all', async () => {
    const failing = await openLoop({
      rate: 50,
      seconds: 0.2,
      call: async (i) => {
        if (i % 2) throw new Error(`call ${i} refused`);
      },
    });
    expect(failing.errors).toBe(5);
    expect(failing.count).toBe(5);
    expect(failing.firstError).toBe('call 1 refused');
    const stuck = await openLoop({ rate: 1000, seconds: 5, call: () => sleep(300), maxInFlight: 20 });
    expect(stuck.overloaded).toBe(true);
    expect(stuck.seconds).toBeLessThan(1);
  });

  it('sweeps fractions of the closed-loop maximum', () => {
    expect(sweepRates(200)).toEqual([50, 100, 150, 200]);
    expect(sweepRates(2, [0.1])).toEqual([1]);
  });
});

describe('figures and verdicts', () => {
  it('gives a verdict only when every round agrees', () => {
    expect(verdictOf([0.8, 0.9], { atLeast: 0.75 })).toBe('pass');
    expect(verdictOf([0.5, 0.6], { atLeast: 0.75 })).toBe('miss');
    expect(verdictOf([0.7, 0.8], { atLeast: 0.75 })).toBe('unstable');
    expect(verdictOf([19, 25], { atMost: 20 })).toBe('unstable');
    expect(verdictOf([12], { atMost: 20 })).toBe('pass');
    expect(verdictOf([12])).toBe('report');
  });

  it('keeps the rounds with their min, median and max', () => {
    const f = figure('x.ratio', 'ratio', 'x', [0.3, 0.1, 0.2, 0.4], { atLeast: 0.25 });
    expect(f).toMatchObject({ min: 0.1, median: 0.25, max: 0.4, rounds: [0.3, 0.1, 0.2, 0.4], verdict: 'unstable' });
    expect(() => figure('y', 'y', 'x', [])).toThrow(/no rounds/);
  });

  it('warms up until two windows agree, and says when they never did', async () => {
    const rates = [100, 150, 180, 182, 500];
    const steady = await warmUntilSteady(async () => rates.shift()!, { windowSeconds: 0 });
    expect(steady).toMatchObject({ windows: [100, 150, 180, 182], steady: true });
    let n = 0;
    const never = await warmUntilSteady(async () => (n++ % 2 ? 100 : 200), { windowSeconds: 0, maxWindows: 4 });
    expect(never).toMatchObject({ windows: [200, 100, 200, 100], steady: false });
  });
});

describe('deferred work', () => {
  it('waits until every probe reads 0 and reports what each had left', async () => {
    let left = 3;
    const result = await caughtUp(
      { audit: async () => (left-- > 0 ? left + 1 : 0), outbox: async () => 0 },
      { pollMs: 5 },
    );
    expect(result.backlogAtEnd).toEqual({ audit: 3, outbox: 0 });
    expect(result.drainMs).toBeGreaterThan(0);
    expect((await caughtUp({ audit: async () => 0 })).drainMs).toBe(0);
    await expect(caughtUp({ stuck: async () => 1 }, { pollMs: 5, timeoutMs: 30 })).rejects.toThrow(/stuck/);
  });
});

describe('results, comparison and the generated doc', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-results-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (date: string, median: number, extra: Partial<RunResult> = {}): RunResult => ({
    benchmark: 'audit',
    date,
    machine: { ...machineState(0.01), commit: 'abc1234', dirty: false },
    settings: {},
    figures: [
      figure('audit.reads.ratio', 'sustained reads against unaudited', 'x', [median, median + 0.02], { atLeast: 0.75 }),
      figure(
        'audit.query.p95',
        'auditor query p95',
        'ms',
        [12],
        { atMost: 20 },
        {
          sweep: [
            { offeredPerSecond: 50, achievedPerSecond: 50, p95Ms: 9 },
            { offeredPerSecond: 100, achievedPerSecond: 99, p95Ms: 14 },
          ],
        },
      ),
    ],
    invalid: [],
    wallSeconds: 300,
    ...extra,
  });

  it('keeps each run as a file and reads them back oldest first', () => {
    saveResult(run('2026-12-07T10:00:00.000Z', 0.5), dir);
    saveResult(run('2026-12-07T12:00:00.000Z', 0.8), dir);
    saveResult(run('2026-12-07T11:00:00.000Z', 0.1, { invalid: ['noisy'] }), dir);
    expect(loadResults('audit', dir).map((r) => r.date)).toEqual([
      '2026-12-07T10:00:00.000Z',
      '2026-12-07T11:00:00.000Z',
      '2026-12-07T12:00:00.000Z',
    ]);
    expect(loadResults('none', dir)).toEqual([]);
  });

  it('compares the last valid run with the one before on the same machine', () => {
    const runs = loadResults('audit', dir);
    const pair = lastPair(runs)!;
    expect(pair.map((r) => r.date)).toEqual(['2026-12-07T10:00:00.000Z', '2026-12-07T12:00:00.000Z']);
    const [ratio, query] = compareRuns(...pair);
    expect(ratio).toMatchObject({ before: 0.51, after: 0.81, verdictBefore: 'miss', verdictAfter: 'pass' });
    expect(ratio.change).toBeCloseTo(0.588, 3);
    expect(ratio.withinSpread).toBe(false);
    expect(query).toMatchObject({ before: 12, after: 12, change: 0, withinSpread: true });
    const otherMachine = { ...runs[2], machine: { ...runs[2].machine, cores: 64 } };
    expect(lastPair([runs[0], otherMachine])).toBeUndefined();
  });

  it('generates the figures section from the last valid run, with a chart per sweep, between its markers', () => {
    const charts = path.join(dir, 'charts');
    const section = figuresSection(loadResults('audit', dir), charts);
    expect(section.startsWith(BEGIN) && section.endsWith(END)).toBe(true);
    expect(section).toContain('| sustained reads against unaudited | 0.81 x | 2: 0.8 to 0.82 | ≥ 0.75x | met |');
    expect(section).toContain('| auditor query p95 | 12 ms | 1 | ≤ 20 ms | met |');
    expect(section).toContain('(performance/audit.query.p95.svg)');
    const doc = `# Performance\n\nprose\n\n${BEGIN}\nold figures\n${END}\n\nmore prose\n`;
    const regenerated = withFigures(doc, section);
    expect(regenerated).not.toContain('old figures');
    expect(regenerated).toContain('more prose');
    expect(withFigures(regenerated, section)).toBe(regenerated);
    expect(sweepChart('q', [{ offeredPerSecond: 10, achievedPerSecond: 10, p95Ms: 5 }])).toMatch(
      /^<svg[\s\S]*<path d="M/,
    );
  });
});
