// The hub's own package holds itself to its promises: snapshots and docs/profiles.md are what the build makes from
// the differentials, every profile has at least two valid examples and one invalid one, the valid ones pass the base
// specification and their profile, and each invalid one breaks exactly the rule expectations.json names.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../server/fhir/definitions.js';
import { buildConformance, type Conformance } from '../server/fhir/profiles/conformance.js';
import { validateResource } from '../server/fhir/validation/validate.js';
import { buildProfiles } from './build.js';
import { hubConformanceFiles } from './hub-package.js';

const EXAMPLES = fileURLToPath(new URL('./examples/', import.meta.url));
const expectations = JSON.parse(readFileSync(`${EXAMPLES}expectations.json`, 'utf8')) as Record<
  string,
  { rule: string }
>;
const definitions = hubConformanceFiles()
  .map((f) => f.resource)
  .filter((r): r is StructureDefinition & { url: string } => r.resourceType === 'StructureDefinition');
const profiles = definitions.filter((sd) => sd.type !== 'Extension');

let conformance: Conformance;

beforeAll(async () => {
  loadDefinitions();
  conformance = await buildConformance({ required: 'all' });
});

function examples(profileId: string): { name: string; resource: Resource }[] {
  const dir = `${EXAMPLES}${profileId}/`;
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => ({ name, resource: JSON.parse(readFileSync(dir + name, 'utf8')) as Resource }));
}

function profileErrors(resource: Resource, url: string): string[] {
  return conformance.validator
    .validate(resource, url)
    .filter((i) => i.severity === 'error')
    .map((i) => i.diagnostics ?? '');
}

describe("the hub's profiles", () => {
  it('has a profile for each core type of the standard view', () => {
    expect(profiles.map((p) => p.type).sort()).toEqual(
      [
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
      ].sort(),
    );
  });

  it('ships snapshots and docs/profiles.md exactly as `npm run profiles:build` makes them', () => {
    for (const file of buildProfiles()) {
      expect(readFileSync(file.path, 'utf8'), `${file.path} is stale: run npm run profiles:build`).toBe(file.text);
    }
  });

  it('has snapshots that contain every differential element and the whole base', () => {
    for (const sd of definitions) {
      const snapshotIds = new Set(sd.snapshot?.element.map((e) => e.id));
      for (const element of sd.differential?.element ?? []) {
        expect(snapshotIds.has(element.id), `${sd.id}: ${element.id} missing from the snapshot`).toBe(true);
      }
      const base = conformance.registry.structureDefinition(`http://hl7.org/fhir/StructureDefinition/${sd.type}`)!;
      for (const element of base.snapshot!.element) {
        expect(snapshotIds.has(element.id), `${sd.id}: base element ${element.id} missing`).toBe(true);
      }
    }
  });

  for (const sd of profiles) {
    describe(sd.id!, () => {
      const all = examples(sd.id!);
      const valid = all.filter((e) => e.name.startsWith('valid-'));
      const invalid = all.filter((e) => e.name.startsWith('invalid-'));

      it('has at least two valid examples and one invalid one, each claiming the profile', () => {
        expect(valid.length).toBeGreaterThanOrEqual(2);
        expect(invalid.length).toBeGreaterThanOrEqual(1);
        for (const { resource } of all) {
          expect(resource.meta?.profile).toContain(sd.url);
        }
      });

      it.each(valid.map((e) => [e.name, e.resource] as const))('accepts %s', (_name, resource) => {
        expect(validateResource(resource).issues.filter((i) => i.severity === 'error')).toEqual([]);
        expect(profileErrors(resource, sd.url)).toEqual([]);
      });

      it.each(invalid.map((e) => [e.name, e.resource] as const))(
        'refuses %s for the rule it breaks',
        (name, resource) => {
          const expected = expectations[`${sd.id}/${name}`];
          expect(expected, `${sd.id}/${name} is not listed in expectations.json`).toBeDefined();
          expect(validateResource(resource).ok).toBe(true);
          const errors = profileErrors(resource, sd.url);
          expect(errors.length).toBe(1);
          const rule = expected.rule;
          expect(errors[0]).toMatch(
            rule.startsWith('hub-')
              ? `rule ${rule} failed`
              : new RegExp(`element ${rule.replace(/[.[\]]/g, '\\$&')}[ ),]`),
          );
        },
      );
    });
  }
});
