// The claim rules of verifyIdToken at their edges (clock skew, azp), with an in-memory key: no provider, no network.
// The attack cases over HTTP are in oidc-upstream.test.ts.
import jose from 'node-jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { OidcLoginError } from './oidc-error.js';
import { CLOCK_SKEW_SECONDS, verifyIdToken } from './oidc-id-token.js';
import type { KeySource } from './oidc-jwks.js';

const ISSUER = 'https://broker.test';
const CLIENT = 'zorghub';
const NONCE = 'n-0S6_WzA2Mj';
const NOW_S = 1_750_000_000;

let key: jose.JWK.Key;
const keys: KeySource = { keyFor: async () => key };

beforeAll(async () => {
  key = await jose.JWK.createKey('EC', 'P-256', { alg: 'ES256', use: 'sig' });
});

async function sign(changes: Record<string, unknown>): Promise<string> {
  const claims: Record<string, unknown> = {
    iss: ISSUER,
    aud: CLIENT,
    sub: 'subject-1',
    nonce: NONCE,
    iat: NOW_S,
    exp: NOW_S + 300,
    ...changes,
  };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete claims[name];
  }
  return (await jose.JWS.createSign({ format: 'compact', alg: 'ES256' }, key)
    .update(JSON.stringify(claims))
    .final()) as unknown as string;
}

async function reasonFor(token: string): Promise<string> {
  try {
    await verifyIdToken(token, keys, { issuer: ISSUER, clientId: CLIENT, nonce: NONCE, now: NOW_S * 1000 });
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(OidcLoginError);
    return (err as OidcLoginError).reason;
  }
}

describe('verifyIdToken', () => {
  it.each<[string, string, Record<string, unknown>]>([
    ['a token with all claims as expected', 'accepted', {}],
    [`exp ${CLOCK_SKEW_SECONDS - 1} s ago (within the skew)`, 'accepted', { exp: NOW_S - CLOCK_SKEW_SECONDS + 1 }],
    [`exp ${CLOCK_SKEW_SECONDS} s ago`, 'expired', { exp: NOW_S - CLOCK_SKEW_SECONDS }],
    [`iat ${CLOCK_SKEW_SECONDS} s ahead (within the skew)`, 'accepted', { iat: NOW_S + CLOCK_SKEW_SECONDS }],
    [`iat ${CLOCK_SKEW_SECONDS + 1} s ahead`, 'issued-in-future', { iat: NOW_S + CLOCK_SKEW_SECONDS + 1 }],
    ['nbf in the future', 'not-yet-valid', { nbf: NOW_S + 120 }],
    ['no exp', 'bad-id-token', { exp: undefined }],
    ['exp as a string', 'bad-id-token', { exp: String(NOW_S + 300) }],
    ['no iat', 'bad-id-token', { iat: undefined }],
    ['aud as an array with only our client', 'accepted', { aud: [CLIENT] }],
    ['several audiences with azp our client', 'accepted', { aud: [CLIENT, 'other'], azp: CLIENT }],
    ['several audiences without azp', 'wrong-audience', { aud: [CLIENT, 'other'] }],
    ['azp of another client', 'wrong-audience', { azp: 'other' }],
    ['aud of another client', 'wrong-audience', { aud: 'other' }],
    ['no aud', 'bad-id-token', { aud: undefined }],
    ['an issuer with a trailing slash', 'wrong-issuer', { iss: `${ISSUER}/` }],
    ['no nonce', 'nonce-mismatch', { nonce: undefined }],
    ['another nonce', 'nonce-mismatch', { nonce: 'other' }],
    ['no sub', 'bad-id-token', { sub: undefined }],
    ['an empty sub', 'bad-id-token', { sub: '' }],
  ])('%s: %s', async (_case, expected, changes) => {
    expect(await reasonFor(await sign(changes))).toBe(expected);
  });

  it.each([
    ['two parts', 'eyJhbGciOiJFUzI1NiJ9.e30'],
    ['a header that is not JSON', 'bm90LWpzb24.e30.c2ln'],
    ['padding characters', 'eyJhbGciOiJFUzI1NiJ9=.e30.c2ln'],
  ])('refuses a token with %s as bad-id-token', async (_case, token) => {
    expect(await reasonFor(token)).toBe('bad-id-token');
  });

  it('refuses a payload changed after signing as bad-signature', async () => {
    const [header, , signature] = (await sign({})).split('.');
    const forged = Buffer.from(
      JSON.stringify({ iss: ISSUER, aud: CLIENT, sub: 'someone-else', nonce: NONCE, iat: NOW_S, exp: NOW_S + 300 }),
    ).toString('base64url');
    expect(await reasonFor(`${header}.${forged}.${signature}`)).toBe('bad-signature');
  });

  it('refuses a token whose header names RS256 but is signed with the EC key as bad-signature', async () => {
    const [, payload, signature] = (await sign({})).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: key.kid })).toString('base64url');
    expect(await reasonFor(`${header}.${payload}.${signature}`)).toBe('bad-signature');
  });
});
