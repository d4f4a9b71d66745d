// The WMO302- / WMO308-style retour, read back with the adapter's own XML reader.
import { describe, expect, it } from 'vitest';
import type { IngestOutcome } from '../adapter.js';
import { all, type Node, one, rootNode, textOf } from './navigate.js';
import { adapter, fixture, run } from './test-support.js';
import { readXml } from '../shared/xml.js';

async function reply(body: string, outcome: IngestOutcome): Promise<{ root: Node; namespace?: string; body: string }> {
  const [result] = await run(body);
  const answer = adapter.respond!(result.message, result.parsed, outcome);
  expect(answer.contentType).toBe('application/xml');
  const element = readXml(answer.body, 'iWmo');
  return { root: rootNode(element), namespace: element.namespace || undefined, body: answer.body };
}

const value = (node: Node | undefined, path: string): string | undefined => {
  const names = path.split('/');
  let at = node;
  for (const name of names.slice(0, -1)) at = one(at, [name]);
  return textOf(at, [names[names.length - 1]])?.value;
};

const clientCodes = (root: Node) =>
  all(root, ['Client']).map((c) => [value(c, 'Bsn'), value(c, 'RetourCodes/RetourCode'), value(c, 'Foutlocatie')]);

describe('the retour', () => {
  it('accepts a WMO301 with a WMO302-style retour: the header echoed, 0200 for the message and every client', async () => {
    const { root, namespace } = await reply(fixture('wmo301-complete'), { status: 'accepted' });
    expect(namespace).toBe('http://www.istandaarden.nl/iwmo/3_2/wmo302/schema');
    const header = one(root, ['Header']);
    expect(value(header, 'BerichtCode')).toBe('415');
    expect(value(header, 'BerichtSubversie')).toBe('2');
    expect(value(header, 'Afzender')).toBe('0344');
    expect(value(header, 'Ontvanger')).toBe('73730801');
    expect(value(header, 'BerichtIdentificatie/Identificatie')).toBe('UTR2025-0311');
    expect(value(header, 'BerichtIdentificatie/Dagtekening')).toBe('2025-03-14');
    expect(value(header, 'XsdVersie/BerichtXsdVersie')).toBe('1.0.0');
    expect(value(header, 'IdentificatieRetour')).toMatch(/^[0-9a-f]{12}$/);
    expect(value(header, 'DagtekeningRetour')).toBe('2025-10-03');
    expect(value(header, 'RetourCodes/RetourCode')).toBe('0200');
    expect(clientCodes(root)).toEqual([
      ['999993653', '0200', undefined],
      ['999991693', '0200', undefined],
    ]);
  });

  it('rejects with 0001 at the client the fault is in, 0233 (not assessed) for the others, and says where', async () => {
    const { root } = await reply(fixture('wmo301-bad-bsn'), {
      status: 'rejected',
      code: 'HUB_ERR_MAPPING',
      text: 'Bsn "999991694" is not a BSN',
      location: '/Bericht/Client[2]/Bsn',
    });
    expect(value(one(root, ['Header']), 'RetourCodes/RetourCode')).toBe('0001');
    expect(value(one(root, ['Header']), 'Foutlocatie')).toBeUndefined();
    expect(clientCodes(root)).toEqual([
      ['999993653', '0233', undefined],
      ['999991694', '0001', '/Bericht/Client[2]/Bsn'],
    ]);
    const faulty = all(root, ['Client'])[1];
    expect(value(faulty, 'Foutcode')).toBe('HUB_ERR_MAPPING');
    expect(value(faulty, 'Toelichting')).toBe('Bsn "999991694" is not a BSN');
  });

  it('puts a fault outside any client in the header', async () => {
    const { root } = await reply(fixture('wmo301-complete'), {
      status: 'error',
      text: 'the hub could not store the message',
    });
    const header = one(root, ['Header']);
    expect(value(header, 'RetourCodes/RetourCode')).toBe('0001');
    expect(value(header, 'Toelichting')).toBe('the hub could not store the message');
    expect(clientCodes(root).map((c) => c[1])).toEqual(['0233', '0233']);
  });

  it('answers a WMO307 with a WMO308-style retour', async () => {
    const { root, namespace } = await reply(fixture('wmo307-stop'), { status: 'accepted' });
    expect(namespace).toBe('http://www.istandaarden.nl/iwmo/3_2/wmo308/schema');
    expect(value(one(root, ['Header']), 'BerichtCode')).toBe('421');
    expect(value(one(root, ['Header']), 'Afzender')).toBe('73730801');
  });

  it('writes no namespace when the original had none', async () => {
    const { namespace, body } = await reply(fixture('wmo301-variant-no-namespace'), { status: 'accepted' });
    expect(namespace).toBeUndefined();
    expect(body).not.toContain(':Header');
  });

  it('echoes what it can read of a message that did not parse', async () => {
    const body = fixture('wmo301-minimal').replace('<BerichtVersie>3', '<BerichtVersie>2');
    const { root } = await reply(body, {
      status: 'rejected',
      text: 'BerichtVersie 2: this adapter reads iWmo 3.x',
      location: '/Bericht/Header/BerichtVersie',
    });
    const header = one(root, ['Header']);
    expect(value(header, 'BerichtIdentificatie/Identificatie')).toBe('A2025-118734');
    expect(value(header, 'Foutlocatie')).toBe('/Bericht/Header/BerichtVersie');
    expect(clientCodes(root)).toEqual([['999997336', '0233', undefined]]);
  });

  it('still answers a body that is not XML, and escapes what it echoes', async () => {
    const { root } = await reply(fixture('broken-not-well-formed'), {
      status: 'rejected',
      text: 'Expected closing tag <Naam> & more',
      location: 'line 16',
    });
    const header = one(root, ['Header']);
    expect(value(header, 'BerichtCode')).toBe('415');
    expect(value(header, 'Toelichting')).toBe('Expected closing tag <Naam> & more');
    expect(all(root, ['Client'])).toEqual([]);
  });
});
