import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jose from 'node-jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientAssertionError,
  MemoryReplayCache,
  verifyClientAssertion,
  type ClientAssertionReason,
  type VerifyClientAssertionOptions,
} from './client-assertion.js';
import { JwksCache } from './client-jwks.js';
import { newSecret } from './opaque.js';

const CLIENT = 'ehr-ziekenhuis';
const TOKEN_ENDPOINT = 'https://hub.example.org/oauth/token';
const NOW = new Date('2025-03-01T10:00:00Z');
const NOW_S = NOW.getTime() / 1000;
/** What RFC 6749 allows in error_description. */
const DESCRIPTION = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

const keys: Record<'RS256' | 'RS384' | 'ES256' | 'ES384' | 'other', jose.JWK.Key> = {} as never;
let inline: { keys: object[] };
beforeAll(async () => {
  keys.RS256 = await jose.JWK.createKey('RSA', 2048, { kid: 'rsa-1', use: 'sig' });
  keys.RS384 = keys.RS256;
  keys.ES256 = await jose.JWK.createKey('EC', 'P-256', { kid: 'ec-256', use: 'sig' });
  keys.ES384 = await jose.JWK.createKey('EC', 'P-384', { kid: 'ec-384', use: 'sig' });
  keys.other = await jose.JWK.createKey('RSA', 2048, { kid: 'not-registered', use: 'sig' });
  inline = { keys: [keys.RS256.toJSON(), keys.ES256.toJSON(), keys.ES384.toJSON()] };
});

type Claims = Record<string, unknown>;
function claims(changes: Claims = {}): Claims {
  const base: Claims = {
    iss: CLIENT,
    sub: CLIENT,
    aud: TOKEN_ENDPOINT,
    exp: NOW_S + 240,
    iat: NOW_S,
    jti: newSecret(16),
  };
  const merged = { ...base, ...changes };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}
async function assertion(
  changes: Claims = {},
  options: { alg?: string; key?: jose.JWK.Key; header?: Claims } = {},
): Promise<string> {
  const alg = options.alg ?? 'RS256';
  const key = options.key ?? keys[alg as keyof typeof keys];
  const fields = { alg, kid: key.kid, typ: 'JWT', ...options.header };
  return (await jose.JWS.createSign({ format: 'compact', fields }, key)
    .update(JSON.stringify(claims(changes)))
    .final()) as unknown as string;
}
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function options(more: Partial<VerifyClientAssertionOptions> = {}): VerifyClientAssertionOptions {
  return {
    clientId: CLIENT,
    tokenEndpoint: TOKEN_ENDPOINT,
    jwks: inline,
    now: NOW,
    replay: new MemoryReplayCache(() => NOW),
    ...more,
  };
}
async function refusal(
  token: string,
  more: Partial<VerifyClientAssertionOptions> = {},
): Promise<ClientAssertionReason> {
  const error = await verifyClientAssertion(token, options(more)).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ClientAssertionError);
  const refused = error as ClientAssertionError;
  expect(refused.error).toBe('invalid_client');
  expect(refused.description).toMatch(DESCRIPTION);
  return refused.reason;
}

describe('verifyClientAssertion with the client keys inline', () => {
  it.each(['RS256', 'RS384', 'ES256', 'ES384'])('accepts a valid %s assertion', async (alg) => {
    const token = await assertion({}, { alg });
    const verified = await verifyClientAssertion(token, options());
    expect(verified.header).toMatchObject({ alg, kid: keys[alg as keyof typeof keys].kid });
    expect(verified.claims).toMatchObject({ iss: CLIENT, sub: CLIENT, aud: TOKEN_ENDPOINT });
  });

  it('accepts an aud array that holds the token endpoint, and now as epoch milliseconds', async () => {
    const token = await assertion({ aud: ['https://other.example.org', TOKEN_ENDPOINT] });
    await expect(verifyClientAssertion(token, options({ now: NOW.getTime() }))).resolves.toBeDefined();
  });

  it('refuses a replayed jti', async () => {
    const replay = new MemoryReplayCache(() => NOW);
    const token = await assertion();
    await verifyClientAssertion(token, options({ replay }));
    expect(await refusal(token, { replay })).toBe('replayed');
  });

  it('does not use up a jti on an assertion it refuses', async () => {
    const replay = new MemoryReplayCache(() => NOW);
    const jti = newSecret(16);
    expect(await refusal(await assertion({ jti, aud: 'https://wrong.example.org' }), { replay })).toBe(
      'wrong-audience',
    );
    await expect(verifyClientAssertion(await assertion({ jti }), options({ replay }))).resolves.toBeDefined();
  });

  it('keeps the jti of one client apart from that of another', async () => {
    const replay = new MemoryReplayCache(() => NOW);
    const jti = newSecret(16);
    await verifyClientAssertion(await assertion({ jti }), options({ replay }));
    const other = await assertion({ jti, iss: 'other-client', sub: 'other-client' });
    await expect(verifyClientAssertion(other, options({ replay, clientId: 'other-client' }))).resolves.toBeDefined();
  });

  it.each<[string, () => Promise<string>, ClientAssertionReason]>([
    ['a wrong aud', () => assertion({ aud: 'https://hub.example.org/oauth/authorize' }), 'wrong-audience'],
    [
      'an aud array without the token endpoint',
      () => assertion({ aud: ['https://hub.example.org'] }),
      'wrong-audience',
    ],
    ['no aud', () => assertion({ aud: undefined }), 'wrong-audience'],
    ['exp more than five minutes ahead', () => assertion({ exp: NOW_S + 600 }), 'lifetime-too-long'],
    ['an expired assertion', () => assertion({ exp: NOW_S - 31 }), 'expired'],
    ['no exp', () => assertion({ exp: undefined }), 'missing-claim'],
    ['no jti', () => assertion({ jti: undefined }), 'missing-claim'],
    ['an iat in the future', () => assertion({ iat: NOW_S + 120 }), 'not-yet-valid'],
    ['iss other than sub', () => assertion({ sub: 'someone-else' }), 'wrong-subject'],
    ['iss of another client', () => assertion({ iss: 'someone-else', sub: 'someone-else' }), 'wrong-issuer'],
    ['alg none', async () => `${b64({ alg: 'none', kid: 'rsa-1' })}.${b64(claims())}.`, 'unsupported-alg'],
    [
      'HS256 with the client public key as secret',
      async () => {
        const input = `${b64({ alg: 'HS256', kid: 'rsa-1' })}.${b64(claims())}`;
        return `${input}.${createHmac('sha256', keys.RS256.toPEM(false)).update(input).digest('base64url')}`;
      },
      'unsupported-alg',
    ],
    ['PS256, which is not on the list', () => assertion({}, { alg: 'PS256', key: keys.RS256 }), 'unsupported-alg'],
    [
      'an RSA kid used with ES256',
      async () => `${b64({ alg: 'ES256', kid: 'rsa-1' })}.${b64(claims())}.c2ln`,
      'unsupported-alg',
    ],
    ['a key not in the client JWKS', () => assertion({}, { key: keys.other }), 'unknown-key'],
    [
      'another key under a registered kid',
      () => assertion({}, { key: keys.other, header: { kid: 'rsa-1' } }),
      'bad-signature',
    ],
    [
      'a key embedded in the header',
      () => assertion({}, { key: keys.other, header: { jwk: keys.other.toJSON() } }),
      'unknown-key',
    ],
    ['no kid', async () => `${b64({ alg: 'RS256' })}.${b64(claims())}.c2ln`, 'unknown-key'],
    ['garbage', async () => 'garbage', 'malformed'],
  ])('refuses %s', async (_case, make, reason) => {
    expect(await refusal(await make())).toBe(reason);
  });

  it('refuses when the client has no registered keys', async () => {
    expect(await refusal(await assertion(), { jwks: undefined, jwksUri: undefined })).toBe('no-client-keys');
  });
});

