// XML text -> a small namespace-aware element tree, the input of the FHIR conversion.
// fast-xml-parser does the tokenising (its validator checks well-formedness, which its parser does not); what it
// leaves out is done here, following XML 1.0 rather than its defaults: namespaces are resolved (it only sees
// prefixes), entities are decoded here (its decoder is off, so no DTD-declared entity is ever expanded and FHIR's
// "no DTD" rule holds), attribute values are normalised (literal tab/newline -> space, character references kept),
// comments and processing instructions are dropped, and CDATA becomes plain text.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FhirXmlError } from './fhir-xml-error.js';

export const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

export interface XmlAttribute {
  /** '' for an unprefixed attribute (attributes do not take the default namespace); XMLNS_NAMESPACE for xmlns. */
  namespace: string;
  localName: string;
  /** As written, with its prefix. */
  qualifiedName: string;
  /** Decoded and normalised. */
  value: string;
}

export interface XmlElement {
  kind: 'element';
  /** '' when the element is in no namespace. */
  namespace: string;
  localName: string;
  qualifiedName: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
}

interface XmlText {
  kind: 'text';
  /** Decoded; adjacent text and CDATA sections are joined. */
  text: string;
}

export type XmlNode = XmlElement | XmlText;

type FxpNode = Record<string, unknown>;
const ATTRIBUTES = ':@';
const TEXT = '#text';
const CDATA = '#cdata';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Values stay exactly as written: no trimming, no number guessing, no entity expansion (done below).
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  cdataPropName: CDATA,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Its default (100) is below what deeply nested extensions or Questionnaire items can reach.
  maxNestedTags: 1000,
});

/** Parses a whole document and returns its root element. Throws FhirXmlError('malformed') on bad XML. */
export function parseXmlDocument(input: string): XmlElement {
  // XML 1.0 §2.11: every line ending is read as a single newline; a leading byte order mark is not content.
  let xml = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (xml.includes('\r')) {
    xml = xml.replace(/\r\n?/g, '\n');
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const column = valid.err.col === undefined ? '' : `, column ${valid.err.col}`;
    throw new FhirXmlError(
      'malformed',
      undefined,
      `Malformed XML at line ${valid.err.line}${column}: ${valid.err.msg}`,
    );
  }
  if (hasDoctype(xml)) {
    throw new FhirXmlError('malformed', undefined, 'FHIR XML must not contain a DTD (<!DOCTYPE>)');
  }
  let nodes: FxpNode[];
  try {
    nodes = parser.parse(xml) as FxpNode[];
  } catch (err) {
    throw new FhirXmlError('malformed', undefined, `Malformed XML: ${(err as Error).message}`);
  }
  const roots = nodes.filter((node) => !(TEXT in node));
  if (roots.length !== 1) {
    throw new FhirXmlError('malformed', undefined, `An XML document has one root element, found ${roots.length}`);
  }
  return toElement(roots[0], new Map([['xml', XML_NAMESPACE]]));
}

function hasDoctype(xml: string): boolean {
  const doctype = xml.indexOf('<!DOCTYPE');
  return doctype >= 0 && doctype < xml.search(/<[^?!]/);
}

function toElement(node: FxpNode, outerScope: ReadonlyMap<string, string>): XmlElement {
  const qualifiedName = tagNameOf(node);
  const rawAttributes = (node[ATTRIBUTES] ?? {}) as Record<string, string>;
  const scope = declareNamespaces(rawAttributes, outerScope);
  const [prefix, localName] = splitName(qualifiedName);
  const attributes: XmlAttribute[] = [];
  for (const [name, raw] of Object.entries(rawAttributes)) {
    const [attributePrefix, attributeLocal] = splitName(name);
    if (raw.includes('<')) {
      throw new FhirXmlError(
        'malformed',
        undefined,
        `Malformed XML: "<" in attribute ${name} of <${qualifiedName}> must be written "&lt;"`,
      );
    }
    const isDeclaration = name === 'xmlns' || attributePrefix === 'xmlns';
    attributes.push({
      namespace: isDeclaration
        ? XMLNS_NAMESPACE
        : attributePrefix === undefined
          ? ''
          : resolve(attributePrefix, scope, name),
      localName: attributeLocal,
      qualifiedName: name,
      value: decodeReferences(normaliseWhitespace(raw), qualifiedName, name),
    });
  }
  return {
    kind: 'element',
    namespace: resolve(prefix ?? '', scope, qualifiedName),
    localName,
    qualifiedName,
    attributes,
    children: toChildren(node[qualifiedName] as FxpNode[], scope, qualifiedName),
  };
}

