// Importing the MedMij OAuth client list into the registry: new PGOs inactive and keyless, re-imports that only
// update names, and counts of what happened.
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/database.js';
import { ClientRegistry } from './client-registry.js';
import { IDENTIFIER_SYSTEMS } from './client-validation.js';
import { importMedmijClientList, parseMedmijClientList } from './medmij-client-list.js';

const { sql } = await createTestDatabase();
const registry = new ClientRegistry(sql);

function ocl(volgnummer: number, clients: [string, string][]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAuthclientlist xmlns="xmlns://afsprakenstelsel.medmij.nl/oauthclientlist/release2/">
  <Tijdstempel>2025-03-01T08:00:00Z</Tijdstempel>
  <Volgnummer>${volgnummer}</Volgnummer>
  <OAuthclients>${clients
    .map(
      ([hostname, name]) => `
    <OAuthclient>
      <Hostname>${hostname}</Hostname>
      <OAuthclientOrganisatienaam>${name}</OAuthclientOrganisatienaam>
    </OAuthclient>`,
    )
    .join('')}
  </OAuthclients>
</OAuthclientlist>`;
}

function run(xml: string, options = {}) {
  return importMedmijClientList(registry, parseMedmijClientList(xml), options);
}

describe('importMedmijClientList', () => {
  it('adds each PGO by hostname: confidential, private_key_jwt, inactive, redirect URI from the template', async () => {
    const report = await run(
      ocl(1, [
        ['medmij.deenigeechtepgo.nl', 'De Enige Echte PGO'],
        ['pgo.gezondheid.example.nl', 'Gezond PGO'],
      ]),
    );
    expect(report).toMatchObject({
      volgnummer: 1,
      tijdstempel: '2025-03-01T08:00:00Z',
      added: 2,
      updated: 0,
      unchanged: 0,
      skipped: 0,
    });
    expect(await registry.get('medmij.deenigeechtepgo.nl')).toMatchObject({
      clientId: 'medmij.deenigeechtepgo.nl',
      name: 'De Enige Echte PGO',
      kind: 'pgo',
      redirectUris: ['https://medmij.deenigeechtepgo.nl/medmij/callback'],
      publicClient: false,
      tokenEndpointAuthMethod: 'private_key_jwt',
      dataServices: [],
      active: false,
      hasSecret: false,
    });
  });

  it('is idempotent: the same list again changes nothing', async () => {
    const xml = ocl(2, [['idem.pgo.example.nl', 'Idem PGO']]);
    await run(xml);
    const before = await registry.get('idem.pgo.example.nl');
    const report = await run(xml);
    expect(report).toMatchObject({ added: 0, updated: 0, unchanged: 1 });
    expect(await registry.get('idem.pgo.example.nl')).toEqual(before);
  });

  it('updates only the name of a known PGO, keeping the keys, redirect URIs, data services and activation the admin set', async () => {
    await run(ocl(3, [['kept.pgo.example.nl', 'Oude Naam']]));
    const activated = {
      ...(await registry.get('kept.pgo.example.nl'))!,
      redirectUris: ['https://kept.pgo.example.nl/oauth/cb'],
      jwksUri: 'https://kept.pgo.example.nl/jwks',
      dataServices: ['basisgegevens'],
      active: true,
    };
    const { hasSecret: _h, createdAt: _c, updatedAt: _u, ...fields } = activated;
    await registry.put(fields);
    const report = await run(ocl(4, [['kept.pgo.example.nl', 'Nieuwe Naam']]));
    expect(report.clients).toEqual([{ clientId: 'kept.pgo.example.nl', outcome: 'updated' }]);
    expect(await registry.get('kept.pgo.example.nl')).toMatchObject({ ...fields, name: 'Nieuwe Naam' });
  });

  it('skips a hostname that a system client holds, and reports PGOs the list does not name', async () => {
    await registry.put({
      clientId: 'ehr.example.nl',
      name: 'EHR',
      kind: 'system',
      role: 'care-provider',
      organization: { system: IDENTIFIER_SYSTEMS.ura, value: '12345678' },
      redirectUris: [],
      publicClient: false,
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwksUri: 'https://ehr.example.nl/jwks',
      dataServices: ['system/*.read'],
      active: true,
    });
    const report = await run(
      ocl(5, [
        ['ehr.example.nl', 'Geen PGO'],
        ['kept.pgo.example.nl', 'Nieuwe Naam'],
      ]),
    );
    expect(report.clients).toEqual([
      { clientId: 'ehr.example.nl', outcome: 'skipped', reason: 'a system client has this client id' },
      { clientId: 'kept.pgo.example.nl', outcome: 'unchanged' },
    ]);
    expect(report.skipped).toBe(1);
    expect(report.notListed).toEqual(expect.arrayContaining(['medmij.deenigeechtepgo.nl', 'idem.pgo.example.nl']));
    expect(report.notListed).not.toContain('ehr.example.nl');
    expect((await registry.get('ehr.example.nl'))?.name).toBe('EHR');
    expect(await registry.get('idem.pgo.example.nl')).toBeDefined();
  });

  it('takes the redirect URI template and data services from its options', async () => {
    await run(ocl(6, [['opties.pgo.example.nl', 'Opties']]), {
      redirectUriTemplate: 'https://{hostname}/oauth/return',
      dataServices: ['basisgegevens'],
    });
    expect(await registry.get('opties.pgo.example.nl')).toMatchObject({
      redirectUris: ['https://opties.pgo.example.nl/oauth/return'],
      dataServices: ['basisgegevens'],
    });
  });

  it('imports nothing when a new client would be invalid (a bad template or data service)', async () => {
    await expect(
      run(
        ocl(7, [
          ['a7.pgo.example.nl', 'A'],
          ['b7.pgo.example.nl', 'B'],
        ]),
        { dataServices: ['medicatie'] },
      ),
    ).rejects.toMatchObject({
      code: 'HUB_ERR_REGISTRY_INVALID_CLIENT',
    });
    await expect(
      run(ocl(7, [['c7.pgo.example.nl', 'C']]), { redirectUriTemplate: 'http://{hostname}/cb' }),
    ).rejects.toMatchObject({
      code: 'HUB_ERR_REGISTRY_INVALID_CLIENT',
    });
    expect(await registry.get('a7.pgo.example.nl')).toBeUndefined();
    expect(await registry.get('c7.pgo.example.nl')).toBeUndefined();
  });
});
