// Differential test: seeded mutations of the official R4 examples must get the same accept/refuse decision from
// the element walker (validateResource) as from the former pipeline with @medplum/core's validator.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateSchema } from './schema.js';
import { validateResource, validateResourceWithMedplum, warmUpValidation } from './validate.js';

const EXAMPLES_DIR = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
const CASES = 3000;

/**
 * Deliberate differences, by mutation label: none so far. An entry would name a case where Medplum's validator
 * is wrong for R4 and the walker is right, with the reason.
 */
const DELIBERATE_DIFFERENCES: Record<string, string> = {};

/** A JSON object or array of an example, indexed by property name or array position. */
type JsonContainer = Record<string | number, unknown>;

/** A parsed R4 example. */
type Example = JsonContainer & { resourceType: string };

/** mulberry32: a small seeded PRNG, so every run tests the same cases. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Slot {
  parent: JsonContainer;
  key: string | number;
  path: string;
}

/** Every property and array item in the resource, with a readable path. */
function slots(value: unknown, path: string, out: Slot[] = []): Slot[] {
  if (value && typeof value === 'object') {
    const parent = value as JsonContainer;
    for (const key of Object.keys(parent)) {
      const child = Array.isArray(parent) ? Number(key) : key;
      const childPath = Array.isArray(parent) ? `${path}[${key}]` : `${path}.${key}`;
      out.push({ parent, key: child, path: childPath });
      slots(parent[child], childPath, out);
    }
  }
  return out;
}

/** Replaces the slot's value; true, for the mutations that apply when a condition holds (`cond && set(...)`). */
function set(s: Slot, value: unknown): true {
  s.parent[s.key] = value;
  return true;
}

const EXTENSION_URL = 'http://example.org/fhir/StructureDefinition/x';

/** Mutations that each aim at one rule of step (4) or of the schema; false when not applicable to the slot. */
const MUTATIONS: Record<string, (r: Example, s: Slot, rand: () => number) => boolean> = {
  remove: (_r, s) => {
    if (Array.isArray(s.parent)) {
      s.parent.splice(s.key as number, 1);
    } else {
      delete s.parent[s.key];
    }
    return true;
  },
  twice: (_r, s) => {
    const v = s.parent[s.key];
    if (Array.isArray(s.parent)) {
      s.parent.push(structuredClone(v));
    } else {
      s.parent[s.key] = [v, structuredClone(v)];
    }
    return true;
  },
  invalidCode: (_r, s) => typeof s.parent[s.key] === 'string' && set(s, 'bogus-code'),
  whitespace: (_r, s) => typeof s.parent[s.key] === 'string' && set(s, '   '),
  emptyString: (_r, s) => typeof s.parent[s.key] === 'string' && set(s, ''),
  negative: (_r, s) => typeof s.parent[s.key] === 'number' && set(s, -1),
  zero: (_r, s) => typeof s.parent[s.key] === 'number' && set(s, 0),
  fraction: (_r, s) => typeof s.parent[s.key] === 'number' && set(s, 1.5),
  emptyObject: (_r, s) => typeof s.parent[s.key] === 'object' && set(s, Array.isArray(s.parent[s.key]) ? [{}] : {}),
  emptyChildren: (_r, s) => {
    const v = s.parent[s.key];
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      return false;
    }
    const obj = v as JsonContainer;
    for (const k of Object.keys(obj)) {
      if (k !== 'id') {
        delete obj[k];
      }
    }
    return true;
  },
  nullItem: (_r, s) => Array.isArray(s.parent) && set(s, null),
  nullValue: (_r, s) => !Array.isArray(s.parent) && set(s, null),
  primitiveExtension: (_r, s) => {
    if (Array.isArray(s.parent) || typeof s.parent[s.key] === 'object' || String(s.key).startsWith('_')) {
      return false;
    }
    s.parent[`_${String(s.key)}`] = { extension: [{ url: EXTENSION_URL, valueString: 'x' }] };
    return true;
  },
  onlyPrimitiveExtension: (_r, s) => {
    if (Array.isArray(s.parent) || typeof s.parent[s.key] === 'object' || String(s.key).startsWith('_')) {
      return false;
    }
    s.parent[`_${String(s.key)}`] = { extension: [{ url: EXTENSION_URL, valueCode: 'x' }] };
    delete s.parent[s.key];
    return true;
  },
  secondChoiceType: (_r, s) => {
    const m = /^(value|deceased|multipleBirth|effective|onset|occurrence|timing|abatement|medication|performed)/.exec(
      String(s.key),
    );
    if (!m || Array.isArray(s.parent)) {
      return false;
    }
    s.parent[`${m[1]}Boolean`] = true;
    s.parent[`${m[1]}DateTime`] = '2020-01-01';
    return true;
  },
  extensionValueAndChildren: (_r, s) => {
    const v = s.parent[s.key];
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      return false;
    }
    (v as JsonContainer).extension = [
      { url: EXTENSION_URL, valueString: 'a', extension: [{ url: 'b', valueBoolean: true }] },
    ];
    return true;
  },
  extensionWithoutValue: (_r, s) => {
    const v = s.parent[s.key];
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      return false;
    }
    (v as JsonContainer).modifierExtension = [{ url: EXTENSION_URL }];
    return true;
  },
  referenceType: (_r, s) => s.key === 'reference' && set(s, 'Basic/1'),
  nestedContained: (r) => {
    r.contained = [
      {
        resourceType: 'Basic',
        id: 'c1',
        code: { text: 'x' },
        contained: [{ resourceType: 'Basic', id: 'c2', code: { text: 'y' } }],
      },
    ];
    return true;
  },
  containedMeta: (r, _s, rand) => {
    const meta = rand() < 0.5 ? { versionId: '1' } : { security: [{ system: 'http://example.org', code: 's' }] };
    r.contained = [{ resourceType: 'Basic', id: 'c1', code: { text: 'x' }, meta }];
    return true;
  },
};

