import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { StructureDefinition } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { pointerToExpression } from './issues.js';
import type { SchemaNode } from './r4-schema.js';
import { buildR4Schema } from './r4-schema.js';
import { isR4ResourceType, r4ResourceTypes } from './resource-types.js';
import { getTypeValidator, validateSchema } from './schema.js';
import { expandValueSet } from './terminology.js';

const EXAMPLES_DIR = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));

// JSON primitives that may carry extensions in a "_name" sibling (xhtml may not).
const PRIMITIVES = new Set([
  'base64Binary',
  'boolean',
  'canonical',
  'code',
  'date',
  'dateTime',
  'decimal',
  'id',
  'instant',
  'integer',
  'markdown',
  'oid',
  'positiveInt',
  'string',
  'time',
  'unsignedInt',
  'uri',
  'url',
  'uuid',
]);

/** The base StructureDefinitions of R4, as published (not Medplum's edited copies). */
function officialStructureDefinitions(): StructureDefinition[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.startsWith('StructureDefinition-'))
    .map((f) => JSON.parse(readFileSync(join(EXAMPLES_DIR, f), 'utf8')) as StructureDefinition)
    .filter((sd) => sd.derivation === 'specialization' && !sd.abstract)
    .filter((sd) => sd.kind === 'complex-type' || (sd.kind === 'resource' && isR4ResourceType(sd.type)));
}

/** Expected JSON property names and required properties per schema definition, derived from the SDs. */
function expectedDefinitions(
  defs: Record<string, SchemaNode>,
): Map<string, { properties: Set<string>; required: Set<string> }> {
  const expected = new Map<string, { properties: Set<string>; required: Set<string> }>();
  for (const sd of officialStructureDefinitions()) {
    const defOfPath = new Map<string, string>([[sd.type, sd.type]]);
    const root = {
      properties: new Set<string>(isR4ResourceType(sd.type) ? ['resourceType'] : []),
      required: new Set<string>(),
    };
    expected.set(sd.type, root);
    for (const element of sd.snapshot?.element ?? []) {
      const segments = element.path.split('.');
      if (segments.length === 1) {
        continue;
      }
      const defName = defOfPath.get(segments.slice(0, -1).join('.')) as string;
      const entry = expected.get(defName) ?? { properties: new Set<string>(), required: new Set<string>() };
      expected.set(defName, entry);
      const name = segments[segments.length - 1];
      const types = (element.type ?? []).map((t) => t.code);
      if (name.endsWith('[x]')) {
        for (const t of types) {
          const prop = name.slice(0, -3) + t[0].toUpperCase() + t.slice(1);
          entry.properties.add(prop);
          if (PRIMITIVES.has(t)) {
            entry.properties.add(`_${prop}`);
          }
        }
        continue;
      }
      entry.properties.add(name);
      if (types[0]?.startsWith('http://hl7.org/fhirpath/')) {
        // Element.id and Extension.url: XML attributes, optional in the schema; it tolerates Extension._url.
        if (defs[defName].properties?.[`_${name}`]) {
          entry.properties.add(`_${name}`);
        }
      } else if (PRIMITIVES.has(types[0])) {
        entry.properties.add(`_${name}`);
      } else if ((element.min ?? 0) > 0) {
        entry.required.add(name);
      }
      if (types[0] === 'BackboneElement' || types[0] === 'Element') {
        const prop = defs[defName].properties![name];
        const ref = (prop.$ref ?? prop.items!.$ref) as string;
        defOfPath.set(element.path, ref.slice(ref.lastIndexOf('/') + 1));
      }
    }
  }
  return expected;
}

