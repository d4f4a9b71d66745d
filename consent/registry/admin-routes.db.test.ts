// The admin API of the client registry on a bare fastify app: the admin check on every route, the CRUD contract,
// validation problems as OperationOutcome issues, media types, the MedMij import, and no secret in any answer.
import type { OperationOutcome } from '@medplum/fhirtypes';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { errors } from '../../server/errors.js';
import { ERROR_CODE_SYSTEM } from '../../server/fhir/outcome.js';
import { createTestDatabase } from '../../test/support/database.js';
import { adminClientRoutes } from './admin-routes.js';
import { ClientRegistry } from './client-registry.js';
import { IDENTIFIER_SYSTEMS } from './client-validation.js';

const { sql } = await createTestDatabase();
const registry = new ClientRegistry(sql);
const SECRET = 'admin-route-secret-0123456789-abcdefgh';

/** The admin check of these tests: `authorization: admin` passes, `user` is forbidden, nothing is a 401. */
const calls: string[] = [];
async function authorize(request: FastifyRequest): Promise<void> {
  calls.push(`${request.method} ${request.url}`);
  if (request.headers.authorization === 'admin') {
    return;
  }
  if (request.headers.authorization === undefined) {
    throw errors.invalidToken('No access token: send Authorization: Bearer <token>');
  }
  if (request.headers.authorization === 'broken') {
    throw new Error('the token store is down');
  }
  if (request.headers.authorization === 'plain-401') {
    throw Object.assign(new Error('no'), { statusCode: 401 });
  }
  throw errors.registryForbidden();
}

async function buildApp(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(adminClientRoutes, { registry, authorize });
  await app.ready();
  afterAll(() => app.close());
  return app;
}

const app = await buildApp();
const ADMIN = { authorization: 'admin' };

function pgo(clientId: string, extra: Record<string, unknown> = {}) {
  return {
    clientId,
    name: 'Mijn PGO',
    kind: 'pgo',
    redirectUris: [`https://${clientId}/callback`],
    publicClient: true,
    tokenEndpointAuthMethod: 'none',
    dataServices: ['basisgegevens'],
    active: true,
    ...extra,
  };
}

function ehr(clientId: string, extra: Record<string, unknown> = {}) {
  return {
    name: 'ECD Wijkverpleging',
    kind: 'system',
    role: 'care-provider',
    organization: { system: IDENTIFIER_SYSTEMS.ura, value: '87654321' },
    redirectUris: [],
    publicClient: false,
    tokenEndpointAuthMethod: 'client_secret_basic',
    dataServices: ['system/DeviceRequest.crus'],
    active: true,
    clientId,
    ...extra,
  };
}

