// The MedMij OAuth client list (OCL, MedMij_OAuthclientlist.xml) into the registry, as PGO clients.
//
// The shape, as MedMij publishes it (afsprakenstelsel release 1.x, namespace
// xmlns://afsprakenstelsel.medmij.nl/oauthclientlist/release2/; the example list MedMij_OAuthclientlist_example.xml
// that the OpenPGO building blocks test against):
//
//   <OAuthclientlist xmlns="xmlns://afsprakenstelsel.medmij.nl/oauthclientlist/release2/">
//     <Tijdstempel>2018-04-16T11:41:59Z</Tijdstempel>
//     <Volgnummer>522</Volgnummer>
//     <OAuthclients>
//       <OAuthclient>
//         <Hostname>medmij.deenigeechtepgo.nl</Hostname>
//         <OAuthclientOrganisatienaam>De Enige Echte PGO</OAuthclientOrganisatienaam>
//       </OAuthclient>
//     </OAuthclients>
//   </OAuthclientlist>
//
// Any `.../oauthclientlist/release<N>/` namespace is read (the elements above have kept their names). Other
// elements (later releases and extensions add e.g. Vertegenwoordiging and Interfaceversies with MedMij's numeric
// gegevensdienst ids, which are not the hub's data services) are not read; the result names them, so that an
// import says what it left out. MedMij asks receivers to refuse a list that is not valid: one bad entry refuses the
// whole list, with every problem listed, and nothing is imported.
//
// What an imported client becomes (the choices, since the list carries only a hostname and a name):
// - clientId = the hostname (lower case), name = OAuthclientOrganisatienaam; kind pgo, confidential.
// - redirectUris = [redirectUriTemplate with {hostname} replaced], default `https://{hostname}/medmij/callback`.
//   The registry matches redirect URIs exactly; MedMij only says a PGO's redirect URI is on its own hostname, so the
//   template is the PGO's real callback path where known, and the admin API corrects it per client.
// - tokenEndpointAuthMethod private_key_jwt, without keys, and active false: in MedMij a PGO authenticates with its
//   TLS client certificate for that hostname, which the hub does not terminate; the list carries no keys, so a
//   new client cannot authenticate until an admin adds its jwks or jwksUri and sets active (PUT /admin/clients/..).
//   No secret is generated: a secret in an import response would have to travel onwards by hand, for every PGO.
// - dataServices = the `dataServices` option, default none: the admin grants them when activating.
// - Re-importing is idempotent: an existing PGO gets only its name updated (registry.rename), so keys, secrets,
//   redirect URIs, data services and active stay as the admin set them. A client id held by a system client is
//   skipped. Clients missing from the list are reported (notListed), never removed or deactivated: whether a PGO
//   that left the list loses access is the admin's call.
import { errors, withIssues } from '../../server/errors.js';
import { parseXmlDocument, type XmlElement } from '../../server/fhir/xml/xml-tree.js';
import type { ClientRegistry } from './client-registry.js';
import { invalidClient } from './client-registry.js';
import { checkClient, validateName } from './client-validation.js';
import type { RegisteredClient } from './registered-client.js';

const MEDMIJ_OCL_NAMESPACE = 'xmlns://afsprakenstelsel.medmij.nl/oauthclientlist/release2/';
const OCL_NAMESPACE = /^xmlns:\/\/afsprakenstelsel\.medmij\.nl\/oauthclientlist\/release\d+\/$/;
const DEFAULT_REDIRECT_URI_TEMPLATE = 'https://{hostname}/medmij/callback';

interface MedmijOAuthClient {
  /** Lower case. */
  hostname: string;
  organisatienaam: string;
}

export interface MedmijClientList {
  namespace: string;
  tijdstempel: string;
  volgnummer: number;
  clients: MedmijOAuthClient[];
  /** Elements the import does not read, as `Parent/Child`, once each. */
  notRead: string[];
}

interface ListProblem {
  /** Where, as an element path: `OAuthclients/OAuthclient[2]/Hostname` (1-based, as XPath counts). */
  path: string;
  message: string;
}

