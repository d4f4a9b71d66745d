// The XML layer: refuse what is not a plain, well-formed iWlz 2.2 document (the adapters' one reader,
// mappings/shared/xml.ts), validate it against its official XSD with xmllint (libxml2 compiled to WebAssembly), and
// give the mapping a small element reader over the tree, with source paths.
import { memoryPages, validateXML } from 'xmllint-wasm';
import { MappingError } from '../adapter.js';
import { readXml, type XmlElement } from '../shared/xml.js';
import { type IwlzSchemas, MESSAGE_NAMESPACES, type MessageKind } from './schemas.js';

const XML_FILE = 'bericht.xml';

function lineOf(text: string, index: number): number {
  return index < 0 ? 1 : text.slice(0, index).split('\n').length;
}

/** One element of the message, with its path in the source's own terms ("/Bericht/Clienten/Client[2]/Bsn"). */
export class Element {
  constructor(
    private readonly element: XmlElement,
    readonly path: string,
  ) {}

  private named(name: string): XmlElement[] {
    return this.element.children.filter((child) => child.name === name);
  }

  /** A repeating child: every occurrence, numbered from 1. */
  children(name: string): Element[] {
    return this.named(name).map((child, i) => new Element(child, `${this.path}/${name}[${i + 1}]`));
  }

  child(name: string): Element | undefined {
    const child = this.named(name)[0];
    return child === undefined ? undefined : new Element(child, `${this.path}/${name}`);
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
    const text = this.element.text.trim();
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
  const encoding = /^<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/.exec(text.trimStart())?.[1];
  if (encoding && !/^utf-?8$/i.test(encoding)) {
    refuse(raw, 0, `the message declares encoding ${encoding}; iWlz messages are UTF-8`);
  }
  const root = readXml(text, 'iWlz');
  const rootIndex = Math.max(0, text.search(/<[A-Za-z_]/));
  if (root.name !== 'Bericht') {
    refuse(raw, rootIndex, `the root element is ${root.name}; an iWlz message has one root element Bericht`);
  }
  const namespace = root.namespace;
  const kind = (Object.keys(MESSAGE_NAMESPACES) as MessageKind[]).find((k) => MESSAGE_NAMESPACES[k] === namespace);
  if (!kind) {
    const release = /\/iwlz\/(\d+_\d+)\/(\w+)\//.exec(namespace);
    const which = release
      ? `iWlz ${release[1].replace('_', '.')} ${release[2].toUpperCase()}`
      : `namespace ${namespace || '(none declared on the root element)'}`;
    refuse(
      raw,
      rootIndex,
      `${which} is not accepted: this adapter reads iWlz 2.2 AW33 (zorgtoewijzing) and AW35 (aanvang zorg)`,
    );
  }
  return { kind, root: new Element(root, '/Bericht') };
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
