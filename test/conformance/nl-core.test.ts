// The Nictiz nl-core package (zib2020, ../shared/external/nictiz-r4-zib2020) loaded into a running hub as an extra
// profile package, exactly as a deployment would (HUB_PROFILE_PACKAGES), and the Nictiz examples for Patient,
// Payer, MedicalDevice and HealthcareProvider validated against the nl-core profiles they claim, through
// $validate. The package has XML resources and no snapshots: this exercises the XML reader, the differential-chain
// validator (nl-core -> zib -> R4) and the terminology of the package together.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { parseFhirXml } from '../../server/fhir/xml/parse-fhir-xml.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { requireExternal } from '../support/external-material.js';

// Skipped with a warning when the reference material is missing (fails under CI): test/support/external-material.ts.
const nictiz = requireExternal('nictiz-r4-zib2020');
const NICTIZ = `${nictiz.path}/`;
const EXAMPLES = `${NICTIZ}examples/`;

// The hub and the example list only when the material is there (vitest runs a skipped describe's body all the same).
let app: TestApp['app'];
if (nictiz.available) {
  ({ app } = await createTestApp({ profilePackages: [`${NICTIZ}resources`] }));
}

const files = nictiz.available
  ? readdirSync(EXAMPLES)
      .filter((f) => /^nl-core-(Patient|Payer|MedicalDevice|HealthcareProvider)[-.]/.test(f))
      .sort()
  : [];

async function validate(resource: Resource, profile: string): Promise<OperationOutcomeIssue[]> {
  const res = await app.inject({
    method: 'POST',
    url: `/${resource.resourceType}/$validate?profile=${encodeURIComponent(profile)}`,
    headers: { 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(resource),
  });
  expect(res.statusCode).toBe(200);
  return (res.json() as OperationOutcome).issue;
}

function example(file: string): Resource & { meta: { profile: string[] } } {
  return parseFhirXml(readFileSync(EXAMPLES + file, 'utf8')) as Resource & { meta: { profile: string[] } };
}

// Slices the hub cannot sort values into, so it does not judge them: nl-core slices DeviceUseStatement.reasonReference
// by the type of the resource the reference points to (resolve()), which a validator of one resource cannot follow.
const NOT_CHECKED = [/DeviceUseStatement\.reasonReference .*resolve\(\) follows a reference/];

describe.skipIf(!nictiz.available)('the Nictiz nl-core package, loaded as an extra package', () => {
  it('finds the examples', () => {
    expect(files.length).toBe(22);
  });

  it('validates every Patient, Payer, MedicalDevice and HealthcareProvider example against its nl-core profiles', async () => {
    const report: { file: string; profile: string; errors: string[]; notChecked: string[] }[] = [];
    for (const file of files) {
      const resource = example(file);
      expect(resource.meta.profile.length).toBeGreaterThan(0);
      for (const profile of resource.meta.profile) {
        const issues = await validate(resource, profile);
        report.push({
          file,
          profile,
          errors: issues
            .filter((i) => i.severity === 'error' || i.severity === 'fatal')
            .map((i) => i.diagnostics ?? ''),
          notChecked: issues
            .filter((i) => i.severity === 'information' && /not checked/.test(i.diagnostics ?? ''))
            .map((i) => i.diagnostics ?? ''),
        });
      }
    }
    const failing = report.filter((r) => r.errors.length);
    expect(failing).toEqual([]);
    // Every example passes; what the hub could not check is exactly the resolve() slicing.
    const notChecked = report.flatMap((r) => r.notChecked);
    expect(notChecked.length).toBe(3);
    expect(notChecked.every((text) => NOT_CHECKED.some((re) => re.test(text)))).toBe(true);
  });

  it('refuses an example that breaks an nl-core rule, naming the profile, element and ValueSet', async () => {
    const patient = example('nl-core-Patient-01.xml') as ReturnType<typeof example> & { maritalStatus?: unknown };
    patient.maritalStatus = {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'ZZ' }],
    };
    const errors = (await validate(patient, patient.meta.profile[0])).filter((i) => i.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].expression).toEqual(['Patient.maritalStatus']);
    expect(errors[0].diagnostics).toContain(
      'is not in the ValueSet http://decor.nictiz.nl/fhir/ValueSet/2.16.840.1.113883.2.4.3.11.60.40.2.7.9.1--20200901000000 (required binding)',
    );
    expect(errors[0].diagnostics).toContain('profile http://nictiz.nl/fhir/StructureDefinition/nl-core-Patient');
  });

  it('checks the data type profiles of slices (zib-NameInformation through nl-core-NameInformation on Patient.name)', async () => {
    const patient = example('nl-core-Patient-01.xml') as ReturnType<typeof example> & {
      name: { _family?: { extension: { url: string }[] } }[];
    };
    const family = patient.name[0]._family!;
    // zib-NameInformation-1: a prefix of the own family name needs the own family name.
    family.extension = family.extension.filter(
      (e) => e.url !== 'http://hl7.org/fhir/StructureDefinition/humanname-own-name',
    );
    const errors = (await validate(patient, patient.meta.profile[0])).filter((i) => i.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].expression).toEqual(['Patient.name[0]']);
    expect(errors[0].diagnostics).toContain(
      'rule zib-NameInformation-1 failed: If a prefix for a family name is specified, the family name is expected as well',
    );
    expect(errors[0].diagnostics).toContain(
      '(profile http://nictiz.nl/fhir/StructureDefinition/nl-core-NameInformation, element HumanName as constrained by http://nictiz.nl/fhir/StructureDefinition/zib-NameInformation)',
    );
  });

  it('loads the same package from a FHIR package tarball', async () => {
    // The layout a registry serves: package/ at the top, package.json inside.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nl-core-tgz-'));
    const tarball = path.join(dir, 'nl-core.tgz');
    execFileSync('tar', ['czf', tarball, '-C', `${NICTIZ}resources`, '--transform', 's,^\\.,package,', '.']);
    const fromTarball = await createTestApp({ profilePackages: [tarball] });
    const patient = example('nl-core-Patient-01.xml');
    const res = await fromTarball.app.inject({
      method: 'POST',
      url: `/Patient/$validate?profile=${encodeURIComponent(patient.meta.profile[0])}`,
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(patient),
    });
    expect(res.statusCode).toBe(200);
    expect((res.json() as OperationOutcome).issue.filter((i) => i.severity === 'error')).toEqual([]);
  });
});
