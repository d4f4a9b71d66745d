// The official iWlz 2.2 message schemas, read from a folder outside the project (they are reference material, never
// copied in): the XSDs every message is validated against, and the labels of the codes the mapping writes (zorgkantoor
// names, zorgzwaartepakket and leveringsvorm descriptions), taken from the basisschema's enumerations so that a new
// release of the code lists needs no code change.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MappingError } from '../adapter.js';
import { readXml, type XmlElement } from '../shared/xml.js';

/** The setting the ingest path reads the schema folder from. */
const SCHEMA_DIR_SETTING = 'HUB_IWLZ_XSD_DIR';
/** Its default, relative to the repository root: the reference material beside the checkout. */
const DEFAULT_SCHEMA_DIR = '../shared/external/iwlz-xsd/XSD';

export type MessageKind = 'AW33' | 'AW35';

const BASIS_NAMESPACE = 'http://www.istandaarden.nl/iwlz/2_2/basisschema/schema';
/** The namespace of each message kind's root element in iWlz 2.2. */
export const MESSAGE_NAMESPACES: Readonly<Record<MessageKind, string>> = {
  AW33: 'http://www.istandaarden.nl/iwlz/2_2/aw33/schema',
  AW35: 'http://www.istandaarden.nl/iwlz/2_2/aw35/schema',
};

/** A code list of the basisschema: code -> the documentation of its enumeration value. */
type CodeLabels = ReadonlyMap<string, string>;

export interface IwlzSchemas {
  readonly folder: string;
  /** The message XSD text per kind. */
  readonly message: Readonly<Record<MessageKind, { fileName: string; contents: string }>>;
  /** The basisschema, under the lower-case name the message XSDs import it by. */
  readonly basis: { fileName: 'basisschema.xsd'; contents: string };
  readonly labels: {
    readonly zorgkantoor: CodeLabels;
    readonly zzp: CodeLabels;
    readonly leveringsvorm: CodeLabels;
    readonly functie: CodeLabels;
    readonly leveringsstatus: CodeLabels;
  };
}

function unreadable(folder: string, what: string): Error {
  return new Error(
    `the iWlz 2.2 XSD folder ${folder} cannot be used: ${what}. Set ${SCHEMA_DIR_SETTING} to the folder that holds ` +
      `AW33.xsd, AW35.xsd and basisschema.xsd (default ${DEFAULT_SCHEMA_DIR}, beside the checkout)`,
  );
}

function readFrom(folder: string, names: readonly string[]): string {
  for (const name of names) {
    try {
      return readFileSync(path.join(folder, name), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        throw unreadable(folder, `${name} cannot be read (${code ?? String(error)})`);
      }
    }
  }
  throw unreadable(folder, `${names.join(' or ')} is missing`);
}

function childrenNamed(element: XmlElement | undefined, name: string): XmlElement[] {
  return element?.children.filter((child) => child.name === name) ?? [];
}

function documentation(element: XmlElement): string | undefined {
  const doc = childrenNamed(element, 'annotation').flatMap((a) => childrenNamed(a, 'documentation'))[0];
  const text = doc?.text.trim();
  return text ? text.replace(/\s+/g, ' ') : undefined;
}

/** The enumeration values of a named simple type with their documentation. */
function enumerationLabels(schema: XmlElement, typeName: string): Map<string, string> {
  const type = childrenNamed(schema, 'simpleType').find((t) => t.attributes.name === typeName);
  const labels = new Map<string, string>();
  for (const value of childrenNamed(childrenNamed(type, 'restriction')[0], 'enumeration')) {
    const code = value.attributes.value;
    const label = documentation(value);
    if (code !== undefined && label) {
      labels.set(code, label);
    }
  }
  return labels;
}

function targetNamespace(contents: string): string | undefined {
  return /<(?:\w+:)?schema\b[^>]*\btargetNamespace\s*=\s*["']([^"']+)["']/.exec(contents)?.[1];
}

/** Reads and checks the schema folder; throws an Error naming the folder and the setting when it cannot be used. */
export function loadSchemas(schemaDir: string): IwlzSchemas {
  const folder = path.resolve(schemaDir);
  const message = {
    AW33: { fileName: 'AW33.xsd', contents: readFrom(folder, ['AW33.xsd', 'aw33.xsd']) },
    AW35: { fileName: 'AW35.xsd', contents: readFrom(folder, ['AW35.xsd', 'aw35.xsd']) },
  };
  // The message XSDs import "basisschema.xsd"; the published file is "Basisschema.xsd".
  const basis = {
    fileName: 'basisschema.xsd' as const,
    contents: readFrom(folder, ['basisschema.xsd', 'Basisschema.xsd']),
  };
  for (const kind of ['AW33', 'AW35'] as const) {
    const found = targetNamespace(message[kind].contents);
    if (found !== MESSAGE_NAMESPACES[kind]) {
      throw unreadable(
        folder,
        `${kind}.xsd has targetNamespace ${found ?? '(none)'}, not iWlz 2.2's ${MESSAGE_NAMESPACES[kind]}`,
      );
    }
  }
  if (targetNamespace(basis.contents) !== BASIS_NAMESPACE) {
    throw unreadable(folder, `basisschema.xsd is not the iWlz 2.2 basisschema (${BASIS_NAMESPACE})`);
  }
  let parsed: XmlElement;
  try {
    parsed = readXml(basis.contents, 'XSD');
  } catch (error) {
    const why = error instanceof MappingError ? `${error.location}: ${error.message}` : (error as Error).message;
    throw unreadable(folder, `basisschema.xsd cannot be read as XML (${why})`);
  }
  const labels = {
    zorgkantoor: enumerationLabels(parsed, 'LDT_ZorgkantoorCode'),
    zzp: enumerationLabels(parsed, 'LDT_ZzpCode'),
    leveringsvorm: enumerationLabels(parsed, 'LDT_Leveringsvorm'),
    functie: enumerationLabels(parsed, 'LDT_FunctieCode'),
    leveringsstatus: enumerationLabels(parsed, 'LDT_Leveringsstatus'),
  };
  for (const [list, map] of Object.entries(labels)) {
    if (map.size === 0) {
      throw unreadable(folder, `basisschema.xsd has no code list for ${list}`);
    }
  }
  return { folder, message, basis, labels };
}
