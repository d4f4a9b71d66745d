import { describe, expect, it } from 'vitest';
import {
  checkClient,
  IDENTIFIER_SYSTEMS,
  isGln,
  validateClient,
  validateSecret,
  type ValidationContext,
} from './client-validation.js';
import type { RegisteredClient } from './registered-client.js';

const { ura, agb, gln, uzovi, gemeentecode } = IDENTIFIER_SYSTEMS;
const GLN = '8712345678906';

function pgo(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clientId: 'medmij.pgo.example.nl',
    name: 'Mijn PGO',
    kind: 'pgo',
    redirectUris: ['https://medmij.pgo.example.nl/callback'],
    publicClient: false,
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwksUri: 'https://medmij.pgo.example.nl/jwks.json',
    dataServices: ['basisgegevens', 'leveringen'],
    active: true,
    ...extra,
  };
}

function system(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clientId: 'ecd-thuiszorg',
    name: 'ECD Thuiszorg West',
    kind: 'system',
    role: 'care-provider',
    organization: { system: ura, value: '12345678' },
    redirectUris: [],
    publicClient: false,
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', use: 'sig' }] },
    // Valid for every role (role-scopes.test.ts checks the scopes role by role).
    dataServices: ['system/*.read'],
    active: true,
    ...extra,
  };
}

function paths(input: unknown, context?: ValidationContext): string[] {
  return validateClient(input, context).map((problem) => problem.path);
}

function messages(input: unknown, context?: ValidationContext): string {
  return validateClient(input, context)
    .map((problem) => problem.message)
    .join('\n');
}

