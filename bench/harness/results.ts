// The results of benchmark runs, kept as JSON under bench/results/<benchmark>/, one file per run, so that a change
// can be compared with the last run on the same machine (compare.ts) and docs/performance.md can be generated from
// what runs showed (doc.ts). Each file holds the machine's state (its CPU, cores and memory, the cores other work
// used before the run, the hub's commit and whether the tree had uncommitted changes) beside the figures.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from './figure.js';

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** Cores busy with other work just before the run (machineLoad): above 0.2 the run is noisy. */
  busyCoresBefore?: number;
  commit: string;
  /** The working tree had changes not in `commit`. */
  dirty: boolean;
}

export interface RunResult {
  benchmark: string;
  date: string;
  machine: Machine;
  /** What the run was asked to do: its environment settings, sizes, durations. */
  settings: Record<string, unknown>;
  figures: Figure[];
  /** Why the run is not a result (failed requests, a noisy machine); empty when it is one. */
  invalid: string[];
  wallSeconds: number;
  /** The benchmark's full report, for the reader who wants more than the figures. */
  report?: unknown;
}

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function machineState(busyCoresBefore?: number): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    ...(busyCoresBefore === undefined ? {} : { busyCoresBefore }),
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
  };
}

/** The same kind of machine: results from different ones are not compared. */
export const sameMachine = (a: Machine, b: Machine) => a.cpu === b.cpu && a.cores === b.cores;

/** Writes the run under bench/results/<benchmark>/<date>.json (BENCH_RESULTS_DIR elsewhere); returns the path. */
export function saveResult(result: RunResult, dir = process.env.BENCH_RESULTS_DIR ?? RESULTS_DIR): string {
  const folder = path.join(dir, result.benchmark);
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** The runs of one benchmark (or all), oldest first. */
export function loadResults(benchmark?: string, dir = process.env.BENCH_RESULTS_DIR ?? RESULTS_DIR): RunResult[] {
  let names: string[];
  try {
    names = benchmark ? [benchmark] : readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .flatMap((name) => {
      try {
        return readdirSync(path.join(dir, name))
          .filter((file) => file.endsWith('.json'))
          .map((file) => JSON.parse(readFileSync(path.join(dir, name, file), 'utf8')) as RunResult);
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.date.localeCompare(b.date));
}
