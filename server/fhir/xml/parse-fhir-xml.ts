// FHIR R4 XML -> FHIR JSON, as the two representations are defined to match (xml.html, json.html). The types come
// from the R4 StructureDefinitions (element-index.ts): whether an element is an array, what its primitive's JSON
// type is, which type a choice name picks, where a nested resource sits.
//
// Strict by design: an unknown element or attribute, a bad boolean or number, a repeated 0..1 element or a
// primitive with neither value nor extension throws a FhirXmlError naming the path, because JSON cannot carry
// them and dropping them would change the resource without a word. What JSON can carry but FHIR forbids (an
// empty string, a missing required element) is converted and left to the validator. Not checked: the element
// order XML prescribes (JSON has none), and the few elements Medplum adds to its R4 definitions (Meta.project,
// Meta.author, ...), which the validator's R4 schema refuses. Decimals become JavaScript numbers, so "1.50"
// arrives as 1.5, as with any JSON.parse of FHIR JSON.
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../definitions.js';
import { isR4ResourceType } from '../validation/resource-types.js';
import type { ElementInfo } from './element-index.js';
import { elementsOf } from './element-index.js';
import { FhirXmlError } from './fhir-xml-error.js';
import { serialiseDiv, XHTML_NAMESPACE } from './xhtml.js';
import type { XmlAttribute, XmlElement, XmlNode } from './xml-tree.js';
import { parseXmlDocument } from './xml-tree.js';

export { FhirXmlError } from './fhir-xml-error.js';

const FHIR_NAMESPACE = 'http://hl7.org/fhir';

type JsonObject = Record<string, unknown>;

/** Converts one FHIR R4 XML document to its JSON form. Throws FhirXmlError (see its `code`). */
export function parseFhirXml(xml: string): Resource {
  loadDefinitions();
  const root = parseXmlDocument(xml);
  if (root.namespace !== FHIR_NAMESPACE) {
    const found = root.namespace ? `namespace ${root.namespace}` : 'no namespace';
    throw new FhirXmlError(
      'not-fhir',
      undefined,
      `The root element <${root.qualifiedName}> is in ${found}, not in the FHIR namespace ${FHIR_NAMESPACE}`,
    );
  }
  return convertResource(root, root.localName) as unknown as Resource;
}

function convertResource(element: XmlElement, path: string): JsonObject {
  const resourceType = element.localName;
  if (!isR4ResourceType(resourceType)) {
    throw new FhirXmlError('unknown-element', path, `<${resourceType}> is not a FHIR R4 resource type`);
  }
  for (const attribute of ownAttributes(element)) {
    throw unknownAttribute(path, attribute);
  }
  const resource: JsonObject = { resourceType };
  convertChildren(resource, element, resourceType, path, true);
  return resource;
}

function convertComplex(element: XmlElement, type: string, path: string): JsonObject {
  const object: JsonObject = {};
  for (const attribute of ownAttributes(element)) {
    // In XML, Element.id and Extension.url are attributes (xml.html, "Extensions" and "id").
    if (attribute.localName === 'id' || (attribute.localName === 'url' && type === 'Extension')) {
      object[attribute.localName] = attribute.value;
    } else {
      throw unknownAttribute(path, attribute);
    }
  }
  convertChildren(object, element, type, path, false);
  return object;
}

/** Converts the child elements of a resource or complex value into properties of `target`. */
function convertChildren(
  target: JsonObject,
  element: XmlElement,
  type: string,
  path: string,
  isResource: boolean,
): void {
  const index = elementsOf(type);
  if (!index) {
    throw new FhirXmlError('unknown-element', path, `no definition for the FHIR type ${type}`);
  }
  // Repeats of one element are contiguous in valid FHIR XML; grouping by name also takes them when they are not.
  const groups = new Map<string, { info: ElementInfo; nodes: XmlElement[] }>();
  for (const child of childElements(element, path)) {
    const info = lookUp(index, child, type, isResource, path);
    const group = groups.get(info.name);
    if (group) {
      group.nodes.push(child);
    } else {
      groups.set(info.name, { info, nodes: [child] });
    }
  }
  for (const { info, nodes } of groups.values()) {
    const name = info.name;
    if (!info.isArray && nodes.length > 1) {
      throw new FhirXmlError('invalid', `${path}.${name}`, `occurs ${nodes.length} times, but at most once is allowed`);
    }
    const pathOf = (i: number): string => (info.isArray ? `${path}.${name}[${i}]` : `${path}.${name}`);
    if (info.kind === 'primitive') {
      // json.html: the value under "name", id and extensions under "_name"; arrays of both run in parallel, with
      // null where one side is absent, and each array is left out when it holds nothing but nulls.
      const pairs = nodes.map((node, i) => convertPrimitive(node, info, pathOf(i)));
      const values = pairs.map(([value]) => value);
      const extras = pairs.map(([, extra]) => extra);
      if (values.some((value) => value !== null)) {
        target[name] = info.isArray ? values : values[0];
      }
      if (extras.some((extra) => extra !== null)) {
        target[`_${name}`] = info.isArray ? extras : extras[0];
      }
      continue;
    }
    const converted = nodes.map((node, i) => convertValue(node, info, pathOf(i)));
    target[name] = info.isArray ? converted : converted[0];
  }
}

function convertValue(node: XmlElement, info: ElementInfo, path: string): unknown {
  switch (info.kind) {
    case 'xhtml':
      return serialiseDiv(node, path);
    case 'resource':
      return convertContainer(node, info, path);
    default:
      return convertComplex(node, info.type, path);
  }
}

