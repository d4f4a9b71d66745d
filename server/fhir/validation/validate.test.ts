import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { isR4ResourceType, validateResource, warmUpValidation } from './validate.js';

// The first call builds the schema and loads the definitions (~2 s); keep that out of the per-test timeout.
beforeAll(() => warmUpValidation(['Patient', 'Observation']), 30_000);

function errors(resource: unknown): OperationOutcomeIssue[] {
  return validateResource(resource).issues.filter((i) => i.severity === 'error');
}

/** The single error issue at `expression`, failing with the whole list if there is not exactly one. */
function errorAt(resource: unknown, expression: string): OperationOutcomeIssue {
  const all = errors(resource);
  const found = all.filter((i) => i.expression?.[0] === expression);
  expect(found, JSON.stringify(all, null, 2)).toHaveLength(1);
  return found[0];
}

const observation = { resourceType: 'Observation', status: 'final', code: { text: 'Body weight' } };

describe('validateResource', () => {
  describe('valid resources', () => {
    it('accepts a small Patient with no issues', () => {
      const patient = { resourceType: 'Patient', name: [{ family: 'Jansen', given: ['Piet'] }], gender: 'male' };
      expect(validateResource(patient)).toEqual({ ok: true, issues: [] });
    });

    it('accepts the null alignment of a primitive array with its extensions (given + _given)', () => {
      const patient = {
        resourceType: 'Patient',
        name: [
          { given: ['Piet', null], _given: [null, { extension: [{ url: 'http://example.org/x', valueString: 'y' }] }] },
        ],
      };
      expect(errors(patient)).toEqual([]);
    });

    it('accepts the extension sibling of a canonical element (_instantiatesCanonical)', () => {
      const plan = {
        resourceType: 'CarePlan',
        status: 'active',
        intent: 'plan',
        subject: { reference: 'Patient/1' },
        _instantiatesCanonical: [
          { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] },
        ],
      };
      expect(errors(plan)).toEqual([]);
    });

    it('accepts text containing a no-break space, which JavaScript regexes count as whitespace', () => {
      expect(errors({ resourceType: 'Patient', name: [{ text: 'Dr.\u00a0Jansen' }] })).toEqual([]);
    });

    it('accepts line-wrapped base64Binary data', () => {
      expect(errors({ resourceType: 'Binary', contentType: 'text/plain', data: 'SGVs\nbG8g\r\nd29y bGQ=' })).toEqual(
        [],
      );
    });

    it('accepts Binary.data over 1 MB, since base64Binary has no size limit', () => {
      const data = Buffer.alloc(1_500_000, 7).toString('base64');
      expect(errors({ resourceType: 'Binary', contentType: 'application/pdf', data })).toEqual([]);
    });

    it("accepts R4 elements missing from Medplum's StructureDefinitions (EvidenceVariable.characteristic.definitionDataRequirement)", () => {
      const variable = {
        resourceType: 'EvidenceVariable',
        status: 'draft',
        characteristic: [{ definitionDataRequirement: { type: 'Observation' } }],
      };
      expect(errors(variable)).toEqual([]);
    });

    it('accepts a RiskAssessment prediction without probability, which Medplum reads as failing ras-2', () => {
      const assessment = {
        resourceType: 'RiskAssessment',
        status: 'final',
        subject: { reference: 'Patient/1' },
        prediction: [{ outcome: { text: 'x' } }],
      };
      expect(errors(assessment)).toEqual([]);
      errorAt({ ...assessment, prediction: [{ probabilityDecimal: 101 }] }, 'RiskAssessment.prediction[0]');
    });

    it('reports a reference to a type the element does not allow as a warning but stays ok', () => {
      const result = validateResource({
        resourceType: 'Patient',
        generalPractitioner: [{ reference: 'Observation/1' }],
      });
      expect(result.ok).toBe(true);
      expect(result.issues).toHaveLength(1);
      expect(result.issues[0]).toMatchObject({ severity: 'warning', expression: ['Patient.generalPractitioner[0]'] });
    });
  });

  describe('basic shape', () => {
    it.each([
      ['a string', '{"resourceType":"Patient"}'],
      ['an array', [{ resourceType: 'Patient' }]],
      ['null', null],
      ['a number', 42],
    ])('refuses %s as body, naming Resource', (_name, body) => {
      expect(errorAt(body, 'Resource')).toMatchObject({ code: 'structure' });
    });

    it('refuses an object without resourceType, naming Resource.resourceType', () => {
      expect(errorAt({ id: '1' }, 'Resource.resourceType')).toMatchObject({ code: 'required' });
    });

    it('refuses an unknown resourceType "Foo"', () => {
      const issue = errorAt({ resourceType: 'Foo' }, 'Resource.resourceType');
      expect(issue.code).toBe('code-invalid');
      expect(issue.diagnostics).toContain('"Foo"');
    });

    it('refuses the Medplum-only resourceType "Project" and the abstract "DomainResource"', () => {
      expect(errorAt({ resourceType: 'Project', name: 'x' }, 'Resource.resourceType').code).toBe('code-invalid');
      expect(errorAt({ resourceType: 'DomainResource' }, 'Resource.resourceType').code).toBe('code-invalid');
    });

    it('knows the 146 R4 resource types through isR4ResourceType', () => {
      expect(isR4ResourceType('Patient')).toBe(true);
      expect(isR4ResourceType('Bot')).toBe(false);
    });
  });

  describe('unknown elements', () => {
    it('refuses Patient.foo with Unknown element "foo"', () => {
      const issue = errorAt({ resourceType: 'Patient', foo: 1 }, 'Patient.foo');
      expect(issue.code).toBe('structure');
      expect(issue.diagnostics).toContain('Unknown element "foo"');
    });

    it('refuses the Meta.project element that Medplum adds to its copy of the R4 schema', () => {
      errorAt({ resourceType: 'Patient', meta: { project: 'p1' } }, 'Patient.meta.project');
    });

    it('refuses modifierExtension on Timing.repeat, an Element rather than a BackboneElement', () => {
      const request = {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/1' },
        occurrenceTiming: {
          repeat: { frequency: 1, modifierExtension: [{ url: 'http://example.org/x', valueBoolean: true }] },
        },
      };
      errorAt(request, 'ServiceRequest.occurrenceTiming.repeat.modifierExtension');
    });
  });

  describe('wrong types', () => {
    it('refuses Patient.birthDate given as a number, naming the expected type date', () => {
      const issue = errorAt({ resourceType: 'Patient', birthDate: 19700101 }, 'Patient.birthDate');
      expect(issue.code).toBe('structure');
      expect(issue.diagnostics).toContain('expected date');
    });

    it('refuses Patient.active "yes" with a single issue, not a second pattern complaint', () => {
      const issue = errorAt({ resourceType: 'Patient', active: 'yes' }, 'Patient.active');
      expect(issue.diagnostics).toContain('expected boolean');
    });

    it('refuses a string where a HumanName object is expected at Patient.name[0]', () => {
      expect(errorAt({ resourceType: 'Patient', name: ['Piet'] }, 'Patient.name[0]').diagnostics).toContain(
        'HumanName',
      );
    });

    it('refuses a malformed date as a value issue', () => {
      expect(errorAt({ resourceType: 'Patient', birthDate: '1970-13-01' }, 'Patient.birthDate').code).toBe('value');
    });

    it('refuses a day that does not exist (2023-02-29)', () => {
      expect(errorAt({ resourceType: 'Patient', birthDate: '2023-02-29' }, 'Patient.birthDate').code).toBe('value');
      expect(errors({ resourceType: 'Patient', birthDate: '2024-02-29' })).toEqual([]);
    });

    it('refuses an id longer than 64 characters', () => {
      expect(errorAt({ resourceType: 'Patient', id: 'x'.repeat(65) }, 'Patient.id').code).toBe('value');
    });

    it('refuses base64Binary data that is not base64', () => {
      expect(
        errorAt({ resourceType: 'Binary', contentType: 'text/plain', data: 'not base64!' }, 'Binary.data').code,
      ).toBe('value');
    });

    it('refuses a string over the R4 limit of 1 MB', () => {
      const patient = { resourceType: 'Patient', name: [{ text: 'x'.repeat(1024 * 1024 + 1) }] };
      expect(errorAt(patient, 'Patient.name[0].text').code).toBe('value');
    });

    it('refuses a decimal where an integer is expected, naming Patient.multipleBirthInteger', () => {
      expect(errorAt({ resourceType: 'Patient', multipleBirthInteger: 1.5 }, 'Patient.multipleBirthInteger').code).toBe(
        'value',
      );
    });
  });

  describe('cardinality', () => {
    it('refuses an Observation without code, naming Observation.code', () => {
      const { code: _code, ...withoutCode } = observation;
      expect(errorAt(withoutCode, 'Observation.code').code).toBe('required');
    });

    it('refuses an Observation without status, naming Observation.status', () => {
      const { status: _status, ...withoutStatus } = observation;
      expect(errorAt(withoutStatus, 'Observation.status').code).toBe('required');
    });

    it('refuses an array for Patient.gender, which holds a single value', () => {
      const issue = errorAt({ resourceType: 'Patient', gender: ['male'] }, 'Patient.gender');
      expect(issue.diagnostics).toContain('single value');
    });

    it('refuses a single object for Patient.name, which is an array', () => {
      const issue = errorAt({ resourceType: 'Patient', name: { family: 'Jansen' } }, 'Patient.name');
      expect(issue.diagnostics).toContain('Expected an array');
    });

    it('refuses an empty array', () => {
      expect(errorAt({ resourceType: 'Patient', name: [] }, 'Patient.name').code).toBe('structure');
    });

    it('refuses two types of one choice element (deceasedBoolean and deceasedDateTime)', () => {
      const issue = errorAt(
        { resourceType: 'Patient', deceasedBoolean: true, deceasedDateTime: '2020' },
        'Patient.deceased[x]',
      );
      expect(issue.diagnostics).toContain('deceasedDateTime');
    });
  });

  describe('required bindings', () => {
    it("refuses Patient.gender 'foo' naming Patient.gender", () => {
      const issue = errorAt({ resourceType: 'Patient', gender: 'foo' }, 'Patient.gender');
      expect(issue.code).toBe('code-invalid');
      expect(issue.diagnostics).toContain('Patient.gender');
    });

    it("refuses Observation.status 'bogus'", () => {
      expect(errorAt({ ...observation, status: 'bogus' }, 'Observation.status').code).toBe('code-invalid');
    });

    it("refuses CarePlan.status 'bogus', a required code the JSON schema has no enum for", () => {
      const plan = { resourceType: 'CarePlan', status: 'bogus', intent: 'plan', subject: { reference: 'Patient/1' } };
      const issue = errorAt(plan, 'CarePlan.status');
      expect(issue.code).toBe('code-invalid');
      expect(issue.diagnostics).toContain('http://hl7.org/fhir/ValueSet/request-status');
    });

    it("refuses Timing.repeat.dayOfWeek 'monday' in a repeating code element", () => {
      const timing = { repeat: { dayOfWeek: ['mon', 'monday'] } };
      const request = {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/1' },
      };
      errorAt({ ...request, occurrenceTiming: timing }, 'ServiceRequest.occurrenceTiming.repeat.dayOfWeek[1]');
    });

    const condition = { resourceType: 'Condition', subject: { reference: 'Patient/1' } };
    const clinical = 'http://terminology.hl7.org/CodeSystem/condition-clinical';

    it('refuses a required-bound CodeableConcept (Condition.clinicalStatus) with a code outside its ValueSet', () => {
      const bad = { ...condition, clinicalStatus: { coding: [{ system: clinical, code: 'bogus' }] } };
      expect(errorAt(bad, 'Condition.clinicalStatus').code).toBe('code-invalid');
    });

    it('refuses a required-bound CodeableConcept whose code comes from another system', () => {
      const bad = { ...condition, clinicalStatus: { coding: [{ system: 'http://example.org', code: 'active' }] } };
      errorAt(bad, 'Condition.clinicalStatus');
    });

    it('refuses a required-bound CodeableConcept with text only', () => {
      errorAt({ ...condition, clinicalStatus: { text: 'active' } }, 'Condition.clinicalStatus');
    });

    it('accepts Condition.clinicalStatus active next to codings from other systems', () => {
      const good = {
        ...condition,
        clinicalStatus: {
          coding: [
            { system: 'http://example.org', code: 'x' },
            { system: clinical, code: 'active' },
          ],
        },
      };
      expect(errors(good)).toEqual([]);
    });

    it('does not judge codes of ValueSets it cannot expand (Attachment.contentType, BCP-13)', () => {
      const doc = {
        resourceType: 'DocumentReference',
        status: 'current',
        content: [{ attachment: { contentType: 'text/x-anything' } }],
      };
      expect(errors(doc)).toEqual([]);
    });
  });

  describe('nested paths', () => {
    it('names array indexes in the path (Patient.name[0].given[1])', () => {
      errorAt({ resourceType: 'Patient', name: [{ given: ['Piet', 42] }] }, 'Patient.name[0].given[1]');
    });

    it('names an invalid code inside a backbone element (Patient.contact[0].gender)', () => {
      errorAt(
        { resourceType: 'Patient', contact: [{ name: { family: 'X' }, gender: 'bad' }] },
        'Patient.contact[0].gender',
      );
    });

    it('refuses a broken invariant with an invariant issue (pat-1 on Patient.contact[0])', () => {
      const issue = errorAt({ resourceType: 'Patient', contact: [{ gender: 'male' }] }, 'Patient.contact[0]');
      expect(issue.code).toBe('invariant');
      expect(issue.diagnostics).toContain('pat-1');
    });
  });

  describe('contained and nested resources', () => {
    it('validates a contained resource as its own resourceType (Patient.contained[0].code)', () => {
      const patient = {
        resourceType: 'Patient',
        contained: [{ resourceType: 'Observation', id: 'o1', status: 'final' }],
      };
      expect(errorAt(patient, 'Patient.contained[0].code').code).toBe('required');
    });

    it('reports one useful issue for a bad element in a contained resource, not one per resource type', () => {
      const patient = { resourceType: 'Patient', contained: [{ ...observation, id: 'o1', status: 'bogus' }] };
      expect(errors(patient)).toHaveLength(1);
      errorAt(patient, 'Patient.contained[0].status');
    });

    it('refuses a contained resource with an unknown resourceType', () => {
      expect(
        errorAt({ resourceType: 'Patient', contained: [{ resourceType: 'Foo' }] }, 'Patient.contained[0].resourceType')
          .code,
      ).toBe('code-invalid');
    });

    it('refuses a contained resource without resourceType', () => {
      expect(
        errorAt({ resourceType: 'Patient', contained: [{ id: 'x' }] }, 'Patient.contained[0].resourceType').code,
      ).toBe('required');
    });

    it('validates Bundle.entry.resource by its resourceType', () => {
      const bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: { resourceType: 'Patient', gender: 'foo' } }],
      };
      errorAt(bundle, 'Bundle.entry[0].resource.gender');
    });
  });

  describe('narrative', () => {
    const xhtml = 'xmlns="http://www.w3.org/1999/xhtml"';

    it('accepts an XHTML div with basic formatting', () => {
      const text = {
        status: 'generated',
        div: `<div ${xhtml}><p>Piet <b>Jansen</b></p><a href="http://example.org">x</a></div>`,
      };
      expect(errors({ resourceType: 'Patient', text })).toEqual([]);
    });

    it('refuses a narrative that is not an XHTML div, naming Patient.text.div', () => {
      expect(
        errorAt({ resourceType: 'Patient', text: { status: 'generated', div: 'Piet Jansen' } }, 'Patient.text.div')
          .code,
      ).toBe('value');
    });

    it('refuses a <script> element in the narrative', () => {
      const text = { status: 'generated', div: `<div ${xhtml}><script>alert(1)</script></div>` };
      expect(errorAt({ resourceType: 'Patient', text }, 'Patient.text.div').diagnostics).toContain('<script>');
    });

    it('refuses an event handler attribute in the narrative', () => {
      const text = { status: 'generated', div: `<div ${xhtml}><img src="x.png" onerror="alert(1)"/></div>` };
      expect(errorAt({ resourceType: 'Patient', text }, 'Patient.text.div').diagnostics).toContain('onerror');
    });
  });

  describe('hostile input', () => {
    it('reports a resource nested too deeply to validate instead of throwing', () => {
      let extension: object = { url: 'http://example.org/x', valueString: 'y' };
      for (let i = 0; i < 5000; i++) {
        extension = { url: 'http://example.org/x', extension: [extension] };
      }
      expect(errorAt({ resourceType: 'Patient', extension: [extension] }, 'Patient').diagnostics).toContain(
        'nested too deeply',
      );
    });
  });

  describe('issue shape', () => {
    it('gives every issue a severity, an issue type, an expression and a diagnostics sentence naming it', () => {
      const issues = validateResource({
        resourceType: 'Patient',
        foo: 1,
        gender: 'foo',
        name: [{ given: 'x' }],
      }).issues;
      expect(issues.length).toBe(3);
      for (const issue of issues) {
        expect(issue.severity).toBe('error');
        expect(['structure', 'code-invalid']).toContain(issue.code);
        expect(issue.expression).toHaveLength(1);
        expect(issue.diagnostics).toContain(issue.expression?.[0]);
      }
    });
  });
});

describe('invariants over primitives that carry extensions', () => {
  // eld-12 calls startsWith() on binding.valueSet; @medplum/core's FHIRPath fails on a primitive with `_valueSet`.
  const profile = (binding: Record<string, unknown>) => ({
    resourceType: 'StructureDefinition',
    url: 'http://example.org/StructureDefinition/p',
    name: 'P',
    status: 'active',
    kind: 'resource',
    abstract: false,
    type: 'Patient',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
    derivation: 'constraint',
    differential: { element: [{ id: 'Patient.gender', path: 'Patient.gender', binding }] },
  });
  const extension = {
    extension: [
      {
        url: 'http://hl7.org/fhir/StructureDefinition/11179-permitted-value-conceptmap',
        valueCanonical: 'http://example.org/cm',
      },
    ],
  };

  it('evaluates them as they mean: a good canonical passes, a bad one still fails', () => {
    expect(errors(profile({ strength: 'required', valueSet: 'http://example.org/vs', _valueSet: extension }))).toEqual(
      [],
    );
    const [error] = errors(profile({ strength: 'required', valueSet: 'ftp://example.org/vs', _valueSet: extension }));
    expect(error.diagnostics).toContain('eld-12');
  });
});