function put(clientId: string, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'PUT',
    url: `/admin/clients/${encodeURIComponent(clientId)}`,
    headers: { ...ADMIN, 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function importList(xml: string, contentType = 'application/xml', headers: Record<string, string> = ADMIN) {
  return app.inject({
    method: 'POST',
    url: '/admin/clients/$import-medmij',
    headers: { ...headers, 'content-type': contentType },
    payload: xml,
  });
}

function hubCode(outcome: OperationOutcome): string | undefined {
  return outcome.issue[0].details?.coding?.find((coding) => coding.system === ERROR_CODE_SYSTEM)?.code;
}

const OCL = `<?xml version="1.0" encoding="UTF-8"?>
<OAuthclientlist xmlns="xmlns://afsprakenstelsel.medmij.nl/oauthclientlist/release2/">
  <Tijdstempel>2025-03-01T08:00:00Z</Tijdstempel>
  <Volgnummer>41</Volgnummer>
  <OAuthclients>
    <OAuthclient>
      <Hostname>medmij.deenigeechtepgo.nl</Hostname>
      <OAuthclientOrganisatienaam>De Enige Echte PGO</OAuthclientOrganisatienaam>
    </OAuthclient>
    <OAuthclient>
      <Hostname>pgocluster68.personalhealthprovider.net</Hostname>
      <OAuthclientOrganisatienaam>Unstealth Health Midden-Nederland</OAuthclientOrganisatienaam>
    </OAuthclient>
  </OAuthclients>
</OAuthclientlist>`;

describe('admin client routes: the admin check', () => {
  it.each([
    ['GET', '/admin/clients'],
    ['GET', '/admin/clients/x.example.nl'],
    ['PUT', '/admin/clients/x.example.nl'],
    ['DELETE', '/admin/clients/x.example.nl'],
    ['POST', '/admin/clients/$import-medmij'],
  ] as const)('runs on %s %s and answers its 401 with a Bearer challenge', async (method, url) => {
    calls.length = 0;
    const res = await app.inject({ method, url });
    expect(calls).toEqual([`${method} ${url}`]);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(hubCode(res.json())).toBe('HUB_ERR_AUTH_INVALID_TOKEN');
  });

  it('answers 403 HUB_ERR_REGISTRY_FORBIDDEN for a caller who is not an admin', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/clients', headers: { authorization: 'user' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().issue[0]).toMatchObject({
      severity: 'error',
      code: 'forbidden',
      diagnostics: 'Only an authenticated admin may manage OAuth clients',
    });
    expect(hubCode(res.json())).toBe('HUB_ERR_REGISTRY_FORBIDDEN');
  });

  it('refuses with 403 when the check fails without meaning to (an outage), never letting the caller through', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/clients', headers: { authorization: 'broken' } });
    expect(res.statusCode).toBe(403);
    expect(hubCode(res.json())).toBe('HUB_ERR_REGISTRY_FORBIDDEN');
  });

  it('turns a 401 without a hub code into HUB_ERR_AUTH_INVALID_TOKEN', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/clients', headers: { authorization: 'plain-401' } });
    expect(res.statusCode).toBe(401);
    expect(hubCode(res.json())).toBe('HUB_ERR_AUTH_INVALID_TOKEN');
  });

  it('refuses before the body is read: a broken body from a non-admin is a 403, not a 400', async () => {
    const res = await put('x.example.nl', '{ not json', { authorization: 'user' });
    expect(res.statusCode).toBe(403);
  });

  it('writes nothing for a caller it refuses', async () => {
    await put('refused.pgo.example.nl', pgo('refused.pgo.example.nl'), { authorization: 'user' });
    expect(await registry.get('refused.pgo.example.nl')).toBeUndefined();
  });
});

