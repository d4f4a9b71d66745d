// Test support only: FHIR JSON -> FHIR XML, written from the JSON alone (no type information), so that the
// parser can be checked by round trips over whole corpora (R4 JSON examples -> XML -> JSON) without sharing its
// type lookups. It follows xml.html closely enough for that purpose: primitives as value attributes joined with
// their "_name" twin, Element.id and Extension.url as attributes, nested resources wrapped in their element,
// the div copied as it is.

const FHIR_NAMESPACE = 'http://hl7.org/fhir';
type Json = Record<string, unknown>;
// The R4 elements of type Resource; elsewhere "resourceType" is an ordinary element (ExampleScenario.instance).
const RESOURCE_ELEMENTS = new Set(['contained', 'resource', 'outcome']);

export function writeFhirXml(resource: Json): string {
  const parts: string[] = [];
  writeResource(resource, parts, ` xmlns="${FHIR_NAMESPACE}"`);
  return parts.join('');
}

function writeResource(resource: Json, parts: string[], namespace = ''): void {
  const type = resource.resourceType as string;
  parts.push(`<${type}${namespace}>`);
  writeProperties(resource, parts, 'resource');
  parts.push(`</${type}>`);
}

type Context = 'resource' | 'extension' | 'element';

function writeProperties(object: Json, parts: string[], context: Context): void {
  const names = new Set(Object.keys(object).map((key) => (key.startsWith('_') ? key.slice(1) : key)));
  for (const name of names) {
    // Written as attributes by writeElement.
    if (
      (context === 'resource' && name === 'resourceType') ||
      (context !== 'resource' && name === 'id') ||
      (context === 'extension' && name === 'url')
    ) {
      continue;
    }
    const value = object[name];
    const extra = object[`_${name}`];
    if (name === 'div' && typeof value === 'string') {
      parts.push(value);
      continue;
    }
    const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
    const extras = Array.isArray(extra) ? extra : extra === undefined ? [] : [extra];
    const count = Math.max(values.length, extras.length);
    for (let i = 0; i < count; i++) {
      writeElement(name, values[i] ?? null, (extras[i] ?? null) as Json | null, parts);
    }
  }
}

function writeElement(name: string, value: unknown, extra: Json | null, parts: string[]): void {
  if (value !== null && typeof value === 'object') {
    const object = value as Json;
    if (RESOURCE_ELEMENTS.has(name) && typeof object.resourceType === 'string') {
      parts.push(`<${name}>`);
      writeResource(object, parts);
      parts.push(`</${name}>`);
      return;
    }
    const id = typeof object.id === 'string' ? ` id="${escapeXml(object.id)}"` : '';
    const isExtension = name === 'extension' || name === 'modifierExtension';
    const url = isExtension && typeof object.url === 'string' ? ` url="${escapeXml(object.url)}"` : '';
    parts.push(`<${name}${id}${url}>`);
    writeProperties(object, parts, isExtension ? 'extension' : 'element');
    parts.push(`</${name}>`);
    return;
  }
  const id = typeof extra?.id === 'string' ? ` id="${escapeXml(extra.id)}"` : '';
  const attribute = value === null ? '' : ` value="${escapeXml(String(value))}"`;
  const extensions = Array.isArray(extra?.extension) ? (extra.extension as Json[]) : [];
  if (extensions.length === 0) {
    parts.push(`<${name}${id}${attribute}/>`);
    return;
  }
  parts.push(`<${name}${id}${attribute}>`);
  for (const extension of extensions) {
    writeElement('extension', extension, null, parts);
  }
  parts.push(`</${name}>`);
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
