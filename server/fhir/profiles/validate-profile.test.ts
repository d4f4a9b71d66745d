// The profile validator on small hand-written profiles, one rule at a time: each test states a profile, a resource
// that meets it and one that breaks it, and which element and rule the error names.
import type { CodeSystem, ElementDefinition, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../definitions.js';
import { Expander } from '../terminology/expand.js';
import { ConformanceRegistry, coreSource } from './registry.js';
import { ProfileValidator } from './validate-profile.js';

const BASE = 'http://test.example/StructureDefinition/';
const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';

function profile(id: string, type: string, elements: ElementDefinition[], base?: string): StructureDefinition {
  return {
    resourceType: 'StructureDefinition',
    url: BASE + id,
    name: id,
    status: 'active',
    kind:
      type[0] === type[0].toUpperCase() && !['HumanName', 'Extension', 'Identifier'].includes(type)
        ? 'resource'
        : 'complex-type',
    abstract: false,
    type,
    baseDefinition: base ?? `http://hl7.org/fhir/StructureDefinition/${type}`,
    derivation: 'constraint',
    differential: { element: elements },
  };
}

const regimeSystem: CodeSystem = {
  resourceType: 'CodeSystem',
  url: 'http://test.example/CodeSystem/regime',
  status: 'active',
  content: 'complete',
  concept: [{ code: 'zvw' }, { code: 'wmo' }, { code: 'wlz' }],
};
const regimes: ValueSet = {
  resourceType: 'ValueSet',
  url: 'http://test.example/ValueSet/regime',
  status: 'active',
  compose: { include: [{ system: regimeSystem.url }] },
};
const aids: ValueSet = {
  resourceType: 'ValueSet',
  url: 'http://test.example/ValueSet/aids',
  status: 'active',
  compose: {
    include: [{ system: 'urn:iso:std:iso:9999', concept: [{ code: '12 22' }] }, { system: 'http://snomed.info/sct' }],
  },
};

const bsnPatient = profile('bsn-patient', 'Patient', [
  {
    id: 'Patient.identifier',
    path: 'Patient.identifier',
    slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'open' },
    min: 1,
  },
  { id: 'Patient.identifier:bsn', path: 'Patient.identifier', sliceName: 'bsn', min: 1, max: '1' },
  {
    id: 'Patient.identifier:bsn.system',
    path: 'Patient.identifier.system',
    min: 1,
    fixedUri: BSN,
  },
  {
    id: 'Patient.identifier:bsn.value',
    path: 'Patient.identifier.value',
    min: 1,
    constraint: [
      {
        key: 'test-bsn-1',
        severity: 'error',
        human: 'A BSN has 9 digits and passes the 11-proof',
        expression:
          "matches('^[0-9]{9}$') and ((substring(0,1).toInteger()*9 + substring(1,1).toInteger()*8 + substring(2,1).toInteger()*7 + substring(3,1).toInteger()*6 + substring(4,1).toInteger()*5 + substring(5,1).toInteger()*4 + substring(6,1).toInteger()*3 + substring(7,1).toInteger()*2 - substring(8,1).toInteger()) mod 11 = 0)",
      },
    ],
  },
  { id: 'Patient.birthDate', path: 'Patient.birthDate', min: 1 },
  { id: 'Patient.name', path: 'Patient.name', min: 1, type: [{ code: 'HumanName', profile: [`${BASE}family-name`] }] },
  {
    id: 'Patient.extension',
    path: 'Patient.extension',
    slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' },
  },
  {
    id: 'Patient.extension:regime',
    path: 'Patient.extension',
    sliceName: 'regime',
    max: '1',
    type: [{ code: 'Extension', profile: [`${BASE}regime-ext`] }],
  },
]);

const familyName = profile('family-name', 'HumanName', [{ id: 'HumanName.family', path: 'HumanName.family', min: 1 }]);
familyName.kind = 'complex-type';

const regimeExtension = profile('regime-ext', 'Extension', [
  { id: 'Extension.url', path: 'Extension.url', fixedUri: `${BASE}regime-ext` },
  {
    id: 'Extension.value[x]',
    path: 'Extension.value[x]',
    min: 1,
    type: [{ code: 'Coding' }],
    binding: { strength: 'required', valueSet: regimes.url },
  },
]);
regimeExtension.kind = 'complex-type';

