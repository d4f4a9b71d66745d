// One WMO301 or WMO307 read into the model. Only structure is checked here (stage parse: is this a message of this
// kind, with the elements every later step needs); values are checked where they are mapped.
import { MappingError } from '../adapter.js';
import { BERICHT, OTHER_BERICHT_CODES } from './code-maps.js';
import type { Header, IwmoMessage, MessageKind, StopClient, StopProduct, ToewijzingClient } from './model.js';
import { all, codeOf, type Node, one, required, rootNode, textOf } from './navigate.js';
import { readContacts, readPerson, readProduct } from './parse-client.js';
import { readXml } from '../shared/xml.js';

const ROOTS = ['Bericht', 'WMO301', 'WMO307'];

export function parseMessage(raw: string): IwmoMessage {
  const element = readXml(raw, 'iWmo');
  const root = rootNode(element);
  if (!ROOTS.includes(element.name)) {
    throw new MappingError(
      root.path,
      `the root element is ${element.name}; an iWmo WMO301 or WMO307 has the root Bericht (or WMO301, WMO307)`,
      'parse',
    );
  }
  const fields = readHeader(root);
  if (!fields) {
    throw new MappingError(`${root.path}/Header`, 'the message has no Header', 'parse');
  }
  const header: Header = {
    ...fields,
    afzender: required(fields.afzender, `${fields.at}/Afzender`, 'Afzender'),
    ontvanger: required(fields.ontvanger, `${fields.at}/Ontvanger`, 'Ontvanger'),
    identificatie: required(
      fields.identificatie,
      `${fields.at}/BerichtIdentificatie/Identificatie`,
      'The message identity (IdentificatieBericht, or BerichtIdentificatie/Identificatie)',
    ),
    dagtekening: required(
      fields.dagtekening,
      `${fields.at}/BerichtIdentificatie/Dagtekening`,
      'The Dagtekening (Dagtekening, or BerichtIdentificatie/Dagtekening)',
    ),
  };
  if (header.versie && header.versie.value !== '3') {
    throw new MappingError(
      header.versie.at,
      `BerichtVersie ${header.versie.value}: this adapter reads iWmo 3.x`,
      'parse',
    );
  }
  const kind = kindOf(root, header);
  const clientNodes = all(root, ['Client']);
  if (clientNodes.length === 0) {
    throw new MappingError(`${root.path}/Client`, 'the message has no Client', 'parse');
  }
  const base = { root: { name: element.name, namespace: element.namespace || undefined }, header };
  return kind === 'WMO301'
    ? { ...base, kind, clients: clientNodes.map(readToewijzingClient) }
    : { ...base, kind, clients: clientNodes.map(readStopClient) };
}

/** The header fields that are present (the retour of a refused message echoes what it can). */
export function readHeader(root: Node): (Partial<Header> & { at: string }) | undefined {
  const header = one(root, ['Header']);
  if (!header) {
    return undefined;
  }
  const identification = one(header, ['BerichtIdentificatie']);
  const xsd = one(header, ['XsdVersie']);
  const basisschema = textOf(xsd, ['BasisschemaXsdVersie'])?.value;
  const bericht = textOf(xsd, ['BerichtXsdVersie'])?.value;
  return {
    at: header.path,
    berichtCode: textOf(header, ['BerichtCode']),
    versie: textOf(header, ['BerichtVersie']),
    subversie: textOf(header, ['BerichtSubversie']),
    afzender: codeOf(one(header, ['Afzender'])),
    ontvanger: codeOf(one(header, ['Ontvanger'])),
    identificatie:
      textOf(header, ['IdentificatieBericht', 'Identificatie']) ?? textOf(identification, ['Identificatie']),
    dagtekening: textOf(header, ['Dagtekening', 'DagtekeningBericht']) ?? textOf(identification, ['Dagtekening']),
    xsdVersie: basisschema || bericht ? { basisschema, bericht } : undefined,
  };
}