describe('buildR4Schema', () => {
  let defs: Record<string, SchemaNode>;
  beforeAll(() => {
    defs = buildR4Schema().definitions as Record<string, SchemaNode>;
  }, 60_000);

  it('has exactly the elements and required elements of the official R4 StructureDefinitions', () => {
    const differences: string[] = [];
    for (const [name, { properties, required }] of expectedDefinitions(defs)) {
      const def = defs[name];
      const actual = new Set(Object.keys(def?.properties ?? {}));
      const actualRequired = new Set<string>((def?.required ?? []).filter((r: string) => r !== 'resourceType'));
      const extra = [...actual].filter((p) => !properties.has(p));
      const missing = [...properties].filter((p) => !actual.has(p));
      const requiredDiff = [...required]
        .filter((r) => !actualRequired.has(r))
        .concat([...actualRequired].filter((r) => !required.has(r)));
      if (extra.length || missing.length || requiredDiff.length) {
        differences.push(`${name}: extra ${extra} missing ${missing} required ${requiredDiff}`);
      }
    }
    expect(differences).toEqual([]);
  });

  it('types every complex definition as an object, so a string is not taken for a HumanName', () => {
    expect(defs.HumanName.type).toBe('object');
    expect(defs.Patient_Contact.type).toBe('object');
  });

  it('replaces the ResourceList oneOf by a dispatch on resourceType', () => {
    expect(defs.ResourceList).toMatchObject({ fhirResource: true });
    expect(defs.ResourceList).not.toHaveProperty('oneOf');
  });
});

describe('getTypeValidator', () => {
  it('compiles a validator once per resource type and reuses it', () => {
    expect(getTypeValidator('Patient')).toBe(getTypeValidator('Patient'));
  });

  it('compiles every R4 resource type', () => {
    for (const type of r4ResourceTypes()) {
      expect(typeof getTypeValidator(type), type).toBe('function');
    }
  }, 60_000);
});

describe('validateSchema', () => {
  it('returns no issues for a valid resource', () => {
    expect(validateSchema({ resourceType: 'Patient', gender: 'female' } as { resourceType: string })).toEqual([]);
  });

  it('reports the nested path of an error inside a contained resource inside a Bundle entry', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          resource: {
            resourceType: 'Patient',
            contained: [{ resourceType: 'Observation', status: 'final', code: {}, foo: 1 }],
          },
        },
      ],
    };
    expect(validateSchema(bundle).map((i) => i.expression?.[0])).toEqual(['Bundle.entry[0].resource.contained[0].foo']);
  });
});

describe('pointerToExpression', () => {
  it('turns /name/0/given into Patient.name[0].given', () => {
    expect(pointerToExpression('Patient', '/name/0/given')).toBe('Patient.name[0].given');
  });

  it('unescapes ~1 and ~0 in property names', () => {
    expect(pointerToExpression('Patient', '/a~1b~0c')).toBe('Patient.a/b~c');
  });
});

describe('expandValueSet', () => {
  it('expands a ValueSet that includes a whole CodeSystem (administrative-gender)', () => {
    expect(
      [...(expandValueSet('http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1')?.codes ?? [])].sort(),
    ).toEqual(['female', 'male', 'other', 'unknown']);
  });

  it('matches a Coding only with the right system', () => {
    const vs = expandValueSet('http://hl7.org/fhir/ValueSet/condition-clinical');
    expect(vs?.hasCoding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active')).toBe(true);
    expect(vs?.hasCoding('http://example.org', 'active')).toBe(false);
    expect(vs?.hasCoding(undefined, 'active')).toBe(false);
  });

  it('expands a ValueSet that combines several code systems (event-timing)', () => {
    const codes = expandValueSet('http://hl7.org/fhir/ValueSet/event-timing')?.codes;
    expect(codes?.has('MORN')).toBe(true); // http://hl7.org/fhir/event-timing
    expect(codes?.has('ACM')).toBe(true); // v3-TimingEvent
  });

  it('gives up on ValueSets whose content is not in the package (mime types, UCUM)', () => {
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/mimetypes')).toBeUndefined();
    expect(expandValueSet('http://hl7.org/fhir/ValueSet/ucum-units')).toBeUndefined();
    expect(expandValueSet('http://example.org/ValueSet/unknown')).toBeUndefined();
  });
});