/** Elements of type Resource hold the resource as their only child: <contained><Patient>...</Patient></contained>. */
function convertContainer(element: XmlElement, info: ElementInfo, path: string): JsonObject {
  for (const attribute of ownAttributes(element)) {
    throw unknownAttribute(path, attribute);
  }
  const inner = childElements(element, path);
  if (inner.length !== 1) {
    throw new FhirXmlError('invalid', path, `must hold exactly one resource, found ${inner.length} elements`);
  }
  const resource = inner[0];
  if (resource.namespace !== FHIR_NAMESPACE) {
    throw new FhirXmlError('unknown-element', path, `<${resource.qualifiedName}> is not in the FHIR namespace`);
  }
  const generic = info.type === 'Resource' || info.type === 'DomainResource';
  if (!generic && resource.localName !== info.type) {
    throw new FhirXmlError('invalid', path, `must hold a ${info.type}, found <${resource.localName}>`);
  }
  return convertResource(resource, path);
}

/** A primitive: <x id="..." value="..."><extension .../></x> -> [value or null, {id, extension} or null]. */
function convertPrimitive(element: XmlElement, info: ElementInfo, path: string): [unknown, JsonObject | null] {
  let value: unknown = null;
  const extra: JsonObject = {};
  for (const attribute of ownAttributes(element)) {
    if (attribute.localName === 'value') {
      value = typedValue(attribute.value, info, path);
    } else if (attribute.localName === 'id') {
      extra.id = attribute.value;
    } else {
      throw unknownAttribute(path, attribute);
    }
  }
  const extensions = childElements(element, path).map((child, i) => {
    if (child.namespace !== FHIR_NAMESPACE || child.localName !== 'extension') {
      throw new FhirXmlError(
        'unknown-element',
        `${path}.${child.localName}`,
        'unknown element (a primitive only holds extensions)',
      );
    }
    return convertComplex(child, 'Extension', `${path}.extension[${i}]`);
  });
  if (extensions.length > 0) {
    extra.extension = extensions;
  }
  const hasExtra = extra.id !== undefined || extensions.length > 0;
  if (value === null && !hasExtra) {
    throw new FhirXmlError('invalid', path, 'has neither a value attribute nor extensions');
  }
  return [value, hasExtra ? extra : null];
}

// The lexical forms of FHIR's number types (datatypes.html); their ranges are the validator's job.
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const INTEGER = /^[-+]?(0|[1-9][0-9]*)$/;

function typedValue(raw: string, info: ElementInfo, path: string): boolean | number | string {
  if (info.jsonKind === 'boolean') {
    if (raw === 'true' || raw === 'false') {
      return raw === 'true';
    }
    throw new FhirXmlError('invalid', path, `"${raw}" is not a boolean (true or false)`);
  }
  if (info.jsonKind === 'number') {
    const decimal = info.type === 'decimal' || info.type.endsWith('System.Decimal');
    if ((decimal ? DECIMAL : INTEGER).test(raw)) {
      return Number(raw);
    }
    throw new FhirXmlError('invalid', path, `"${raw}" is not a valid ${info.type}`);
  }
  return raw;
}

function lookUp(
  index: ReadonlyMap<string, ElementInfo>,
  child: XmlElement,
  type: string,
  isResource: boolean,
  path: string,
): ElementInfo {
  const name = child.localName;
  // Only a resource's id is an element; Element.id and Extension.url are attributes.
  const asAttribute = (name === 'id' && !isResource) || (name === 'url' && type === 'Extension');
  const info = asAttribute ? undefined : index.get(name);
  if (child.namespace === XHTML_NAMESPACE && info?.kind === 'xhtml') {
    return info;
  }
  if (child.namespace !== FHIR_NAMESPACE) {
    const found = child.namespace ? `namespace ${child.namespace}` : 'no namespace';
    throw new FhirXmlError('unknown-element', `${path}.${name}`, `element is in ${found}, not in the FHIR namespace`);
  }
  if (!info) {
    throw new FhirXmlError(
      'unknown-element',
      `${path}.${name}`,
      asAttribute ? `unknown element (${name} is an attribute here)` : 'unknown element',
    );
  }
  if (info.kind === 'xhtml') {
    throw new FhirXmlError(
      'unknown-element',
      `${path}.${name}`,
      `must be an XHTML element (namespace ${XHTML_NAMESPACE})`,
    );
  }
  return info;
}

/** The element children; text between them must be whitespace (FHIR content is never mixed, bar the div). */
function childElements(element: XmlElement, path: string): XmlElement[] {
  const elements: XmlElement[] = [];
  for (const child of element.children as XmlNode[]) {
    if (child.kind === 'element') {
      elements.push(child);
    } else if (child.text.trim() !== '') {
      const text = child.text.trim();
      throw new FhirXmlError(
        'invalid',
        path,
        `unexpected text "${text.length > 40 ? `${text.slice(0, 40)}...` : text}" (values go in a value attribute)`,
      );
    }
  }
  return elements;
}

/** Attributes in no namespace; namespace declarations and foreign attributes (xsi:schemaLocation) are skipped. */
function ownAttributes(element: XmlElement): XmlAttribute[] {
  return element.attributes.filter((attribute) => attribute.namespace === '');
}

function unknownAttribute(path: string, attribute: XmlAttribute): FhirXmlError {
  return new FhirXmlError('unknown-element', path, `unknown attribute "${attribute.qualifiedName}"`);
}