/** Throws HUB_ERR_REGISTRY_INVALID_CLIENT_LIST with one issue per problem. */
export function parseMedmijClientList(xml: string): MedmijClientList {
  const problems: ListProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (/<!DOCTYPE/i.test(xml)) {
    throw invalidList([{ path: '', message: 'the list contains a DTD (<!DOCTYPE>); a MedMij list has none' }]);
  }
  let root: XmlElement;
  try {
    root = parseXmlDocument(xml);
  } catch (error) {
    throw invalidList([{ path: '', message: `the list is not well-formed XML: ${(error as Error).message}` }]);
  }
  if (root.localName !== 'OAuthclientlist' || !OCL_NAMESPACE.test(root.namespace)) {
    throw invalidList([
      {
        path: root.qualifiedName,
        message:
          `the root element is <${root.localName}> in namespace "${root.namespace}"; ` +
          `a MedMij OAuth client list is <OAuthclientlist> in ${MEDMIJ_OCL_NAMESPACE} (or another release)`,
      },
    ]);
  }
  const notRead = new Set<string>();
  const ns = root.namespace;
  const known = (element: XmlElement, names: string[], path: string) => {
    for (const child of elements(element)) {
      if (child.namespace !== ns || !names.includes(child.localName)) {
        notRead.add(`${path}/${child.localName}`);
      }
    }
  };
  known(root, ['Tijdstempel', 'Volgnummer', 'OAuthclients'], 'OAuthclientlist');

  const tijdstempel = single(root, ns, 'Tijdstempel', 'Tijdstempel', add);
  if (
    tijdstempel !== undefined &&
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(tijdstempel)
  ) {
    add('Tijdstempel', `"${tijdstempel}" is not a date and time (xs:dateTime, e.g. 2018-04-16T11:41:59Z)`);
  }
  const volgnummerText = single(root, ns, 'Volgnummer', 'Volgnummer', add);
  if (volgnummerText !== undefined && !/^\d{1,15}$/.test(volgnummerText)) {
    add('Volgnummer', `"${volgnummerText}" is not a sequence number (a whole number)`);
  }

  const lists = children(root, ns, 'OAuthclients');
  if (lists.length !== 1) {
    add('OAuthclients', `the list has ${lists.length} <OAuthclients> elements; it needs exactly one`);
  }
  const clients: MedmijOAuthClient[] = [];
  const seen = new Map<string, number>();
  if (lists.length === 1) {
    known(lists[0], ['OAuthclient'], 'OAuthclientlist/OAuthclients');
    children(lists[0], ns, 'OAuthclient').forEach((entry, index) => {
      const path = `OAuthclients/OAuthclient[${index + 1}]`;
      known(entry, ['Hostname', 'OAuthclientOrganisatienaam'], 'OAuthclient');
      const hostname = single(entry, ns, 'Hostname', `${path}/Hostname`, add)?.toLowerCase();
      const name = single(entry, ns, 'OAuthclientOrganisatienaam', `${path}/OAuthclientOrganisatienaam`, add);
      if (hostname !== undefined) {
        if (!isHostname(hostname)) {
          add(`${path}/Hostname`, `"${hostname}" is not a hostname (DNS labels of a-z, 0-9 and -, separated by dots)`);
        } else if (seen.has(hostname)) {
          add(
            `${path}/Hostname`,
            `"${hostname}" is also OAuthclient[${seen.get(hostname)}]; a hostname is listed once`,
          );
        } else {
          seen.set(hostname, index + 1);
        }
      }
      if (name !== undefined) {
        for (const problem of validateName(name)) {
          add(`${path}/OAuthclientOrganisatienaam`, problem.message.replace(/^name/, 'the organisation name'));
        }
      }
      if (hostname !== undefined && name !== undefined) {
        clients.push({ hostname, organisatienaam: name });
      }
    });
  }
  if (problems.length > 0) {
    throw invalidList(problems);
  }
  return {
    namespace: ns,
    tijdstempel: tijdstempel!,
    volgnummer: Number(volgnummerText),
    clients,
    notRead: [...notRead],
  };
}

export interface MedmijImportOptions {
  /** The one redirect URI of a new client; `{hostname}` is replaced (default `https://{hostname}/medmij/callback`). */
  redirectUriTemplate?: string;
  /** The data services a new client may ask for (default none). */
  dataServices?: string[];
}

type ImportOutcome = 'added' | 'updated' | 'unchanged' | 'skipped';

export interface MedmijImportReport {
  volgnummer: number;
  tijdstempel: string;
  added: number;
  updated: number;
  unchanged: number;
  skipped: number;
  clients: { clientId: string; outcome: ImportOutcome; reason?: string }[];
  /** PGO clients of the registry that the list does not name (left as they are). */
  notListed: string[];
  /** Elements of the list that were not read. */
  notRead: string[];
}