describe('PUT /admin/clients/:clientId', () => {
  it('adds a client: 201 with Location and the stored client', async () => {
    const res = await put('new.pgo.example.nl', pgo('new.pgo.example.nl'));
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe('/admin/clients/new.pgo.example.nl');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      ...pgo('new.pgo.example.nl'),
      hasSecret: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('replaces a client: 200', async () => {
    await put('replace.pgo.example.nl', pgo('replace.pgo.example.nl'));
    const res = await put('replace.pgo.example.nl', pgo('replace.pgo.example.nl', { name: 'Andere PGO' }));
    expect(res.statusCode).toBe(200);
    expect(res.json().name).toBe('Andere PGO');
  });

  it('takes the client id from the URL when the body leaves it out', async () => {
    const { clientId: _id, ...body } = pgo('from-url.pgo.example.nl');
    expect((await put('from-url.pgo.example.nl', body)).statusCode).toBe(201);
  });

  it('takes back what GET gave (read-only fields are ignored)', async () => {
    await put('roundtrip.pgo.example.nl', pgo('roundtrip.pgo.example.nl'));
    const got = await app.inject({ method: 'GET', url: '/admin/clients/roundtrip.pgo.example.nl', headers: ADMIN });
    const res = await put('roundtrip.pgo.example.nl', got.json());
    expect(res.statusCode).toBe(200);
    expect(res.json().updatedAt).toBe(got.json().updatedAt);
  });

  it('stores a secret hashed and never answers with it or its hash', async () => {
    const res = await put('ehr-secret', { ...ehr('ehr-secret'), secret: SECRET });
    expect(res.statusCode).toBe(201);
    expect(res.json().hasSecret).toBe(true);
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toMatch(/scrypt|secret_hash|"secret"/i);
    const list = await app.inject({ method: 'GET', url: '/admin/clients', headers: ADMIN });
    expect(list.body).not.toMatch(/scrypt|secret_hash|"secret"/i);
    expect(await registry.verifySecret('ehr-secret', SECRET)).toBe(true);
  });

  it('answers 400 with every validation problem as an issue naming its field', async () => {
    const res = await put(
      'bad.pgo.example.nl',
      pgo('bad.pgo.example.nl', {
        redirectUris: ['http://bad.pgo.example.nl/cb#x'],
        dataServices: ['medicatie'],
        role: 'admin',
      }),
    );
    expect(res.statusCode).toBe(400);
    const outcome = res.json() as OperationOutcome;
    expect(hubCode(outcome)).toBe('HUB_ERR_REGISTRY_INVALID_CLIENT');
    expect(outcome.issue[0].diagnostics).toMatch(
      /^OAuth client "bad.pgo.example.nl" is not valid: redirectUris\[0\]: /,
    );
    expect(outcome.issue.slice(1).map((issue) => [issue.expression?.[0], issue.diagnostics])).toEqual([
      [
        'redirectUris[0]',
        'a redirect URI "http://bad.pgo.example.nl/cb#x" has a fragment (#...); OAuth forbids fragments in redirect URIs (RFC 6749 §3.1.2)',
      ],
      ['role', 'a PGO has no role: its tokens act for a person; only system clients have one'],
      ['dataServices[0]', expect.stringMatching(/^"medicatie" is not a data service of the hub; known: basisgegevens/)],
    ]);
    expect(await registry.get('bad.pgo.example.nl')).toBeUndefined();
  });

  it('answers 400 for scopes the role can never use, naming each and what the role may register', async () => {
    const logistics = {
      organization: { system: IDENTIFIER_SYSTEMS.gln, value: '8712345678906' },
      role: 'logistics',
      secret: SECRET,
    };
    const log = await put(
      'logistics-log',
      ehr('logistics-log', { ...logistics, dataServices: ['toegangslog', 'system/*.*'] }),
    );
    expect(log.statusCode).toBe(400);
    expect(
      (log.json() as OperationOutcome).issue.slice(1).map((issue) => [issue.expression?.[0], issue.diagnostics]),
    ).toEqual([
      [
        'dataServices[0]',
        expect.stringMatching(/^"toegangslog" \(AuditEvent\) opens nothing role logistics's rules allow/),
      ],
      [
        'dataServices[1]',
        expect.stringMatching(
          /^"system\/\*\.\*" asks for what role logistics may never do .*; register system\/\*\.read or less$/,
        ),
      ],
    ]);
    const none = await put('logistics-none', ehr('logistics-none', { ...logistics, dataServices: [] }));
    expect(none.statusCode).toBe(400);
    expect(none.json().issue[1]).toMatchObject({
      expression: ['dataServices'],
      diagnostics: expect.stringMatching(/needs at least one scope/),
    });
    expect(await registry.get('logistics-log')).toBeUndefined();
  });

  it('answers 400 for client_secret_basic without a secret', async () => {
    const res = await put('ehr-no-secret', ehr('ehr-no-secret'));
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[1]).toMatchObject({ expression: ['secret'] });
  });

  it('answers 400 HUB_ERR_REGISTRY_CLIENT_ID_MISMATCH when the body names another client', async () => {
    const res = await put('one.pgo.example.nl', pgo('other.pgo.example.nl'));
    expect(res.statusCode).toBe(400);
    expect(hubCode(res.json())).toBe('HUB_ERR_REGISTRY_CLIENT_ID_MISMATCH');
  });

  it.each([
    ['not JSON', '{ "name": ', 'HUB_ERR_REST_INVALID_JSON'],
    ['a JSON list', '[]', 'HUB_ERR_REGISTRY_INVALID_CLIENT'],
    [
      'a secret that is not a string',
      JSON.stringify({ ...ehr('ehr-num'), secret: 42 }),
      'HUB_ERR_REGISTRY_INVALID_CLIENT',
    ],
  ])('answers 400 for a body that is %s', async (_case, body, code) => {
    const res = await put('ehr-num', body);
    expect(res.statusCode).toBe(400);
    expect(hubCode(res.json())).toBe(code);
  });

  it.each(['application/xml', 'text/plain'])('answers 415 for a %s body', async (contentType) => {
    const res = await put('x.pgo.example.nl', '<client/>', { 'content-type': contentType });
    expect(res.statusCode).toBe(415);
    expect(hubCode(res.json())).toBe('HUB_ERR_REGISTRY_UNSUPPORTED_MEDIA_TYPE');
    expect(res.json().issue[0].diagnostics).toBe(
      `Content-Type "${contentType}" is not accepted here; send application/json`,
    );
  });
});

describe('GET and DELETE /admin/clients', () => {
  it('lists the clients', async () => {
    await put('listed.pgo.example.nl', pgo('listed.pgo.example.nl'));
    const res = await app.inject({ method: 'GET', url: '/admin/clients', headers: ADMIN });
    expect(res.statusCode).toBe(200);
    expect(res.json().clients.map((client: { clientId: string }) => client.clientId)).toContain(
      'listed.pgo.example.nl',
    );
  });

  it('reads one client, and answers 404 HUB_ERR_REGISTRY_UNKNOWN_CLIENT for an unknown one', async () => {
    await put('read.pgo.example.nl', pgo('read.pgo.example.nl'));
    expect(
      (await app.inject({ method: 'GET', url: '/admin/clients/read.pgo.example.nl', headers: ADMIN })).json().name,
    ).toBe('Mijn PGO');
    const res = await app.inject({ method: 'GET', url: '/admin/clients/nobody.example.nl', headers: ADMIN });
    expect(res.statusCode).toBe(404);
    expect(hubCode(res.json())).toBe('HUB_ERR_REGISTRY_UNKNOWN_CLIENT');
  });

  it('deletes a client with 204, then answers 404 for it', async () => {
    await put('gone.pgo.example.nl', pgo('gone.pgo.example.nl'));
    const res = await app.inject({ method: 'DELETE', url: '/admin/clients/gone.pgo.example.nl', headers: ADMIN });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(
      (await app.inject({ method: 'GET', url: '/admin/clients/gone.pgo.example.nl', headers: ADMIN })).statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: 'DELETE', url: '/admin/clients/gone.pgo.example.nl', headers: ADMIN })).statusCode,
    ).toBe(404);
  });
});