// A profile on a profile: the slice declared above gets tighter, and a closed slicing is added elsewhere.
const derived = profile(
  'derived-patient',
  'Patient',
  [
    { id: 'Patient.identifier:bsn.value', path: 'Patient.identifier.value', maxLength: 9 },
    {
      id: 'Patient.telecom',
      path: 'Patient.telecom',
      slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'closed' },
    },
    { id: 'Patient.telecom:phone', path: 'Patient.telecom', sliceName: 'phone' },
    { id: 'Patient.telecom:phone.system', path: 'Patient.telecom.system', fixedCode: 'phone' },
    { id: 'Patient.gender', path: 'Patient.gender', patternCode: 'female' },
  ],
  bsnPatient.url,
);

const device = profile('aid-request', 'DeviceRequest', [
  {
    id: 'DeviceRequest.code[x]',
    path: 'DeviceRequest.code[x]',
    type: [{ code: 'CodeableConcept' }],
    binding: { strength: 'required', valueSet: aids.url },
  },
  {
    id: 'DeviceRequest.subject',
    path: 'DeviceRequest.subject',
    type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Patient'] }],
  },
]);

const unknownBase = profile(
  'orphan',
  'Patient',
  [{ id: 'Patient.gender', path: 'Patient.gender', min: 1 }],
  'http://nowhere.example/StructureDefinition/base',
);

let validator: ProfileValidator;

beforeAll(() => {
  loadDefinitions();
  const registry = new ConformanceRegistry();
  registry.add(coreSource());
  registry.add({
    name: 'test',
    resources: [bsnPatient, familyName, regimeExtension, derived, device, unknownBase, regimeSystem, regimes, aids],
  });
  validator = new ProfileValidator(registry, new Expander(registry));
});

function patient(extra: Record<string, unknown> = {}): Resource {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: '999600011' }],
    name: [{ family: 'Jansen' }],
    birthDate: '1950-03-01',
    ...extra,
  } as Resource;
}

function errors(resource: Resource, url: string): string[] {
  return validator
    .validate(resource, url)
    .filter((i) => i.severity === 'error')
    .map((i) => i.diagnostics ?? '');
}

