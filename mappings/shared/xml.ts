// The one XML reader of the adapters: the hub's own XML tree (server/fhir/xml/xml-tree.ts: fast-xml-parser
// tokenising, well-formedness checked, namespaces resolved, entities decoded by the hub so that none is ever
// expanded), seen by local name, with refusals as MappingErrors naming the line. iWmo variants differ in prefixes
// and namespaces, iWlz messages prefix every element; both are read by local name, the root's namespace resolved.
import { FhirXmlError } from '../../server/fhir/xml/fhir-xml-error.js';
import { isXmlChar, parseXmlDocument, type XmlElement as TreeElement } from '../../server/fhir/xml/xml-tree.js';
import { MappingError } from '../adapter.js';

/** A code point XML 1.0 allows in a document (what a reply may echo of a message). */
export { isXmlChar };

export interface XmlElement {
  /** The local name: `wmo301:Client` and `Client` are both "Client". */
  readonly name: string;
  /** The namespace URI the element is in, resolved through its prefix ('' when none). */
  readonly namespace: string;
  /** Attribute values by their name as written (namespace declarations included). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text (text and CDATA children joined, decoded), untrimmed. */
  readonly text: string;
}

function lineOf(text: string, index: number): string {
  return `line ${text.slice(0, index).split('\n').length}`;
}

function toElement(element: TreeElement): XmlElement {
  const attributes: Record<string, string> = {};
  for (const attribute of element.attributes) attributes[attribute.qualifiedName] = attribute.value;
  const children: XmlElement[] = [];
  let text = '';
  for (const child of element.children) {
    if (child.kind === 'text') text += child.text;
    else children.push(toElement(child));
  }
  return { name: element.localName, namespace: element.namespace, attributes, children, text };
}

/**
 * Parses a whole message. Refuses (MappingError, stage parse) a DOCTYPE or entity declaration before any parser sees
 * the text, and anything not well-formed, at its line and, where the parser names one, its element.
 */
export function readXml(input: string, kind: string): XmlElement {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const declaration = text.search(/<!DOCTYPE|<!ENTITY/i);
  if (declaration >= 0) {
    throw new MappingError(
      lineOf(text, declaration),
      `a DOCTYPE or entity declaration is not allowed in an ${kind} message: the hub reads no DTD (no entity expansion, no external entities)`,
      'parse',
    );
  }
  try {
    return toElement(parseXmlDocument(text));
  } catch (error) {
    if (!(error instanceof FhirXmlError)) throw error;
    const detail = error.message.replace(/^Malformed XML( at line \d+(, column \d+)?)?:\s*/, '');
    const line = /at line (\d+)/.exec(error.message)?.[1];
    const tag = /tag '(?:[^':]+:)?([^']+)'/.exec(detail)?.[1];
    // An entity or character fault is found after tokenising, without a line: it names its element instead.
    const element = /of <(?:[^>:]+:)?([^>]+)>/.exec(detail)?.[1];
    const location = line ? `line ${line}${tag ? `, ${tag}` : ''}` : element ? `<${element}>` : 'line 1';
    throw new MappingError(location, `the message is not well-formed XML: ${detail}`, 'parse');
  }
}
