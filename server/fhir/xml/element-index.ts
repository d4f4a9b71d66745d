// Per FHIR type, the table "XML element name -> JSON property, FHIR type, array or not", built once per type from
// @medplum/core's index of the R4 StructureDefinitions (loadDefinitions() must have run). Backbone elements are
// their own types there (Patient.contact -> PatientContact), and contentReference elements already point at the
// referenced backbone type (Questionnaire.item.item -> QuestionnaireItem, Bundle.entry.link -> BundleLink).
import { tryGetDataType } from '@medplum/core';

/** How a value of a FHIR type is written in XML. */
type ValueKind = 'primitive' | 'xhtml' | 'resource' | 'complex';

/** The JSON form of a primitive's value (json.html: "Primitive types"). */
type JsonKind = 'boolean' | 'number' | 'string';

export interface ElementInfo {
  /** The JSON property name, which for FHIR R4 is also the XML name ("valueQuantity" for value[x]). */
  name: string;
  /** The one FHIR type this name stands for. */
  type: string;
  kind: ValueKind;
  /** For primitives. */
  jsonKind: JsonKind;
  /** max is not 1: always a JSON array, even for a single occurrence. */
  isArray: boolean;
}

const SYSTEM_TYPE = 'http://hl7.org/fhirpath/System.';
const NUMBER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt', 'decimal', 'integer64']);

const indexes = new Map<string, ReadonlyMap<string, ElementInfo>>();

/** The elements of a FHIR type by XML name, or undefined when the type is unknown. */
export function elementsOf(typeName: string): ReadonlyMap<string, ElementInfo> | undefined {
  let index = indexes.get(typeName);
  if (!index) {
    const schema = tryGetDataType(typeName);
    if (!schema) {
      return undefined;
    }
    const built = new Map<string, ElementInfo>();
    for (const [path, element] of Object.entries(schema.elements)) {
      const isArray = element.isArray || element.max > 1;
      const choice = path.endsWith('[x]') ? path.slice(0, -3) : undefined;
      for (const { code } of element.type ?? []) {
        // A choice element has one name per type: value[x] with Quantity -> valueQuantity.
        const name = choice === undefined ? path : choice + code.charAt(0).toUpperCase() + code.slice(1);
        built.set(name, { name, type: code, kind: kindOf(code), jsonKind: jsonKindOf(code), isArray });
      }
    }
    index = built;
    indexes.set(typeName, index);
  }
  return index;
}

function kindOf(code: string): ValueKind {
  if (code === 'xhtml') {
    return 'xhtml';
  }
  if (code.startsWith(SYSTEM_TYPE)) {
    return 'primitive';
  }
  switch (tryGetDataType(code)?.kind) {
    case 'primitive-type':
      return 'primitive';
    case 'resource':
      return 'resource';
    default:
      return 'complex';
  }
}

function jsonKindOf(code: string): JsonKind {
  if (code === 'boolean' || code === `${SYSTEM_TYPE}Boolean`) {
    return 'boolean';
  }
  if (NUMBER_TYPES.has(code) || code === `${SYSTEM_TYPE}Integer` || code === `${SYSTEM_TYPE}Decimal`) {
    return 'number';
  }
  return 'string';
}
