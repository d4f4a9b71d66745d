// npm run bench:compare [-- <benchmark>...]: each benchmark's last run against the run before it on the same kind
// of machine (bench/results/), figure by figure: the medians, the change, and the verdicts before and after. A
// change smaller than the rounds' own spread is marked "within spread": it says nothing either way.
import { pathToFileURL } from 'node:url';
import type { Figure } from './figure.js';
import { loadResults, sameMachine, type RunResult } from './results.js';

export interface FigureChange {
  id: string;
  title: string;
  unit: string;
  before?: number;
  after?: number;
  /** after / before − 1, when both exist and before is not 0. */
  change?: number;
  withinSpread: boolean;
  verdictBefore?: Figure['verdict'];
  verdictAfter?: Figure['verdict'];
}

const spread = (f: Figure) => (f.median ? (f.max - f.min) / Math.abs(f.median) : 0);

export function compareRuns(before: RunResult, after: RunResult): FigureChange[] {
  const old = new Map(before.figures.map((f) => [f.id, f]));
  const ids = [...new Set([...after.figures.map((f) => f.id), ...before.figures.map((f) => f.id)])];
  return ids.map((id) => {
    const a = after.figures.find((f) => f.id === id);
    const b = old.get(id);
    const change = a && b && b.median !== 0 ? a.median / b.median - 1 : undefined;
    return {
      id,
      title: (a ?? b)!.title,
      unit: (a ?? b)!.unit,
      ...(b ? { before: b.median, verdictBefore: b.verdict } : {}),
      ...(a ? { after: a.median, verdictAfter: a.verdict } : {}),
      ...(change === undefined ? {} : { change: Math.round(change * 1000) / 1000 }),
      withinSpread: change !== undefined && Math.abs(change) <= Math.max(spread(a!), spread(b!)),
    };
  });
}

/** The last run of `benchmark` and the last one before it on the same kind of machine, if there are two. */
export function lastPair(runs: RunResult[]): [RunResult, RunResult] | undefined {
  const valid = runs.filter((run) => !run.invalid.length);
  const last = valid.at(-1);
  if (!last) return undefined;
  const previous = valid
    .slice(0, -1)
    .reverse()
    .find((run) => sameMachine(run.machine, last.machine));
  return previous ? [previous, last] : undefined;
}

function main(): void {
  const names = process.argv.slice(2);
  const runs = loadResults();
  const benchmarks = names.length ? names : [...new Set(runs.map((run) => run.benchmark))];
  if (!benchmarks.length) {
    process.stdout.write('no results under bench/results/ yet: run a benchmark first\n');
    return;
  }
  for (const benchmark of benchmarks) {
    const pair = lastPair(runs.filter((run) => run.benchmark === benchmark));
    if (!pair) {
      process.stdout.write(`${benchmark}: fewer than two valid runs on the same machine; nothing to compare\n`);
      continue;
    }
    const [before, after] = pair;
    process.stdout.write(
      `${benchmark}: ${before.date} (${before.machine.commit}) -> ${after.date} (${after.machine.commit})\n`,
    );
    for (const row of compareRuns(before, after)) {
      const change =
        row.change === undefined ? '' : `${row.change > 0 ? '+' : ''}${Math.round(row.change * 1000) / 10}%`;
      process.stdout.write(
        `  ${row.title}: ${row.before ?? '-'} -> ${row.after ?? '-'} ${row.unit} ${change}${row.withinSpread ? ' (within spread)' : ''}; ${row.verdictBefore ?? '-'} -> ${row.verdictAfter ?? '-'}\n`,
      );
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