describe('validateClient', () => {
  it('accepts a confidential PGO with a JWKS URL', () => {
    expect(validateClient(pgo())).toEqual([]);
  });

  it('accepts a public PGO with method none', () => {
    expect(validateClient(pgo({ publicClient: true, tokenEndpointAuthMethod: 'none', jwksUri: undefined }))).toEqual(
      [],
    );
  });

  it('accepts a system client with inline public keys', () => {
    expect(validateClient(system())).toEqual([]);
  });

  it('accepts a client_secret_basic client whose secret is given or stored', () => {
    const client = system({ tokenEndpointAuthMethod: 'client_secret_basic', jwks: undefined });
    expect(validateClient(client, { secret: 'new' })).toEqual([]);
    expect(validateClient(client, { secret: 'stored' })).toEqual([]);
  });

  it('says what a client is when the input is not an object', () => {
    expect(messages([])).toMatch(/a client is a JSON object/);
  });

  it('names every missing required field', () => {
    expect(paths({})).toEqual(
      expect.arrayContaining([
        'clientId',
        'name',
        'kind',
        'publicClient',
        'tokenEndpointAuthMethod',
        'active',
        'redirectUris',
        'dataServices',
      ]),
    );
  });

  it('refuses unknown fields, naming the known ones', () => {
    expect(validateClient(pgo({ redirectUri: 'https://x.example/cb' }))).toEqual([
      {
        path: 'redirectUri',
        message: expect.stringContaining('unknown field "redirectUri"; a client has clientId, name'),
      },
    ]);
  });

  it('treats null optional fields as absent', () => {
    expect(validateClient(pgo({ role: null, organization: null, jwks: null }))).toEqual([]);
  });

  it.each([
    ['', 'empty'],
    ['-starts-with-dash', 'a leading dash'],
    ['has space', 'a space'],
    ['a/b', 'a slash'],
    ['$import-medmij', 'a dollar sign'],
    ['x'.repeat(256), '256 characters'],
  ])('refuses client id %j (%s)', (clientId) => {
    expect(paths(pgo({ clientId }))).toEqual(['clientId']);
  });

  it.each([
    ['', /name is required/],
    ['   ', /name is required/],
    ['x'.repeat(101), /101 characters long; at most 100/],
    ['Mijn\nPGO', /control character/],
    [' Mijn PGO', /white space/],
  ])('refuses name %j', (name, message) => {
    expect(messages(pgo({ name }))).toMatch(message);
  });

  describe('redirect URIs', () => {
    it.each([
      'https://pgo.example.nl/cb',
      'https://pgo.example.nl:8443/oauth/callback?tenant=3',
      'http://127.0.0.1:5173/callback',
      'http://localhost/callback',
      'http://[::1]:8080/callback',
    ])('accepts %s', (uri) => {
      expect(validateClient(pgo({ redirectUris: [uri] }))).toEqual([]);
    });

    it.each([
      [
        'http://pgo.example.nl/cb',
        /must use https \(http is accepted only on 127.0.0.1, \[::1\] or localhost, for development\)/,
      ],
      ['https://pgo.example.nl/cb#frag', /has a fragment/],
      ['https://pgo.example.nl/cb#', /has a fragment/],
      ['https://*.example.nl/cb', /wildcard/],
      ['https://user:pw@pgo.example.nl/cb', /user name or password/],
      ['/callback', /not an absolute URL/],
      ['nl.pgo.app:/callback', /must use https/],
      ['javascript:alert(1)', /must use https/],
    ])('refuses %s', (uri, message) => {
      const problems = validateClient(pgo({ redirectUris: [uri] }));
      expect(problems).toHaveLength(1);
      expect(problems[0].path).toBe('redirectUris[0]');
      expect(problems[0].message).toMatch(message);
    });

    it('refuses http on loopback when development URIs are turned off', () => {
      expect(messages(pgo({ redirectUris: ['http://127.0.0.1/cb'] }), { allowHttpLoopback: false })).toMatch(
        /accepts https only/,
      );
    });

    it('refuses a PGO without any', () => {
      expect(messages(pgo({ redirectUris: [] }))).toMatch(/a PGO needs at least one redirect URI/);
    });

    it('refuses the same URI twice', () => {
      expect(paths(pgo({ redirectUris: ['https://a.example/cb', 'https://a.example/cb'] }))).toEqual([
        'redirectUris[1]',
      ]);
    });

    it('refuses a list that is not of strings', () => {
      expect(paths(pgo({ redirectUris: 'https://a.example/cb' }))).toEqual(['redirectUris']);
      expect(paths(pgo({ redirectUris: [42] }))).toEqual(['redirectUris[0]']);
    });
  });

  describe('data services', () => {
    it('refuses a data service the hub does not have, listing the known ones', () => {
      const problems = validateClient(pgo({ dataServices: ['basisgegevens', 'medicatie'] }));
      expect(problems).toEqual([
        {
          path: 'dataServices[1]',
          message:
            '"medicatie" is not a data service of the hub; known: basisgegevens, zorgplan, hulpmiddelen, leveringen, financiering, toegangslog',
        },
      ]);
    });

    it('accepts no data services (a client that can ask for nothing yet)', () => {
      expect(validateClient(pgo({ dataServices: [] }))).toEqual([]);
    });

    it("takes a system client's entries as scope tokens its role can use, refusing spaces and unknown words", () => {
      expect(
        validateClient(system({ dataServices: ['system/*.read', 'system/DeviceRequest.crus', 'hulpmiddelen'] })),
      ).toEqual([]);
      expect(paths(system({ dataServices: ['two words'] }))).toEqual(['dataServices[0]']);
      expect(messages(system({ dataServices: ['system/*.read', 'audit'] }))).toMatch(
        /^"audit" is not a scope the hub issues to a system client; role care-provider may register system\/<Type>/,
      );
    });

    it('refuses duplicates', () => {
      expect(paths(pgo({ dataServices: ['zorgplan', 'zorgplan'] }))).toEqual(['dataServices[1]']);
    });
  });

  describe('kind and role', () => {
    it('refuses a PGO with a role or organisation', () => {
      expect(paths(pgo({ role: 'care-provider', organization: { system: ura, value: '12345678' } }))).toEqual([
        'role',
        'organization',
      ]);
    });

    it('refuses a system client without a role, naming the roles', () => {
      expect(messages(system({ role: undefined }))).toMatch(
        /needs exactly one role: one of care-provider, supplier, logistics, financier, auditor, admin/,
      );
    });

    it('refuses a role that is not a SystemRole', () => {
      expect(messages(system({ role: 'doctor' }))).toMatch(/role "doctor" is not known/);
    });

    it('refuses a system client without an organisation, naming what its role takes', () => {
      expect(validateClient(system({ organization: undefined }))).toEqual([
        {
          path: 'organization',
          message: `a system client needs its organisation's identifier { system, value }; role care-provider takes URA (${ura}) or AGB (${agb})`,
        },
      ]);
    });

    it('refuses a public system client', () => {
      expect(messages(system({ publicClient: true, tokenEndpointAuthMethod: 'none', jwks: undefined }))).toMatch(
        /a system client must authenticate/,
      );
    });

    it('refuses an unknown kind', () => {
      expect(paths(pgo({ kind: 'app' }))).toContain('kind');
    });
  });

  describe('organisation identifier by role', () => {
    it.each([
      ['care-provider', ura, '12345678'],
      ['care-provider', agb, '01234567'],
      ['supplier', agb, '01234567'],
      ['supplier', gln, GLN],
      ['logistics', gln, GLN],
      ['financier', uzovi, '3311'],
      ['financier', gemeentecode, '0363'],
      ['auditor', ura, '12345678'],
      ['auditor', gln, GLN],
      ['admin', uzovi, '3311'],
      ['admin', gemeentecode, '0344'],
    ])('accepts a %s identified in %s', (role, system_, value) => {
      expect(validateClient(system({ role, organization: { system: system_, value } }))).toEqual([]);
    });

    it.each([
      [
        'care-provider',
        gln,
        GLN,
        /role care-provider takes an organisation identified by URA .* or AGB .*; not by GLN/,
      ],
      ['supplier', ura, '12345678', /role supplier takes an organisation identified by AGB .* or GLN .*; not by URA/],
      ['logistics', agb, '01234567', /role logistics takes an organisation identified by GLN .*; not by AGB/],
      [
        'financier',
        ura,
        '12345678',
        /role financier takes an organisation identified by UZOVI .* or CBS gemeentecode .*; not by URA/,
      ],
      [
        'auditor',
        'http://example.org/ids',
        '1',
        /role auditor takes an organisation identified by .*; "http:\/\/example.org\/ids" is not one of them/,
      ],
    ])('refuses a %s identified in %s', (role, system_, value, message) => {
      const problems = validateClient(system({ role, organization: { system: system_, value } }));
      expect(problems).toEqual([{ path: 'organization.system', message: expect.stringMatching(message) }]);
    });

    it.each([
      [ura, '1234567', /a URA number is 8 digits/],
      [agb, '0123456a', /an AGB code is 8 digits/],
      [uzovi, '33110', /a UZOVI code is 4 digits/],
      [gemeentecode, '363', /a CBS gemeentecode is 4 digits/],
      [gln, '8712345678900', /a GLN is 13 digits ending in its GS1 check digit/],
    ])('refuses a value in %s that is not in its format (%s)', (system_, value, message) => {
      const problems = validateClient(system({ role: 'admin', organization: { system: system_, value } }));
      expect(problems).toEqual([{ path: 'organization.value', message: expect.stringMatching(message) }]);
    });
  });

  describe('authentication', () => {
    it('refuses a public client with a method other than none', () => {
      expect(messages(pgo({ publicClient: true }))).toMatch(/a public client does not authenticate/);
    });

    it('refuses a confidential client with method none', () => {
      expect(messages(pgo({ tokenEndpointAuthMethod: 'none', jwksUri: undefined }))).toMatch(
        /a confidential client .* authenticates/,
      );
    });

    it('refuses client_secret_basic without a secret', () => {
      expect(validateClient(system({ tokenEndpointAuthMethod: 'client_secret_basic', jwks: undefined }))).toEqual([
        { path: 'secret', message: expect.stringMatching(/client_secret_basic needs a secret/) },
      ]);
    });

    it('refuses a new secret for a method that does not use one', () => {
      expect(messages(pgo(), { secret: 'new' })).toMatch(
        /a secret is only used with client_secret_basic, not with private_key_jwt/,
      );
    });

    it('refuses an active private_key_jwt client without keys, and accepts an inactive one', () => {
      expect(messages(pgo({ jwksUri: undefined }))).toMatch(/an active private_key_jwt client needs its public keys/);
      expect(validateClient(pgo({ jwksUri: undefined, active: false }))).toEqual([]);
    });

    it('refuses keys both inline and by URL', () => {
      expect(messages(system({ jwksUri: 'https://ecd.example.nl/jwks' }))).toMatch(
        /either inline \(jwks\) or by URL \(jwksUri\), not both/,
      );
    });

    it('refuses keys with a method that does not use them', () => {
      expect(messages(system({ tokenEndpointAuthMethod: 'client_secret_basic' }), { secret: 'new' })).toMatch(
        /keys are only used with private_key_jwt/,
      );
    });

    it('refuses a JWKS URL over http', () => {
      expect(paths(pgo({ jwksUri: 'http://pgo.example.nl/jwks' }))).toEqual(['jwksUri']);
    });

    it.each([
      [{ keys: [] }, 'jwks', /at least one public key/],
      [{ keys: [{ kty: 'RSA', n: 'n', e: 'AQAB', d: 'private' }] }, 'jwks.keys[0]', /private key material \(d\)/],
      [{ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, 'jwks.keys[0].kty', /symmetric key/],
      [{ keys: [{ kty: 'EC', use: 'enc' }] }, 'jwks.keys[0].use', /use is "sig" or absent/],
      [
        {
          keys: [
            { kty: 'EC', kid: 'a' },
            { kty: 'EC', kid: 'a' },
          ],
        },
        'jwks.keys[1].kid',
        /kid "a" is used by another key/,
      ],
      [{ keys: [{ n: 'n' }] }, 'jwks.keys[0].kty', /kty is required/],
    ])('refuses jwks %j', (jwks, path, message) => {
      expect(validateClient(system({ jwks }))).toEqual([{ path, message: expect.stringMatching(message) }]);
    });
  });

  it('reports every problem at once', () => {
    const problems = validateClient(
      pgo({ redirectUris: ['http://x.example/cb#a'], dataServices: ['medicatie'], role: 'admin', publicClient: true }),
    );
    expect(problems.map((problem) => problem.path)).toEqual([
      'redirectUris[0]',
      'role',
      'tokenEndpointAuthMethod',
      'dataServices[0]',
    ]);
  });
});

describe('checkClient', () => {
  it('returns the client with only its known fields and no nulls', () => {
    const { client } = checkClient(pgo({ role: null, jwks: null }));
    expect(client).toEqual<RegisteredClient>({
      clientId: 'medmij.pgo.example.nl',
      name: 'Mijn PGO',
      kind: 'pgo',
      redirectUris: ['https://medmij.pgo.example.nl/callback'],
      publicClient: false,
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwksUri: 'https://medmij.pgo.example.nl/jwks.json',
      dataServices: ['basisgegevens', 'leveringen'],
      active: true,
    });
  });

  it('returns no client when there is a problem', () => {
    expect(checkClient(pgo({ kind: 'x' })).client).toBeUndefined();
  });
});

describe('validateSecret', () => {
  it.each([
    ['x'.repeat(32), true],
    ['x'.repeat(31), false],
    ['x'.repeat(513), false],
    ['é'.repeat(40), false],
    [`${'x'.repeat(40)}\n`, false],
  ])('with %j: valid %s', (secret, valid) => {
    expect(validateSecret(secret).length === 0).toBe(valid);
  });
});

describe('isGln', () => {
  it.each([
    ['8712345678906', true],
    ['8712345678900', false],
    ['4012345000009', true],
    ['871234567890', false],
  ])('%s: %s', (value, valid) => {
    expect(isGln(value)).toBe(valid);
  });
});
