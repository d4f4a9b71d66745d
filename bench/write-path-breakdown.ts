// Where a write's CPU time goes in the hub process, step by step and without HTTP or a database: JSON parse, the
// R4 schema (ajv), Medplum's validator, the hub profile (HUB_REQUIRED_PROFILES=all), index extraction, the stored
// text, and the structuredClone a Bundle entry gets. Resources are the benchmark's own (generate.ts), references
// resolved as a transaction would resolve them.
// Usage: tsx bench/write-path-breakdown.ts [resources per type, default 2000]
import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../server/fhir/definitions.js';
import { buildConformance, profileIssues } from '../server/fhir/profiles/conformance.js';
import { validateSchema } from '../server/fhir/validation/schema.js';
import { validateResource } from '../server/fhir/validation/validate.js';
import { computeIndexValues } from '../server/storage/index-values.js';
import { storedContent } from '../server/storage/pg/prepare.js';
import { generateTransactionBundle, Random } from './generate.js';

const perType = Number(process.argv[2] ?? 2000);

function resolved(): Map<string, string[]> {
  const texts = new Map<string, string[]>();
  const rng = new Random(3);
  while ((texts.get('Patient')?.length ?? 0) < perType) {
    const bundle = generateTransactionBundle(rng, 100);
    const ids = new Map((bundle.entry ?? []).map((e) => [e.fullUrl!, `${e.resource!.resourceType}/${randomUUID()}`]));
    for (const entry of bundle.entry ?? []) {
      const text = JSON.stringify(entry.resource).replace(/"urn:uuid:[0-9a-f-]+"/g, (m) =>
        JSON.stringify(ids.get(m.slice(1, -1))),
      );
      const type = entry.resource!.resourceType;
      texts.set(type, [...(texts.get(type) ?? []), text]);
    }
  }
  return texts;
}

loadDefinitions();
const conformance = await buildConformance({ required: 'all' });

const steps: [string, (text: string, resource: Resource) => unknown][] = [
  ['JSON.parse', (text) => JSON.parse(text)],
  ['schema (ajv)', (_t, r) => validateSchema(r)],
  ['validateResource (schema + walker)', (_t, r) => validateResource(r)],
  ['hub profile (profileIssues)', (_t, r) => profileIssues(conformance, r)],
  ['computeIndexValues', (_t, r) => computeIndexValues({ ...r, id: randomUUID() } as Resource)],
  ['storedContent', (_t, r) => storedContent(r, randomUUID(), 1, new Date())],
];

const byType = resolved();
const rows: Record<string, Record<string, number>> = {};
for (const [type, texts] of byType) {
  const resources = texts.map((t) => JSON.parse(t) as Resource);
  const invalid = resources.filter(
    (r) => !validateResource(r).ok || profileIssues(conformance, r).some((i) => i.severity === 'error'),
  ).length;
  if (invalid)
    throw new Error(`${invalid} generated ${type} resources are not valid or do not conform to the hub profile`);
  rows[type] = {};
  for (const [name, fn] of steps) {
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      for (let i = 0; i < texts.length; i++) fn(texts[i], resources[i]);
      // The third round is kept: compiled, warmed up.
      if (round === 2) rows[type][name] = Number((((performance.now() - started) / texts.length) * 1000).toFixed(1));
    }
  }
}
process.stdout.write(`microseconds per resource (${perType} resources per type, third round)\n`);
console.table(rows);