function tagNameOf(node: FxpNode): string {
  for (const key in node) {
    if (key !== ATTRIBUTES) {
      return key;
    }
  }
  throw new FhirXmlError('malformed', undefined, 'Malformed XML: an element without a name');
}

/** XML 1.0 §3.3.3: a literal tab or newline in an attribute value reads as a space. */
function normaliseWhitespace(raw: string): string {
  return raw.includes('\n') || raw.includes('\t') ? raw.replace(/[\t\n]/g, ' ') : raw;
}

function toChildren(nodes: FxpNode[], scope: ReadonlyMap<string, string>, parentName: string): XmlNode[] {
  const children: XmlNode[] = [];
  for (const node of nodes) {
    let text: string;
    if (TEXT in node) {
      text = decodeReferences(node[TEXT] as string, parentName);
    } else if (CDATA in node) {
      text = ((node[CDATA] as FxpNode[])[0]?.[TEXT] as string | undefined) ?? '';
    } else {
      children.push(toElement(node, scope));
      continue;
    }
    const last = children[children.length - 1];
    if (last?.kind === 'text') {
      last.text += text;
    } else {
      children.push({ kind: 'text', text });
    }
  }
  return children;
}

/** The in-scope prefixes after this element's xmlns attributes; the default namespace is the prefix ''. */
function declareNamespaces(
  attributes: Record<string, string>,
  outer: ReadonlyMap<string, string>,
): ReadonlyMap<string, string> {
  let scope: Map<string, string> | undefined;
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      scope ??= new Map(outer);
      scope.set(name === 'xmlns' ? '' : name.slice(6), decodeReferences(value, '', name));
    }
  }
  return scope ?? outer;
}

function resolve(prefix: string, scope: ReadonlyMap<string, string>, name: string): string {
  const namespace = scope.get(prefix);
  if (namespace === undefined && prefix !== '') {
    throw new FhirXmlError('malformed', undefined, `Malformed XML: the prefix of "${name}" is not declared`);
  }
  return namespace ?? '';
}

function splitName(name: string): [string | undefined, string] {
  const colon = name.indexOf(':');
  return colon < 0 ? [undefined, name] : [name.slice(0, colon), name.slice(colon + 1)];
}

const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*)?(;)?/g;
const PREDEFINED = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

/** Replaces character and entity references; only XML's five predefined entities exist without a DTD. */
function decodeReferences(raw: string, elementName: string, attributeName?: string): string {
  if (!raw.includes('&')) {
    return raw;
  }
  const where =
    attributeName === undefined
      ? `the text of <${elementName}>`
      : `attribute ${attributeName}${elementName ? ` of <${elementName}>` : ''}`;
  return raw.replace(REFERENCE, (match, body: string | undefined, semicolon: string | undefined) => {
    if (body === undefined || semicolon === undefined) {
      throw new FhirXmlError(
        'malformed',
        undefined,
        `Malformed XML in ${where}: a literal "&" must be written "&amp;" (found "${match}")`,
      );
    }
    if (body.startsWith('#')) {
      const codePoint = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!isXmlChar(codePoint)) {
        throw new FhirXmlError(
          'malformed',
          undefined,
          `Malformed XML in ${where}: "${match}" is not a character XML allows`,
        );
      }
      return String.fromCodePoint(codePoint);
    }
    const replacement = PREDEFINED.get(body);
    if (replacement === undefined) {
      throw new FhirXmlError(
        'malformed',
        undefined,
        `Malformed XML in ${where}: undeclared entity "${match}" (FHIR XML has no DTD; use a character reference)`,
      );
    }
    return replacement;
  });
}

export function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}