interface Case {
  label: string;
  file: string;
  path: string;
  resource: Example;
}

function buildCases(): Case[] {
  const files = readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.') && f !== 'package.json')
    .filter((f) => statSync(join(EXAMPLES_DIR, f)).size < 16_000)
    .sort();
  const rand = prng(4242);
  const names = Object.keys(MUTATIONS);
  const cases: Case[] = [];
  for (let attempt = 0; cases.length < CASES && attempt < CASES * 20; attempt++) {
    const file = files[Math.floor(rand() * files.length)];
    const parsed = JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8')) as JsonContainer | null;
    if (typeof parsed?.resourceType !== 'string') {
      continue;
    }
    const resource = parsed as Example;
    const all = slots(resource, resource.resourceType).filter((s) => s.key !== 'resourceType');
    if (all.length === 0) {
      continue;
    }
    const slot = all[Math.floor(rand() * all.length)];
    const label = names[Math.floor(rand() * names.length)];
    if (MUTATIONS[label](resource, slot, rand)) {
      cases.push({ label, file, path: slot.path, resource });
    }
  }
  return cases;
}

/**
 * The one deliberate difference in issues: @medplum/core's FHIRPath cannot apply string functions to a primitive
 * that carries extensions, so Medplum reports "Error evaluating invariant expression" (and the invariant as
 * failed) where the walker, through validation/primitive-extensions.ts, evaluates the invariant for real. The
 * decision is still compared; only the issue lists may differ then.
 */
function onlyPrimitiveExtensionGap(walker: { diagnostics?: string }[], medplum: { diagnostics?: string }[]): boolean {
  const gap = (i: { diagnostics?: string }) => /Error evaluating invariant expression/.test(i.diagnostics ?? '');
  return medplum.filter(gap).length > walker.filter(gap).length;
}

/** Issues as an order-independent string. */
function issueKey(issues: unknown[]): string {
  return issues
    .map((i) => JSON.stringify(i))
    .sort()
    .join('\n');
}

describe('element walker vs @medplum/core validator (differential)', () => {
  let cases: Case[] = [];
  beforeAll(() => {
    warmUpValidation();
    cases = buildCases();
  }, 60_000);

  it(`builds ${CASES} mutated examples, covering every mutation`, () => {
    expect(cases).toHaveLength(CASES);
    expect(new Set(cases.map((c) => c.label))).toEqual(new Set(Object.keys(MUTATIONS)));
  });

  it('gives the same ok/not-ok decision and the same issues for every case, refusing a good share of them', () => {
    const differences: string[] = [];
    let refused = 0;
    const byStep4: Record<string, number> = {};
    const issueDifferences: string[] = [];
    for (const c of cases) {
      const walker = validateResource(structuredClone(c.resource));
      const medplum = validateResourceWithMedplum(structuredClone(c.resource));
      refused += walker.ok ? 0 : 1;
      if (!walker.ok && validateSchema(c.resource).length === 0) {
        byStep4[c.label] = (byStep4[c.label] ?? 0) + 1; // refused by step (4) alone: the part being compared
      }
      if (
        issueKey(walker.issues) !== issueKey(medplum.issues) &&
        !onlyPrimitiveExtensionGap(walker.issues, medplum.issues)
      ) {
        issueDifferences.push(`${c.label} ${c.file} ${c.path}`);
      }
      if (walker.ok !== medplum.ok && !(c.label in DELIBERATE_DIFFERENCES)) {
        const issues = (r: typeof walker): string[] =>
          r.issues.filter((i) => i.severity === 'error').map((i) => String(i.diagnostics));
        differences.push(
          `${c.label} ${c.file} ${c.path}: walker ${walker.ok} ${issues(walker)} / medplum ${medplum.ok} ${issues(medplum)}`,
        );
      }
    }
    expect(differences).toEqual([]);
    // Not only the decision: the walker reports the same issues, in any order.
    expect(issueDifferences).toEqual([]);
    expect(refused).toBeGreaterThan(CASES / 4);
    const step4 = Object.values(byStep4).reduce((a, b) => a + b, 0);
    expect(step4).toBeGreaterThan(CASES / 10);
  }, 120_000);
});
