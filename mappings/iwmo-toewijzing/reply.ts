// The retour a sender of a WMO301 (WMO302-style) or WMO307 (WMO308-style) expects: the original header echoed with
// the retour's own identity and date, a RetourCode for the message and one per client. "Style": not validated
// against the official XSD; where the hub says why it refused, it adds Foutlocatie, Foutcode and Toelichting.
import { createHash } from 'node:crypto';
import type { AdapterReply, IngestOutcome, SourceMessage } from '../adapter.js';
import { BERICHT, RETOUR_CODE } from './code-maps.js';
import type { Header, IwmoMessage, MessageKind } from './model.js';
import { all, rootNode, textOf } from './navigate.js';
import { readHeader } from './parse.js';
import { amsterdamDate } from './values.js';
import { isXmlChar, readXml } from '../shared/xml.js';

interface Echo {
  readonly kind: MessageKind;
  readonly namespace?: string;
  readonly header?: Partial<Header>;
  readonly clients: readonly { readonly bsn: string; readonly at: string }[];
}

/** An element to write: `base` puts it in the basisschema namespace (CDT parts), else the retour's own. */
interface Out {
  readonly name: string;
  readonly base?: boolean;
  readonly text?: string;
  readonly children?: readonly (Out | undefined)[];
}

export function retour(
  message: SourceMessage,
  parsed: IwmoMessage | undefined,
  outcome: IngestOutcome,
  now: Date,
): AdapterReply {
  const echo: Echo = parsed
    ? {
        kind: parsed.kind,
        namespace: parsed.root.namespace,
        header: parsed.header,
        clients: parsed.clients.map((c) => ({ bsn: c.bsn.value, at: c.at })),
      }
    : leniently(message.raw);
  const bericht = BERICHT[echo.kind];
  const accepted = outcome.status === 'accepted';
  const fault = accepted ? undefined : echo.clients.find((c) => isWithin(outcome.location, c.at));
  const explanation = accepted
    ? []
    : [value('Foutlocatie', outcome.location), value('Foutcode', outcome.code), value('Toelichting', outcome.text)];
  const h = echo.header;
  const header: Out = {
    name: 'Header',
    children: [
      value('BerichtCode', bericht.retourCode),
      value('BerichtVersie', '3'),
      value('BerichtSubversie', h?.subversie?.value),
      value('Afzender', h?.afzender?.value),
      value('Ontvanger', h?.ontvanger?.value),
      group('BerichtIdentificatie', [
        value('Identificatie', h?.identificatie?.value, true),
        value('Dagtekening', h?.dagtekening?.value, true),
      ]),
      group('XsdVersie', [
        value('BasisschemaXsdVersie', h?.xsdVersie?.basisschema, true),
        value('BerichtXsdVersie', h?.xsdVersie?.bericht, true),
      ]),
      value('IdentificatieRetour', createHash('sha256').update(message.raw).digest('hex').slice(0, 12)),
      value('DagtekeningRetour', amsterdamDate(now)),
      retourCodes(accepted ? RETOUR_CODE.accepted : RETOUR_CODE.rejected),
      ...(fault ? [] : explanation),
    ],
  };
  const clients = echo.clients.map(
    (client): Out => ({
      name: 'Client',
      children: [
        value('Bsn', client.bsn),
        retourCodes(
          accepted ? RETOUR_CODE.accepted : client === fault ? RETOUR_CODE.rejected : RETOUR_CODE.notAssessed,
        ),
        ...(client === fault ? explanation : []),
      ],
    }),
  );
  const ns = namespaces(echo.namespace, bericht.retour);
  const root = write({ name: 'Bericht', children: [header, ...clients] }, ns, 0).replace(
    /^<([^>]+)>/,
    `<$1${ns.declarations}>`,
  );
  return { contentType: 'application/xml', body: `<?xml version="1.0" encoding="UTF-8"?>\n${root}` };
}

function value(name: string, text: string | undefined, base = false): Out | undefined {
  return text ? { name, text, base } : undefined;
}

function group(name: string, children: (Out | undefined)[]): Out | undefined {
  return children.some(Boolean) ? { name, children } : undefined;
}

function retourCodes(code: string): Out {
  return { name: 'RetourCodes', children: [{ name: 'RetourCode', text: code }] };
}

type Namespaces = { own: string; base: string; declarations: string };

function write(out: Out, ns: Namespaces, depth: number): string {
  const indent = '  '.repeat(depth);
  const name = `${out.base ? ns.base : ns.own}${out.name}`;
  if (out.text !== undefined) {
    return `${indent}<${name}>${escapeXml(out.text)}</${name}>\n`;
  }
  const inner = (out.children ?? [])
    .filter((c): c is Out => c !== undefined)
    .map((c) => write(c, ns, depth + 1))
    .join('');
  return `${indent}<${name}>\n${inner}${indent}</${name}>\n`;
}

/** The header and clients of a message that did not parse, as far as they can be read. */
function leniently(raw: string): Echo {
  try {
    const element = readXml(raw, 'iWmo');
    const root = rootNode(element);
    const header = readHeader(root);
    const kind: MessageKind =
      element.name === 'WMO307' || header?.berichtCode?.value === BERICHT.WMO307.code ? 'WMO307' : 'WMO301';
    const clients = all(root, ['Client']).flatMap((client) => {
      const bsn = textOf(client, ['Bsn']);
      return bsn ? [{ bsn: bsn.value, at: client.path }] : [];
    });
    return { kind, namespace: element.namespace || undefined, header, clients };
  } catch {
    // Not XML (or not even its header reads): a retour with the hub's reason and nothing to echo.
    return { kind: 'WMO301', clients: [] };
  }
}

/** The iStandaarden namespaces when the original used them (wmo301 -> wmo302, wmo307 -> wmo308); else none. */
function namespaces(original: string | undefined, retour: string): Namespaces {
  const match = original && /^(https?:\/\/www\.istandaarden\.nl\/iwmo\/[^/]+\/)wmo30[17]\/schema$/.exec(original);
  if (!match) {
    return { own: '', base: '', declarations: '' };
  }
  const own = retour.toLowerCase();
  return {
    own: `${own}:`,
    base: 'iwmo:',
    declarations: ` xmlns:${own}="${match[1]}${own}/schema" xmlns:iwmo="${match[1]}basisschema/schema"`,
  };
}

function isWithin(location: string | undefined, path: string): boolean {
  return location !== undefined && (location === path || location.startsWith(`${path}/`));
}

/** Markup escaped, and the characters XML 1.0 cannot hold (control characters) dropped. */
function escapeXml(text: string): string {
  return [...text]
    .filter((ch) => isXmlChar(ch.codePointAt(0) ?? 0))
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
