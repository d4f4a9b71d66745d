// The benchmarks' data conforms: a sample of everything bench/generate.ts produces (the reference data, the create
// figure's Patients, the bundle figure's transactions, the search data set's client records) is valid R4 and
// conforms to the hub profiles, which the benchmark hubs enforce (requiredProfiles 'all'). Also: the same seed
// gives the same JSON text, and references point at resources that exist before them.
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../server/fhir/definitions.js';
import { buildConformance, profileIssues, type Conformance } from '../server/fhir/profiles/conformance.js';
import { validateResource } from '../server/fhir/validation/validate.js';
import { generateTransactionBundle, ISO9999_AIDS, patientTexts, Random, referenceResources } from './generate.js';
import { datasetBatches } from './search/dataset.js';

const BUNDLES = 20;
const BUNDLE_SIZE = 20;
const DATASET = 600;

let conformance: Conformance;

beforeAll(async () => {
  loadDefinitions();
  conformance = await buildConformance({ required: 'all' });
});

const isError = (issue: OperationOutcomeIssue) => issue.severity === 'error' || issue.severity === 'fatal';

/** One line per error of the base validation or the hub profile; none when all conform. */
function problems(resources: Resource[]): string[] {
  const out: string[] = [];
  for (const resource of resources) {
    const base = validateResource(resource).issues.filter(isError);
    const profile = base.length ? [] : profileIssues(conformance, resource).filter(isError);
    for (const issue of [...base, ...profile]) {
      out.push(
        `${resource.resourceType}/${resource.id ?? '-'}: ${issue.diagnostics ?? issue.details?.text ?? issue.code}`,
      );
    }
  }
  return out;
}

/** The entries of a transaction with their urn:uuid references resolved to Type/id, as the hub resolves them. */
function resolvedEntries(bundle: Bundle): Resource[] {
  const ids = new Map((bundle.entry ?? []).map((e, i) => [e.fullUrl!, `${e.resource!.resourceType}/bench-${i}`]));
  return (bundle.entry ?? []).map((e) => {
    const text = JSON.stringify(e.resource).replace(/"urn:uuid:[0-9a-f-]+"/g, (m) =>
      JSON.stringify(ids.get(m.slice(1, -1)) ?? m),
    );
    return JSON.parse(text) as Resource;
  });
}

/** Every `reference` value in a resource, contained references (#id) left out. */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) references(item, out);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string') {
        if (!child.startsWith('#')) out.push(child);
      } else {
        references(child, out);
      }
    }
  }
  return out;
}

const sampleBundles = () => {
  const rng = new Random(2);
  return Array.from({ length: BUNDLES }, () => generateTransactionBundle(rng, BUNDLE_SIZE));
};

describe('bench/generate.ts', () => {
  it('checks against every hub profile, and the check catches a broken resource', () => {
    expect([...conformance.required.keys()].sort()).toEqual([
      'AuditEvent',
      'CarePlan',
      'Consent',
      'Coverage',
      'Device',
      'DeviceRequest',
      'Organization',
      'Patient',
      'RelatedPerson',
      'SupplyDelivery',
      'SupplyRequest',
    ]);
    const coverage = resolvedEntries(sampleBundles()[0])[1];
    expect(coverage.resourceType).toBe('Coverage');
    expect(problems([coverage])).toEqual([]);
    const broken = { ...coverage, type: { text: 'Zvw' } } as Resource;
    expect(problems([broken]).join('\n')).toMatch(/regime/);
  });

  it('reference data conforms', () => {
    const resources = referenceResources();
    expect(resources.length).toBe(36);
    expect(problems(resources)).toEqual([]);
  });

  it("the create figure's Patients conform", () => {
    const patients = patientTexts(1, 200).map((text) => JSON.parse(text) as Resource);
    expect(problems(patients)).toEqual([]);
  });

  it("the bundle figure's transactions conform, their references resolving in the Bundle or the reference data", () => {
    const known = new Set(referenceResources().map((r) => `${r.resourceType}/${r.id}`));
    const resources: Resource[] = [];
    for (const bundle of sampleBundles()) {
      expect(bundle.entry).toHaveLength(BUNDLE_SIZE);
      const fullUrls = new Set(bundle.entry!.map((e) => e.fullUrl));
      for (const entry of bundle.entry!) {
        for (const reference of references(entry.resource)) {
          expect(reference.startsWith('urn:uuid:') ? fullUrls.has(reference) : known.has(reference), reference).toBe(
            true,
          );
        }
      }
      resources.push(...resolvedEntries(bundle));
    }
    expect(new Set(resources.map((r) => r.resourceType))).toEqual(
      new Set(['Patient', 'Coverage', 'DeviceRequest', 'SupplyRequest']),
    );
    expect(problems(resources)).toEqual([]);
  });

  it("the search data set's client records conform, referenced resources coming first", () => {
    const resources = [...datasetBatches(1, DATASET, 500)].flat();
    expect(resources).toHaveLength(DATASET);
    const seen = new Set<string>();
    for (const resource of resources) {
      for (const reference of references(resource))
        expect(seen.has(reference), `${resource.resourceType} -> ${reference}`).toBe(true);
      seen.add(`${resource.resourceType}/${resource.id}`);
    }
    const types = new Set(resources.map((r) => r.resourceType));
    for (const type of [
      'Organization',
      'Practitioner',
      'Device',
      'Patient',
      'Coverage',
      'DeviceRequest',
      'SupplyRequest',
      'SupplyDelivery',
      'CarePlan',
    ]) {
      expect(types.has(type as Resource['resourceType']), type).toBe(true);
    }
    expect(problems(resources)).toEqual([]);
  });

  it('is deterministic: the same seed gives the same JSON text', () => {
    expect(patientTexts(7, 50)).toEqual(patientTexts(7, 50));
    const bundle = (seed: number) => JSON.stringify(generateTransactionBundle(new Random(seed), 100));
    expect(bundle(3)).toBe(bundle(3));
    expect(bundle(3)).not.toBe(bundle(4));
    const dataset = () => JSON.stringify([...datasetBatches(5, 1000, 500)]);
    expect(dataset()).toBe(dataset());
  });

  it('keeps ten distinct ISO 9999 codes for the search benchmark to rotate over', () => {
    expect(new Set(ISO9999_AIDS.map((aid) => aid.code)).size).toBe(10);
  });
});
