// XML text -> a small element tree read by local name. iWmo variants differ in prefixes and namespaces, so the tree
// keeps local names (and the attributes, for the root's namespace). fast-xml-parser tokenises, its validator checks
// well-formedness; a DOCTYPE is refused before either sees the text, and entities are decoded here (the parser's own
// decoder is off), so no declared entity is ever expanded: no XXE, no entity bombs.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MappingError } from '../adapter.js';

export interface XmlElement {
  /** The local name: `wmo301:Client` and `Client` are both "Client". */
  readonly name: string;
  /** The prefix as written, '' when there is none. */
  readonly prefix: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text (text and CDATA children joined, decoded), untrimmed. */
  readonly text: string;
}

type FxpNode = Record<string, unknown>;
const ATTRIBUTES = ':@';
const TEXT = '#text';
const CDATA = '#cdata';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  cdataPropName: CDATA,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses a whole document; throws MappingError (stage parse) when it is not well-formed or has a DOCTYPE. */
export function readXml(input: string): XmlElement {
  const xml = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const doctype = xml.indexOf('<!DOCTYPE');
  if (doctype >= 0 && (doctype < xml.search(/<[^?!]/) || xml.search(/<[^?!]/) < 0)) {
    throw new MappingError(
      lineAt(xml, doctype),
      'the message has a DOCTYPE; iWmo messages have none, and the hub reads no DTD (no entity expansion, no external entities)',
      'parse',
    );
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new MappingError(`line ${valid.err.line}`, `the message is not well-formed XML: ${valid.err.msg}`, 'parse');
  }
  let nodes: FxpNode[];
  try {
    nodes = parser.parse(xml) as FxpNode[];
  } catch (error) {
    throw new MappingError('line 1', `the message is not well-formed XML: ${(error as Error).message}`, 'parse');
  }
  const roots = nodes.filter((node) => !(TEXT in node) && !(CDATA in node));
  if (roots.length !== 1) {
    throw new MappingError('/', `an XML document has one root element, this one has ${roots.length}`, 'parse');
  }
  return toElement(roots[0]);
}

function lineAt(text: string, index: number): string {
  return `line ${text.slice(0, index).split('\n').length}`;
}

function toElement(node: FxpNode): XmlElement {
  const qualifiedName = Object.keys(node).find((key) => key !== ATTRIBUTES) ?? '';
  const colon = qualifiedName.indexOf(':');
  const name = colon < 0 ? qualifiedName : qualifiedName.slice(colon + 1);
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries((node[ATTRIBUTES] ?? {}) as Record<string, string>)) {
    attributes[key] = decode(value, qualifiedName);
  }
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[qualifiedName] ?? []) as FxpNode[]) {
    if (TEXT in child) {
      text += decode(String(child[TEXT]), qualifiedName);
    } else if (CDATA in child) {
      text += ((child[CDATA] as FxpNode[])[0]?.[TEXT] as string | undefined) ?? '';
    } else {
      children.push(toElement(child));
    }
  }
  return { name, prefix: colon < 0 ? '' : qualifiedName.slice(0, colon), attributes, children, text };
}

const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*)?(;)?/g;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Character references and XML's five predefined entities; without a DTD no other entity exists. */
function decode(raw: string, element: string): string {
  if (!raw.includes('&')) {
    return raw;
  }
  return raw.replace(REFERENCE, (match, body: string | undefined, semicolon: string | undefined) => {
    const where = `<${element}>`;
    if (body === undefined || semicolon === undefined) {
      throw new MappingError(where, `a literal "&" must be written "&amp;" (found "${match}")`, 'parse');
    }
    if (body.startsWith('#')) {
      const code = body[1] === 'x' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      if (!isXmlChar(code)) {
        throw new MappingError(where, `"${match}" is not a character XML allows`, 'parse');
      }
      return String.fromCodePoint(code);
    }
    const replacement = PREDEFINED[body];
    if (replacement === undefined) {
      throw new MappingError(
        where,
        `undeclared entity "${match}": write the character itself or a character reference`,
        'parse',
      );
    }
    return replacement;
  });
}

export function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The namespace URI of an element's own prefix, as declared on it (enough for the root). */
export function declaredNamespace(element: XmlElement): string | undefined {
  return element.attributes[element.prefix ? `xmlns:${element.prefix}` : 'xmlns'];
}