describe('profile validation', () => {
  it('accepts a resource that meets every rule', () => {
    expect(errors(patient(), bsnPatient.url)).toEqual([]);
  });

  it('checks cardinality of elements and names the element and profile', () => {
    const [error] = errors(patient({ birthDate: undefined }), bsnPatient.url);
    expect(error).toContain('Patient.birthDate at least 1 required, found 0');
    expect(error).toContain(`profile ${bsnPatient.url}`);
    expect(error).toContain('element Patient.birthDate');
  });

  it('finds a slice by its fixed discriminator value and checks the slice cardinality', () => {
    const other = { system: 'http://example.org/mrn', value: '42' };
    expect(errors(patient({ identifier: [other] }), bsnPatient.url)).toEqual([
      expect.stringContaining('in slice bsn: at least 1 required, found 0'),
    ]);
    expect(errors(patient({ identifier: [other, { system: BSN, value: '999600011' }] }), bsnPatient.url)).toEqual([]);
    const twice = errors(
      patient({
        identifier: [
          { system: BSN, value: '999600011' },
          { system: BSN, value: '999600023' },
        ],
      }),
      bsnPatient.url,
    );
    expect(twice).toEqual([expect.stringContaining('in slice bsn: at most 1 allowed, found 2')]);
  });

  it('evaluates invariants on the slice members (the 11-proof)', () => {
    const [error] = errors(patient({ identifier: [{ system: BSN, value: '123456789' }] }), bsnPatient.url);
    expect(error).toContain(
      'Patient.identifier[0].value rule test-bsn-1 failed: A BSN has 9 digits and passes the 11-proof',
    );
    expect(error).toContain('element Patient.identifier:bsn.value');
  });

  it('validates values against a data type profile', () => {
    const [error] = errors(patient({ name: [{ given: ['Piet'] }] }), bsnPatient.url);
    expect(error).toContain('Patient.name[0].family at least 1 required');
    expect(error).toContain(`profile ${familyName.url}`);
  });

  it('slices extensions by url and checks them against their definition, including a required binding', () => {
    const good = { url: regimeExtension.url, valueCoding: { system: regimeSystem.url, code: 'wmo' } };
    expect(errors(patient({ extension: [good] }), bsnPatient.url)).toEqual([]);
    const bad = { url: regimeExtension.url, valueCoding: { system: regimeSystem.url, code: 'jeugd' } };
    expect(errors(patient({ extension: [bad] }), bsnPatient.url)).toEqual([
      expect.stringContaining(
        `Patient.extension[0].valueCoding ${regimeSystem.url}|jeugd is not in the ValueSet ${regimes.url} (required binding)`,
      ),
    ]);
    const wrongType = { url: regimeExtension.url, valueString: 'wmo' };
    expect(errors(patient({ extension: [wrongType] }), bsnPatient.url).join()).toContain(
      'has type string; the profile allows Coding',
    );
    expect(errors(patient({ extension: [good, good] }), bsnPatient.url)).toEqual([
      expect.stringContaining('in slice regime: at most 1 allowed, found 2'),
    ]);
  });

  it('applies the whole derivation chain: base rules, tightened slice, closed slicing and patterns', () => {
    expect(errors(patient({ gender: 'female' }), derived.url)).toEqual([]);
    expect(errors(patient({ gender: 'female', birthDate: undefined }), derived.url).join()).toContain(
      'Patient.birthDate at least 1 required',
    );
    expect(
      errors(patient({ gender: 'female', identifier: [{ system: BSN, value: '0999600011' }] }), derived.url).join(),
    ).toContain('is 10 characters long; at most 9 allowed');
    expect(errors(patient({ gender: 'male' }), derived.url)).toEqual([
      expect.stringContaining('Patient.gender must match "female" (patternCode)'),
    ]);
    const closed = errors(
      patient({
        gender: 'female',
        telecom: [
          { system: 'phone', value: '0612345678' },
          { system: 'email', value: 'a@b.nl' },
        ],
      }),
      derived.url,
    );
    expect(closed).toEqual([
      expect.stringContaining(
        'Patient.telecom[1] matches none of the slices of Patient.telecom (phone), and the slicing is closed',
      ),
    ]);
  });

  it('checks bindings over open systems: listed codes and whole systems', () => {
    const request = (coding: object) =>
      ({
        resourceType: 'DeviceRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/1' },
        codeCodeableConcept: { coding: [coding] },
      }) as Resource;
    expect(errors(request({ system: 'urn:iso:std:iso:9999', code: '12 22' }), device.url)).toEqual([]);
    expect(errors(request({ system: 'http://snomed.info/sct', code: '58938008' }), device.url)).toEqual([]);
    expect(errors(request({ system: 'urn:iso:std:iso:9999', code: '99 99' }), device.url)).toHaveLength(1);
    expect(errors(request({ system: 'http://example.org/own', code: 'x' }), device.url)).toHaveLength(1);
  });

  it('checks reference targets by type', () => {
    const request = {
      resourceType: 'DeviceRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Group/1' },
      codeCodeableConcept: { text: 'rolstoel' },
    } as Resource;
    const all = errors(request, device.url);
    expect(all.join()).toContain('DeviceRequest.subject refers to a Group; the profile allows Patient');
  });

  it('says when a profile is unknown, for another type, or derives from an unknown base', () => {
    expect(errors(patient(), 'http://nowhere.example/x')).toEqual([
      'Profile http://nowhere.example/x is not known to this hub',
    ]);
    expect(errors(patient(), device.url)).toEqual([`Profile ${device.url} is for DeviceRequest, not Patient`]);
    const issues = validator.validate(patient(), unknownBase.url);
    expect(issues.map((i) => i.severity)).toEqual(['warning', 'error']);
    expect(issues[0].diagnostics).toContain(
      'derives from http://nowhere.example/StructureDefinition/base, which this hub does not hold',
    );
  });
});