function kindOf(root: Node, header: Header): MessageKind {
  const byRoot = root.element.name === 'Bericht' ? undefined : (root.element.name as MessageKind);
  const code = header.berichtCode;
  let byCode: MessageKind | undefined;
  if (code) {
    byCode = code.value === BERICHT.WMO301.code ? 'WMO301' : code.value === BERICHT.WMO307.code ? 'WMO307' : undefined;
    if (!byCode) {
      const other = OTHER_BERICHT_CODES[code.value];
      throw new MappingError(
        code.at,
        `BerichtCode ${code.value}${other ? ` is a ${other}` : ' is not an iWmo message code'}; this adapter reads WMO301 (414) and WMO307 (420)`,
        'parse',
      );
    }
  }
  if (byRoot && byCode && byRoot !== byCode) {
    throw new MappingError(
      code!.at,
      `BerichtCode ${code!.value} is a ${byCode}, but the root element is ${byRoot}`,
      'parse',
    );
  }
  const kind = byCode ?? byRoot;
  if (!kind) {
    throw new MappingError(`${header.at}/BerichtCode`, 'BerichtCode is missing: 414 (WMO301) or 420 (WMO307)', 'parse');
  }
  return kind;
}

/** Products wrapped (ToegewezenProducten/ToegewezenProduct, 3.2) or directly under Client (earlier 3.x forms). */
function wrappedOrDirect(client: Node, wrapper: string, item: string): Node[] {
  const found = [...all(client, [item]), ...all(one(client, [wrapper]), [item])];
  if (found.length === 0) {
    throw new MappingError(`${client.path}/${wrapper}`, `${client.path} has no ${item}`, 'parse');
  }
  return found;
}

function readToewijzingClient(client: Node): ToewijzingClient {
  const products = wrappedOrDirect(client, 'ToegewezenProducten', 'ToegewezenProduct').map((node) => {
    const omvang = one(node, ['Omvang']);
    const toewijzingNummer = textOf(node, ['ToewijzingNummer']);
    const ingangsdatum = textOf(node, ['ToewijzingIngangsdatum', 'Ingangsdatum']);
    return {
      at: node.path,
      toewijzingNummer: required(toewijzingNummer, `${node.path}/ToewijzingNummer`, 'ToewijzingNummer'),
      product: readProduct(node),
      ingangsdatum: required(
        ingangsdatum,
        `${node.path}/Ingangsdatum`,
        'The start date (Ingangsdatum or ToewijzingIngangsdatum)',
      ),
      einddatum: textOf(node, ['ToewijzingEinddatum', 'Einddatum']),
      reden: textOf(node, ['RedenWijziging', 'Reden']),
      omvang: omvang && {
        volume: textOf(omvang, ['Volume']),
        eenheid: textOf(omvang, ['Eenheid']),
        frequentie: textOf(omvang, ['Frequentie']),
      },
    };
  });
  const contactgegevens = one(client, ['Contactgegevens']);
  return {
    ...readPerson(client),
    ...readContacts(client, contactgegevens),
    contactsAt: contactgegevens?.path ?? `${client.path}/Contactgegevens`,
    products,
  };
}

function readStopClient(client: Node): StopClient {
  const products = wrappedOrDirect(client, 'StopProducten', 'StopProduct').map(
    (node): StopProduct => ({
      at: node.path,
      toewijzingNummer: textOf(node, ['ToewijzingNummer']),
      product: readProduct(node),
      toewijzingIngangsdatum: textOf(node, ['ToewijzingIngangsdatum']),
      einddatum: required(textOf(node, ['Einddatum']), `${node.path}/Einddatum`, 'Einddatum'),
      redenBeeindiging: textOf(node, ['RedenBeeindiging', 'Reden']),
      statusAanlevering: textOf(node, ['StatusAanlevering']),
    }),
  );
  return { ...readPerson(client), products };
}