export async function importMedmijClientList(
  registry: ClientRegistry,
  list: MedmijClientList,
  options: MedmijImportOptions = {},
): Promise<MedmijImportReport> {
  const existing = new Map((await registry.list()).map((client) => [client.clientId, client]));
  const template = options.redirectUriTemplate ?? DEFAULT_REDIRECT_URI_TEMPLATE;
  // Every new client is checked before anything is written, so a bad template or data service imports nothing.
  const additions = list.clients
    .filter((entry) => !existing.has(entry.hostname))
    .map((entry) => newClient(entry, template, options.dataServices ?? []));
  for (const client of additions) {
    const checked = checkClient(client);
    if (checked.problems.length > 0) {
      throw invalidClient(client.clientId, checked.problems);
    }
  }
  const report: MedmijImportReport = {
    volgnummer: list.volgnummer,
    tijdstempel: list.tijdstempel,
    added: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    clients: [],
    notListed: [],
    notRead: list.notRead,
  };
  const record = (clientId: string, outcome: ImportOutcome, reason?: string) => {
    report[outcome]++;
    report.clients.push({ clientId, outcome, ...(reason ? { reason } : {}) });
  };
  for (const entry of list.clients) {
    const current = existing.get(entry.hostname);
    if (!current) {
      const { outcome } = await registry.put(newClient(entry, template, options.dataServices ?? []));
      record(entry.hostname, outcome);
    } else if (current.kind !== 'pgo') {
      record(entry.hostname, 'skipped', 'a system client has this client id');
    } else if (current.name === entry.organisatienaam) {
      record(entry.hostname, 'unchanged');
    } else {
      const renamed = await registry.rename(entry.hostname, entry.organisatienaam);
      record(
        entry.hostname,
        renamed ? 'updated' : 'skipped',
        renamed ? undefined : 'the client was deleted during the import',
      );
    }
  }
  const listed = new Set(list.clients.map((entry) => entry.hostname));
  report.notListed = [...existing.values()]
    .filter((client) => client.kind === 'pgo' && !listed.has(client.clientId))
    .map((client) => client.clientId);
  return report;
}

function newClient(entry: MedmijOAuthClient, template: string, dataServices: string[]): RegisteredClient {
  return {
    clientId: entry.hostname,
    name: entry.organisatienaam,
    kind: 'pgo',
    redirectUris: [template.replaceAll('{hostname}', entry.hostname)],
    publicClient: false,
    tokenEndpointAuthMethod: 'private_key_jwt',
    dataServices: [...dataServices],
    active: false,
  };
}

function invalidList(problems: ListProblem[]) {
  const summary = problems
    .map((problem) => (problem.path ? `${problem.path}: ${problem.message}` : problem.message))
    .join('; ');
  return withIssues(
    errors.registryInvalidClientList(summary),
    problems.map((problem) => ({
      severity: 'error' as const,
      code: 'invalid' as const,
      diagnostics: problem.message,
      ...(problem.path ? { expression: [problem.path] } : {}),
    })),
  );
}

function elements(element: XmlElement): XmlElement[] {
  return element.children.filter((child): child is XmlElement => child.kind === 'element');
}

function children(element: XmlElement, namespace: string, localName: string): XmlElement[] {
  return elements(element).filter((child) => child.namespace === namespace && child.localName === localName);
}

/** The trimmed text of the one child element of that name, or a problem when there is none, several, or no text. */
function single(
  element: XmlElement,
  namespace: string,
  localName: string,
  path: string,
  add: (path: string, message: string) => void,
): string | undefined {
  const found = children(element, namespace, localName);
  if (found.length !== 1) {
    add(
      path,
      found.length === 0
        ? `<${localName}> is missing`
        : `<${localName}> is given ${found.length} times; once is allowed`,
    );
    return undefined;
  }
  if (found[0].children.some((child) => child.kind === 'element')) {
    add(path, `<${localName}> holds elements; it holds text only`);
    return undefined;
  }
  const text = found[0].children
    .map((child) => (child.kind === 'text' ? child.text : ''))
    .join('')
    .trim();
  if (text === '') {
    add(path, `<${localName}> is empty`);
    return undefined;
  }
  return text;
}

function isHostname(value: string): boolean {
  return value.length <= 253 && /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/.test(value);
}
