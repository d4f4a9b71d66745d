// What profile enforcement costs a write, in CPU: for each valid example of the hub's profiles, the time of the base
// R4 validation (every write pays it) and of the hub profile on top (what HUB_REQUIRED_PROFILES=all adds), in
// microseconds per resource. In-process, no database: the write path's other costs are in bench:core.
// Run: npm run bench:validation [-- --seconds 2]
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../server/fhir/definitions.js';
import { buildConformance, profileIssues } from '../server/fhir/profiles/conformance.js';
import { validateResource, warmUpValidation } from '../server/fhir/validation/validate.js';

const EXAMPLES = fileURLToPath(new URL('../profiles/examples/', import.meta.url));
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 1;

function timePerCall(work: () => void): number {
  for (let i = 0; i < 200; i++) work(); // warm the JIT and the compiled caches
  let calls = 0;
  const started = process.hrtime.bigint();
  const until = started + BigInt(Math.round(seconds * 1e9));
  let now = started;
  while (now < until) {
    for (let i = 0; i < 50; i++) work();
    calls += 50;
    now = process.hrtime.bigint();
  }
  return Number(now - started) / 1000 / calls;
}

async function main(): Promise<void> {
  loadDefinitions();
  const conformance = await buildConformance({ required: 'all' });
  const rows: { type: string; baseUs: number; profileUs: number }[] = [];
  for (const dir of readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    const resources = readdirSync(`${EXAMPLES}${dir}`)
      .filter((f) => f.startsWith('valid-'))
      .map((f) => JSON.parse(readFileSync(`${EXAMPLES}${dir}/${f}`, 'utf8')) as Resource);
    warmUpValidation([resources[0].resourceType]);
    let i = 0;
    const baseUs = timePerCall(() => validateResource(resources[i++ % resources.length]));
    const profileUs = timePerCall(() => profileIssues(conformance, resources[i++ % resources.length]));
    rows.push({ type: resources[0].resourceType, baseUs, profileUs });
  }
  console.log('| type | base R4 validation (µs) | hub profile (µs) | profile / base |');
  console.log('|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.type} | ${r.baseUs.toFixed(0)} | ${r.profileUs.toFixed(0)} | ${(r.profileUs / r.baseUs).toFixed(2)} |`,
    );
  }
}

await main();