describe('POST /admin/clients/$import-medmij', () => {
  it('imports the list and reports what it did', async () => {
    const res = await importList(OCL);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      volgnummer: 41,
      tijdstempel: '2025-03-01T08:00:00Z',
      added: 2,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      clients: [
        { clientId: 'medmij.deenigeechtepgo.nl', outcome: 'added' },
        { clientId: 'pgocluster68.personalhealthprovider.net', outcome: 'added' },
      ],
      notRead: [],
    });
    expect(await registry.get('pgocluster68.personalhealthprovider.net')).toMatchObject({
      name: 'Unstealth Health Midden-Nederland',
      active: false,
    });
  });

  it('is idempotent and accepts text/xml with a charset', async () => {
    await importList(OCL);
    const res = await importList(
      OCL.replace('Unstealth Health Midden-Nederland', 'Unstealth Health'),
      'text/xml; charset=utf-8',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ added: 0, updated: 1, unchanged: 1 });
  });

  it('answers 400 HUB_ERR_REGISTRY_INVALID_CLIENT_LIST with every problem, importing nothing', async () => {
    const xml = OCL.replace('medmij.deenigeechtepgo.nl', 'geen host naam')
      .replace('<Volgnummer>41</Volgnummer>', '')
      .replace('pgocluster68', 'nieuw68');
    const res = await importList(xml);
    expect(res.statusCode).toBe(400);
    const outcome = res.json() as OperationOutcome;
    expect(hubCode(outcome)).toBe('HUB_ERR_REGISTRY_INVALID_CLIENT_LIST');
    expect(outcome.issue.slice(1).map((issue) => issue.expression?.[0])).toEqual([
      'Volgnummer',
      'OAuthclients/OAuthclient[1]/Hostname',
    ]);
    expect(await registry.get('nieuw68.personalhealthprovider.net')).toBeUndefined();
  });

  it('answers 400 for XML that is not well-formed', async () => {
    const res = await importList('<OAuthclientlist>');
    expect(res.statusCode).toBe(400);
    expect(hubCode(res.json())).toBe('HUB_ERR_REGISTRY_INVALID_CLIENT_LIST');
  });

  it('answers 415 for a JSON body', async () => {
    const res = await importList('{}', 'application/json');
    expect(res.statusCode).toBe(415);
    expect(res.json().issue[0].diagnostics).toBe(
      'Content-Type "application/json" is not accepted here; send application/xml or text/xml',
    );
  });

  it('answers 403 for a caller who is not an admin, importing nothing', async () => {
    const res = await importList(
      OCL.replaceAll('medmij.deenigeechtepgo.nl', 'niet.pgo.example.nl'),
      'application/xml',
      { authorization: 'user' },
    );
    expect(res.statusCode).toBe(403);
    expect(await registry.get('niet.pgo.example.nl')).toBeUndefined();
  });
});