describe('verifyClientAssertion with a jwks_uri', () => {
  let server: Server;
  let base: string;
  let served: { keys: object[] };
  const requests: string[] = [];
  beforeAll(async () => {
    served = { keys: [keys.RS256.toJSON()] };
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      if (request.url === '/slow') {
        return; // never answers
      }
      if (request.url === '/broken') {
        response.writeHead(500).end('oops');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fetches the client keys over HTTP and keeps them five minutes', async () => {
    let clock = NOW;
    const jwksCache = new JwksCache({ clock: () => clock });
    const uri = `${base}/jwks-cached`;
    await verifyClientAssertion(await assertion(), options({ jwks: undefined, jwksUri: uri, jwksCache }));
    await verifyClientAssertion(await assertion(), options({ jwks: undefined, jwksUri: uri, jwksCache }));
    expect(requests.filter((url) => url === '/jwks-cached')).toHaveLength(1);
    clock = new Date(NOW.getTime() + 5 * 60_000);
    await verifyClientAssertion(await assertion(), options({ jwks: undefined, jwksUri: uri, jwksCache }));
    expect(requests.filter((url) => url === '/jwks-cached')).toHaveLength(2);
  });

  it('fetches again for an unknown kid once the set is a minute old (the client rotated)', async () => {
    let clock = NOW;
    const jwksCache = new JwksCache({ clock: () => clock });
    const uri = `${base}/jwks-rotating`;
    await verifyClientAssertion(await assertion(), options({ jwks: undefined, jwksUri: uri, jwksCache }));
    served = { keys: [keys.RS256.toJSON(), keys.ES256.toJSON()] };
    expect(await refusal(await assertion({}, { alg: 'ES256' }), { jwks: undefined, jwksUri: uri, jwksCache })).toBe(
      'unknown-key',
    );
    clock = new Date(NOW.getTime() + 61_000);
    await expect(
      verifyClientAssertion(
        await assertion({}, { alg: 'ES256' }),
        options({ jwks: undefined, jwksUri: uri, jwksCache }),
      ),
    ).resolves.toBeDefined();
    expect(requests.filter((url) => url === '/jwks-rotating')).toHaveLength(2);
  });

  it.each([
    ['answers 500', '/broken', {}],
    ['does not answer within the timeout', '/slow', { timeoutMs: 200 }],
    ['is plain http to another host', 'http://example.invalid/jwks', {}],
  ])('refuses when the jwks_uri %s', async (_case, where, cacheOptions) => {
    const jwksUri = where.startsWith('/') ? `${base}${where}` : where;
    expect(await refusal(await assertion(), { jwks: undefined, jwksUri, jwksCache: new JwksCache(cacheOptions) })).toBe(
      'jwks-unavailable',
    );
  });
});

describe('MemoryReplayCache', () => {
  it('forgets a jti once it has expired', () => {
    let now = NOW;
    const cache = new MemoryReplayCache(() => now);
    expect(cache.seen('a', NOW_S + 60)).toBe(false);
    expect(cache.seen('a', NOW_S + 60)).toBe(true);
    now = new Date(NOW.getTime() + 60_000);
    expect(cache.size).toBe(0);
    expect(cache.seen('a', NOW_S + 120)).toBe(false);
  });
});
