import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { HubError } from '../../server/errors.js';
import { parseMedmijClientList } from './medmij-client-list.js';

const NS = 'xmlns://afsprakenstelsel.medmij.nl/oauthclientlist/release2/';

function list(
  clients: string,
  head = '<Tijdstempel>2018-04-16T11:41:59Z</Tijdstempel>\n  <Volgnummer>522</Volgnummer>',
  ns = NS,
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!--File version: 2-->
<OAuthclientlist xmlns="${ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${ns} MedMij_OAuthclientlist.xsd">
  ${head}
  <OAuthclients>${clients}
  </OAuthclients>
</OAuthclientlist>`;
}

function client(hostname: string, name: string, extra = ''): string {
  return `
    <OAuthclient>
      <Hostname>${hostname}</Hostname>
      <OAuthclientOrganisatienaam>${name}</OAuthclientOrganisatienaam>${extra}
    </OAuthclient>`;
}

function refusal(xml: string): { code: string; message: string; issues: OperationOutcomeIssue[] } {
  try {
    parseMedmijClientList(xml);
  } catch (error) {
    const hub = error as HubError;
    return { code: hub.code, message: hub.message, issues: hub.issues ?? [] };
  }
  throw new Error('the list was accepted');
}

describe('parseMedmijClientList', () => {
  it("reads MedMij's example list: sequence number, time stamp, hostnames and names", () => {
    const parsed = parseMedmijClientList(
      list(
        client('medmij.deenigeechtepgo.nl', 'De Enige Echte PGO') +
          client('pgocluster68.personalhealthprovider.net', 'Unstealth Health Midden-Nederland'),
      ),
    );
    expect(parsed).toEqual({
      namespace: NS,
      tijdstempel: '2018-04-16T11:41:59Z',
      volgnummer: 522,
      clients: [
        { hostname: 'medmij.deenigeechtepgo.nl', organisatienaam: 'De Enige Echte PGO' },
        { hostname: 'pgocluster68.personalhealthprovider.net', organisatienaam: 'Unstealth Health Midden-Nederland' },
      ],
      notRead: [],
    });
  });

  it("reads a later release's namespace and a prefixed document", () => {
    const later = parseMedmijClientList(
      list(client('a.example.nl', 'A'), undefined, 'xmlns://afsprakenstelsel.medmij.nl/oauthclientlist/release3/'),
    );
    expect(later.clients).toHaveLength(1);
    const prefixed =
      parseMedmijClientList(`<ocl:OAuthclientlist xmlns:ocl="${NS}"><ocl:Tijdstempel>2024-01-01T00:00:00Z</ocl:Tijdstempel>
      <ocl:Volgnummer>1</ocl:Volgnummer><ocl:OAuthclients><ocl:OAuthclient><ocl:Hostname>b.example.nl</ocl:Hostname>
      <ocl:OAuthclientOrganisatienaam>B &amp; Zn</ocl:OAuthclientOrganisatienaam></ocl:OAuthclient></ocl:OAuthclients></ocl:OAuthclientlist>`);
    expect(prefixed.clients).toEqual([{ hostname: 'b.example.nl', organisatienaam: 'B & Zn' }]);
  });

  it('lower-cases hostnames and trims text', () => {
    const parsed = parseMedmijClientList(list(client(' MedMij.PGO.Example.NL ', '  Mijn PGO  ')));
    expect(parsed.clients).toEqual([{ hostname: 'medmij.pgo.example.nl', organisatienaam: 'Mijn PGO' }]);
  });

  it('names the elements it does not read (the Vertegenwoordiging extension, interface versions)', () => {
    const extension = `
      <Vertegenwoordiging>onbehalfof</Vertegenwoordiging>
      <Interfaceversies><Interfaceversie><InterfaceversieId>1.5.0</InterfaceversieId></Interfaceversie></Interfaceversies>`;
    const parsed = parseMedmijClientList(list(client('a.example.nl', 'A', extension)));
    expect(parsed.notRead).toEqual(['OAuthclient/Vertegenwoordiging', 'OAuthclient/Interfaceversies']);
  });

  it('reads an empty list', () => {
    expect(parseMedmijClientList(list('')).clients).toEqual([]);
  });

  it('refuses XML that is not well-formed', () => {
    const { code, message } = refusal('<OAuthclientlist><OAuthclients></OAuthclientlist>');
    expect(code).toBe('HUB_ERR_REGISTRY_INVALID_CLIENT_LIST');
    expect(message).toMatch(/not well-formed XML/);
  });

  it('refuses a DTD (no entity expansion)', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>${list(client('a.example.nl', '&a;'))}`;
    expect(refusal(xml).message).toMatch(/contains a DTD/);
  });

  it('refuses another root or namespace', () => {
    expect(refusal(list('', undefined, 'xmlns://afsprakenstelsel.medmij.nl/whitelist/release2/')).message).toMatch(
      /root element is <OAuthclientlist> in namespace "xmlns:\/\/afsprakenstelsel.medmij.nl\/whitelist\/release2\/"/,
    );
    expect(refusal(`<Whitelist xmlns="${NS}"/>`).message).toMatch(/root element is <Whitelist>/);
  });

  it('refuses the whole list for one bad entry, listing every problem with its element', () => {
    const { issues } = refusal(
      list(
        client('a.example.nl', 'A') +
          client('not a host', 'B') +
          client('a.example.nl', 'A again') +
          '<OAuthclient><Hostname>c.example.nl</Hostname></OAuthclient>' +
          client('d.example.nl', 'x'.repeat(101)),
        '<Volgnummer>twee</Volgnummer>',
      ),
    );
    expect(issues.map((issue) => [issue.expression?.[0], issue.diagnostics])).toEqual([
      ['Tijdstempel', '<Tijdstempel> is missing'],
      ['Volgnummer', '"twee" is not a sequence number (a whole number)'],
      [
        'OAuthclients/OAuthclient[2]/Hostname',
        '"not a host" is not a hostname (DNS labels of a-z, 0-9 and -, separated by dots)',
      ],
      ['OAuthclients/OAuthclient[3]/Hostname', '"a.example.nl" is also OAuthclient[1]; a hostname is listed once'],
      ['OAuthclients/OAuthclient[4]/OAuthclientOrganisatienaam', '<OAuthclientOrganisatienaam> is missing'],
      [
        'OAuthclients/OAuthclient[5]/OAuthclientOrganisatienaam',
        'the organisation name is 101 characters long; at most 100',
      ],
    ]);
  });

  it.each(['a..example.nl', '-a.example.nl', 'a-.example.nl', 'localhost', 'a.example.nl/path', 'a_b.example.nl'])(
    'refuses hostname %s',
    (hostname) => {
      expect(refusal(list(client(hostname, 'A'))).issues[0].expression).toEqual([
        'OAuthclients/OAuthclient[1]/Hostname',
      ]);
    },
  );
});
