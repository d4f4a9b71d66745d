// parseFhirPathPlanned must give what Medplum's own parse gives, value for value and error for error: over every
// R4 example, for every invariant of every element that examples of each type hold (evaluated where the validator evaluates it),
// for every search parameter of its type, and for the hub profiles' rules on the hub's examples.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TypedValue } from '@medplum/core';
import {
  evalFhirPathTyped,
  getDataType,
  getSearchParameters,
  getTypedPropertyValue,
  parseFhirPath,
  toTypedValue,
} from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from './definitions.js';
import { parseFhirPathPlanned } from './fhirpath.js';

const EXAMPLES_DIR = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
const HUB_DIR = join(dirname(new URL(import.meta.url).pathname), '../../profiles');

type Outcome = { ok: true; values: string } | { ok: false; error: string };

const parsed = new Map<
  string,
  { medplum: ReturnType<typeof parseFhirPath>; planned: ReturnType<typeof parseFhirPath> }
>();

function atoms(expression: string) {
  let pair = parsed.get(expression);
  if (!pair) {
    pair = { medplum: parseFhirPath(expression), planned: parseFhirPathPlanned(expression) };
    parsed.set(expression, pair);
  }
  return pair;
}

function run(atom: ReturnType<typeof parseFhirPath>, input: TypedValue, root: TypedValue): Outcome {
  try {
    const values = evalFhirPathTyped(atom, [input], { '%resource': root, '%rootResource': root, '%context': input });
    return { ok: true, values: JSON.stringify(values) };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
}

interface Tally {
  evaluations: number;
  differences: string[];
  /** Evaluations so far per expression and input type: each pair is tried on at most CAP values, so the test stays fast. */
  seen: Map<string, number>;
}

const CAP = 12;

const newTally = (): Tally => ({ evaluations: 0, differences: [], seen: new Map() });

function compare(tally: Tally, label: string, expression: string, input: TypedValue, root: TypedValue): void {
  const key = `${input.type}|${expression}`;
  const seen = tally.seen.get(key) ?? 0;
  if (seen >= CAP) {
    return;
  }
  tally.seen.set(key, seen + 1);
  const { medplum, planned } = atoms(expression);
  const expected = run(medplum, input, root);
  const actual = run(planned, input, root);
  tally.evaluations++;
  if (JSON.stringify(expected) !== JSON.stringify(actual) && tally.differences.length < 20) {
    tally.differences.push(
      `${label}: ${expression}\n  medplum ${JSON.stringify(expected)}\n  planned ${JSON.stringify(actual)}`,
    );
  }
}

/** Every typed value in the resource, with the constraints of the element that holds it, as Medplum navigates. */
function* elementsWithConstraints(
  value: TypedValue,
  depth = 0,
): Generator<{ value: TypedValue; expressions: string[] }> {
  if (depth > 12 || !value.value || typeof value.value !== 'object') {
    return;
  }
  let schema: ReturnType<typeof getDataType>;
  try {
    schema = getDataType(value.type);
  } catch {
    return;
  }
  for (const [key, element] of Object.entries(schema.elements)) {
    const found = getTypedPropertyValue(value, key);
    const children = found === undefined ? [] : Array.isArray(found) ? found : [found];
    const expressions = (element.constraints ?? []).map((c) => c.expression).filter((e): e is string => !!e);
    for (const child of children) {
      yield { value: child, expressions };
      yield* elementsWithConstraints(child, depth + 1);
    }
  }
}

function r4Examples(): Resource[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'package.json' && !f.startsWith('.'))
    .map((f) => JSON.parse(readFileSync(join(EXAMPLES_DIR, f), 'utf8')))
    .filter((r) => typeof r?.resourceType === 'string');
}

function hubExamples(): Resource[] {
  const dir = join(HUB_DIR, 'examples');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(dir, d.name))
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(dir, d.name, f)),
    )
    .map((f) => JSON.parse(readFileSync(f, 'utf8')));
}

