// The XML layer: refuse what is not a plain, well-formed iWlz 2.2 document, validate it against its official XSD
// with xmllint (libxml2 compiled to WebAssembly), and give the mapping a small element reader over the parsed tree.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { memoryPages, validateXML } from 'xmllint-wasm';
import { MappingError } from '../adapter.js';
import { type IwlzSchemas, MESSAGE_NAMESPACES, type MessageKind } from './schemas.js';

const XML_FILE = 'bericht.xml';

function lineOf(text: string, index: number): number {
  return index < 0 ? 1 : text.slice(0, index).split('\n').length;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: false,
  // No entity expansion: a DOCTYPE is refused before parsing, and the five predefined entities and character
  // references are decoded by `decode` below, in one pass.
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g, (_all, name: string) => {
    if (!name.startsWith('#')) {
      return PREDEFINED[name] ?? '';
    }
    const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

type Tree = Record<string, unknown>;

function localName(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

/** One element of the message, with its path in the source's own terms ("/Bericht/Clienten/Client[2]/Bsn"). */
export class Element {
  constructor(
    private readonly node: unknown,
    readonly path: string,
  ) {}

  private values(name: string): unknown[] {
    if (!this.node || typeof this.node !== 'object') {
      return [];
    }
    return Object.entries(this.node as Tree)
      .filter(([key]) => !key.startsWith('@_') && key !== '#text' && localName(key) === name)
      .flatMap(([, value]) => (Array.isArray(value) ? value : [value]));
  }

  /** A repeating child: every occurrence, numbered from 1. */
  children(name: string): Element[] {
    return this.values(name).map((value, i) => new Element(value, `${this.path}/${name}[${i + 1}]`));
  }

  child(name: string): Element | undefined {
    const value = this.values(name)[0];
    return value === undefined ? undefined : new Element(value, `${this.path}/${name}`);
  }

  /** A child the XSD requires; its absence after validation is still refused, never a TypeError. */
  need(name: string): Element {
    const element = this.child(name);
    if (!element) {
      throw new MappingError(`${this.path}/${name}`, `${name} is missing`, 'parse');
    }
    return element;
  }

  /** The element's own text, trimmed; undefined when empty. */
  get text(): string | undefined {
    const raw = typeof this.node === 'string' ? this.node : (this.node as Tree | undefined)?.['#text'];
    const text = typeof raw === 'string' || typeof raw === 'number' ? decode(String(raw)).trim() : '';
    return text === '' ? undefined : text;
  }

  /** The text of an optional child. */
  optional(name: string): string | undefined {
    return this.child(name)?.text;
  }

  /** The text of a child the XSD requires. */
  required(name: string): string {
    const text = this.optional(name);
    if (text === undefined) {
      throw new MappingError(`${this.path}/${name}`, `${name} is missing or empty`, 'parse');
    }
    return text;
  }
}

export interface XmlDocument {
  readonly kind: MessageKind;
  readonly root: Element;
}

function refuse(raw: string, index: number, reason: string): never {
  throw new MappingError(`line ${lineOf(raw, index)}`, reason, 'parse');
}

/** Checks the text is a plain XML document and finds which message kind its root element declares. */
export function readDocument(raw: string): XmlDocument {
  const text = raw.replace(/^\uFEFF/, '');
  if (text.trim() === '') {
    refuse(raw, 0, 'the message is empty: expected an iWlz 2.2 AW33 or AW35 XML document');
  }
  const doctype = text.search(/<!DOCTYPE|<!ENTITY/i);
  if (doctype >= 0) {
    refuse(raw, doctype, 'a DOCTYPE or entity declaration is not allowed in an iWlz message');
  }
  const encoding = /^<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/.exec(text.trimStart())?.[1];
  if (encoding && !/^utf-?8$/i.test(encoding)) {
    refuse(raw, 0, `the message declares encoding ${encoding}; iWlz messages are UTF-8`);
  }
  const wellFormed = XMLValidator.validate(text);
  if (wellFormed !== true) {
    const tag = /tag '([^']+)'/.exec(wellFormed.err.msg)?.[1];
    const where = `line ${wellFormed.err.line}${tag ? `, ${localName(tag)}` : ''}`;
    throw new MappingError(where, `the message is not well-formed XML: ${wellFormed.err.msg}`, 'parse');
  }
  let tree: Tree;
  try {
    tree = parser.parse(text) as Tree;
  } catch (error) {
    refuse(raw, 0, `the message is not well-formed XML: ${(error as Error).message}`);
  }
  const rootKeys = Object.keys(tree).filter((key) => !key.startsWith('?') && !key.startsWith('#'));
  const rootKey = rootKeys[0];
  const rootIndex = rootKey ? text.indexOf(`<${rootKey}`) : 0;
  if (rootKeys.length !== 1 || !rootKey || localName(rootKey) !== 'Bericht') {
    refuse(raw, rootIndex, `the root element is ${rootKey ?? 'missing'}; an iWlz message has one root element Bericht`);
  }
  const node = (tree[rootKey] as unknown[])[0];
  const attributes = node && typeof node === 'object' ? (node as Tree) : {};
  const prefix = rootKey.includes(':') ? rootKey.slice(0, rootKey.indexOf(':')) : undefined;
  const namespace = attributes[prefix ? `@_xmlns:${prefix}` : '@_xmlns'];
  const kind = (Object.keys(MESSAGE_NAMESPACES) as MessageKind[]).find((k) => MESSAGE_NAMESPACES[k] === namespace);
  if (!kind) {
    const release = typeof namespace === 'string' ? /\/iwlz\/(\d+_\d+)\/(\w+)\//.exec(namespace) : null;
    const which = release
      ? `iWlz ${release[1].replace('_', '.')} ${release[2].toUpperCase()}`
      : `namespace ${typeof namespace === 'string' ? namespace : '(none declared on the root element)'}`;
    refuse(
      raw,
      rootIndex,
      `${which} is not accepted: this adapter reads iWlz 2.2 AW33 (zorgtoewijzing) and AW35 (aanvang zorg)`,
    );
  }
  return { kind, root: new Element(node, '/Bericht') };
}

/** The element an xmllint message is about, without its namespace: "Element '{ns}Bsn': ..." gives "Bsn". */
function elementOf(message: string): string | undefined {
  return /Element '(?:\{[^}]*\})?([^']+)'/.exec(message)?.[1] ?? /^element (\S+?):/.exec(message)?.[1];
}

