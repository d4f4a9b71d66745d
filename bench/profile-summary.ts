// Summarises a V8 .cpuprofile (from BENCH_CPU_PROF): self time per function and per package / source folder, and
// inclusive time of a few functions of interest. Usage: tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const [file, topArg] = args.filter((a) => !a.startsWith('--'));
if (!file) {
  process.stderr.write(
    'usage: tsx bench/profile-summary.ts <file.cpuprofile> [top] [--from=s] [--to=s] [--timeline]\n',
  );
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
// --from / --to: keep only the samples in that window (seconds since the profile started), e.g. the measured run.
{
  const from = Number(option('from') ?? 0) * 1e6;
  const to = Number(option('to') ?? Infinity) * 1e6;
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const busyPerSecond: number[] = [];
  let at = 0;
  const samples: number[] = [];
  const deltas: number[] = [];
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const second = Math.floor(at / 1e6);
    busyPerSecond[second] = (busyPerSecond[second] ?? 0) + (idle.has(id) ? 0 : (profile.timeDeltas[i] ?? 0) / 1e6);
    if (at >= from && at < to) {
      samples.push(id);
      deltas.push(profile.timeDeltas[i] ?? 0);
    }
  });
  if (args.includes('--timeline')) {
    process.stdout.write(
      `busy fraction per second: ${busyPerSecond.map((b, s) => `${s}:${(b ?? 0).toFixed(2)}`).join(' ')}\n`,
    );
  }
  profile.samples = samples;
  profile.timeDeltas = deltas;
}
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(url: string): string {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node-core';
  const m = /\/(server|bench)\/(.*)\/[^/]+$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : url.replace(/^.*\//, '');
}
// Minified bundles (@medplum/core) are named through their source map: original file and line.
const maps = new Map<string, SourceMap | undefined>();
function original(frame: ProfileNode['callFrame']): string | undefined {
  if (!frame.url.startsWith('file://') || !frame.url.includes('node_modules')) return undefined;
  if (!maps.has(frame.url)) {
    const file = `${fileURLToPath(frame.url)}.map`;
    maps.set(frame.url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined);
  }
  const entry = maps.get(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber) as
    | { originalSource?: string; originalLine?: number }
    | undefined;
  return entry?.originalSource
    ? `${entry.originalSource.replace(/^(\.\.\/)+/, '')}:${(entry.originalLine ?? 0) + 1}`
    : undefined;
}
const label = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${original(n.callFrame) ?? `${area(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`}`;

const fnSelf = new Map<string, number>();
const areaSelf = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  fnSelf.set(label(n), (fnSelf.get(label(n)) ?? 0) + t);
  const a = ['(idle)', '(program)', '(garbage collector)'].includes(n.callFrame.functionName)
    ? n.callFrame.functionName
    : area(n.callFrame.url);
  areaSelf.set(a, (areaSelf.get(a) ?? 0) + t);
}
// Inclusive time: a sample counts once for every distinct function name on its stack.
const inclusive = new Map<string, number>();
for (const [id, t] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    const key = `${n.callFrame.functionName} ${area(n.callFrame.url)}`;
    if (!seen.has(key)) {
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    }
  }
}
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const print = (title: string, map: Map<string, number>, n: number, filter: (k: string) => boolean = () => true) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, t] of [...map]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)) {
    process.stdout.write(`${pct(t)} ${(t / 1000).toFixed(0).padStart(7)}ms  ${k}\n`);
  }
};
process.stdout.write(`total ${(total / 1e6).toFixed(1)} s sampled\n`);
print('self time by area', areaSelf, top);
print('self time by function', fnSelf, top);
print('inclusive time, hub and selected library functions', inclusive, top, (k) =>
  /server\/|validateResource|medplumValidate|evalFhirPathTyped|toTypedValue|structuredClone|stringify|parse |handleRequest|runPreParsing|onRequest|write |postgres/.test(
    k,
  ),
);