function hubRules(): Map<string, string[]> {
  const dir = join(HUB_DIR, 'structure-definitions');
  const rules = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const sd = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    for (const element of sd.differential?.element ?? []) {
      for (const c of element.constraint ?? []) {
        if (c.expression && element.path === sd.type) {
          rules.set(sd.type, [...(rules.get(sd.type) ?? []), c.expression]);
        }
      }
    }
  }
  return rules;
}

describe('parseFhirPathPlanned', () => {
  let examples: Resource[];
  beforeAll(() => {
    loadDefinitions();
    examples = r4Examples();
  });

  it('navigates choices, arrays, resources and variables as Medplum does', () => {
    const resource = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '1' }] },
      valueQuantity: { value: 5, unit: 'mg' },
      component: [
        { code: { text: 'a' }, valueString: 'x' },
        { code: { text: 'b' }, valueInteger: 3 },
      ],
      contained: [{ resourceType: 'Patient', id: 'p', name: [{ family: 'F' }] }],
    };
    const root = toTypedValue(resource);
    const tally = newTally();
    for (const expression of [
      'value',
      'Observation.value.unit',
      'component.value',
      'component.valueString',
      'code.coding.code',
      'contained.name.family',
      'contained.Patient.name',
      'component.where(code.text = %context.component.code.text.first()).value',
      '$this.status',
      'value.ofType(Quantity).value > 2',
      'nothing.here',
      '%undefined',
    ]) {
      compare(tally, 'handmade', expression, root, root);
    }
    expect(tally.differences).toEqual([]);
    expect(run(atoms('component.value').planned, root, root)).toEqual({
      ok: true,
      values: JSON.stringify([
        { type: 'string', value: 'x' },
        { type: 'integer', value: 3 },
      ]),
    });
  });

  it('gives every R4 invariant the same result as Medplum on every element of R4 examples of every type', () => {
    const tally = newTally();
    // Walking every example takes Medplum half a minute; eight of each type hold nearly every element kind.
    const perType = new Map<string, number>();
    const sample = examples.filter((r) => {
      const n = perType.get(r.resourceType) ?? 0;
      perType.set(r.resourceType, n + 1);
      return n < 8;
    });
    for (const resource of sample) {
      const root = toTypedValue(resource);
      for (const c of getDataType(resource.resourceType).constraints ?? []) {
        if (c.expression) compare(tally, resource.resourceType, c.expression, root, root);
      }
      for (const { value, expressions } of elementsWithConstraints(root)) {
        for (const expression of expressions) {
          compare(tally, `${resource.resourceType}/${resource.id} ${value.type}`, expression, value, root);
        }
      }
    }
    expect(tally.differences).toEqual([]);
    expect(tally.evaluations).toBeGreaterThan(5_000);
  });

  it('gives every search parameter of the R4 specification the same values as Medplum on every R4 example', () => {
    const tally = newTally();
    for (const resource of examples) {
      const root = toTypedValue(resource);
      for (const param of Object.values(getSearchParameters(resource.resourceType) ?? {})) {
        if (param.expression)
          compare(tally, `${resource.resourceType}/${resource.id} ${param.code}`, param.expression, root, root);
      }
    }
    expect(tally.differences).toEqual([]);
    expect(tally.evaluations).toBeGreaterThan(10_000);
  });

  it("gives the hub profiles' rules the same result as Medplum on the hub's examples and the R4 examples of their types", () => {
    const tally = newTally();
    const rules = hubRules();
    for (const resource of [...hubExamples(), ...examples]) {
      const root = toTypedValue(resource);
      for (const expression of rules.get(resource.resourceType) ?? []) {
        compare(tally, `${resource.resourceType}/${resource.id}`, expression, root, root);
      }
    }
    expect(tally.differences).toEqual([]);
    expect(rules.size).toBeGreaterThanOrEqual(10);
    expect(tally.evaluations).toBeGreaterThan(300);
  });
});