function readable(message: string): string {
  return message
    .replace(/^element \S+: /, '')
    .replace(/^Schemas validity error : /, '')
    .replace(/\{https?:\/\/[^}]*\}/g, '')
    .trim();
}

/** Validates the message against its XSD; refuses it (stage parse) at the line and element of xmllint's first error. */
export async function validateAgainstXsd(raw: string, kind: MessageKind, schemas: IwlzSchemas): Promise<void> {
  const schema = schemas.message[kind];
  let result: Awaited<ReturnType<typeof validateXML>>;
  try {
    result = await validateXML({
      xml: [{ fileName: XML_FILE, contents: raw }],
      schema: [schema],
      preload: [schemas.basis],
      maxMemoryPages: 256 * memoryPages.MiB,
    });
  } catch (error) {
    throw new MappingError('line 1', `the XSD validation could not run: ${(error as Error).message}`, 'parse');
  }
  if (result.valid) {
    return;
  }
  const located = result.errors.filter((e) => e.loc);
  const first = located[0] ?? result.errors[0];
  const element = first ? elementOf(first.message) : undefined;
  const line = first?.loc ? `line ${first.loc.lineNumber}` : 'line 1';
  const more = located.length > 1 ? ` (and ${located.length - 1} more error${located.length > 2 ? 's' : ''})` : '';
  const what = first ? readable(first.message) : result.rawOutput.trim() || 'no reason given';
  throw new MappingError(
    element ? `${line}, ${element}` : line,
    `the message does not validate against ${schema.fileName} (iWlz 2.2): ${what}${more}`,
    'parse',
  );
}
