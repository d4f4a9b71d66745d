// Narrative.div: the XHTML element written back to the string that FHIR JSON carries (json.html, "xhtml"): the
// outer div declares the XHTML namespace as the default one, inner markup is kept as it was, text and attribute
// values are escaped again. Comments and processing instructions are already gone (xml-tree.ts).
import { FhirXmlError } from './fhir-xml-error.js';
import type { XmlElement } from './xml-tree.js';
import { XMLNS_NAMESPACE } from './xml-tree.js';

export const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';

// Written as <br/>; every other empty element as <p></p>, which HTML parsers also read right when a client
// injects the narrative into an HTML page (an HTML parser reads <p/> as an opening tag).
const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

export function serialiseDiv(div: XmlElement, path: string): string {
  if (div.namespace !== XHTML_NAMESPACE || div.localName !== 'div') {
    throw new FhirXmlError(
      'unknown-element',
      path,
      `expected an XHTML <div> (namespace ${XHTML_NAMESPACE}), found <${div.qualifiedName}>`,
    );
  }
  const parts: string[] = [];
  writeElement(div, parts, true);
  return parts.join('');
}

function writeElement(element: XmlElement, parts: string[], outer: boolean): void {
  // XHTML elements lose any prefix: the fragment's only default namespace is XHTML's.
  const name = element.namespace === XHTML_NAMESPACE ? element.localName : element.qualifiedName;
  parts.push('<', name);
  if (outer) {
    parts.push(` xmlns="${XHTML_NAMESPACE}"`);
  }
  for (const attribute of element.attributes) {
    // Declarations of the XHTML namespace are implied by the outer xmlns; other declarations stay.
    if (attribute.namespace === XMLNS_NAMESPACE && attribute.value === XHTML_NAMESPACE) {
      continue;
    }
    parts.push(' ', attribute.qualifiedName, '="', escapeAttribute(attribute.value), '"');
  }
  if (element.children.length === 0 && VOID_ELEMENTS.has(name)) {
    parts.push('/>');
    return;
  }
  parts.push('>');
  for (const child of element.children) {
    if (child.kind === 'text') {
      parts.push(escapeText(child.text));
    } else {
      writeElement(child, parts, false);
    }
  }
  parts.push('</', name, '>');
}

function escapeText(text: string): string {
  return /[&<>]/.test(text) ? text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : text;
}

function escapeAttribute(value: string): string {
  // Tab, newline and carriage return only survive attribute normalisation as character references.
  return /[&<"\t\n\r]/.test(value)
    ? value
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/"/g, '&quot;')
        .replace(/\t/g, '&#9;')
        .replace(/\n/g, '&#10;')
        .replace(/\r/g, '&#13;')
    : value;
}
