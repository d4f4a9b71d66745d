import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubKeys } from '../keys/hub-keys.js';
import type { Principal } from '../../server/contracts/principal.js';
import {
  dataServicesOf,
  issueAccessToken,
  TokenError,
  verifyAccessToken,
  type AccessTokenClaims,
  type TokenErrorReason,
} from './access-token.js';

const ISSUER = 'https://hub.example.org';
const AUDIENCE = 'https://hub.example.org/fhir';
const NOW = new Date('2025-03-01T10:00:00Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

const person: Omit<Principal, 'tokenId'> = {
  kind: 'person',
  clientId: 'pgo-1',
  patient: 'Patient/p1',
  dataServices: ['zorgplan', 'hulpmiddelen'],
  consent: 'Consent/c1',
};
const delegate: Omit<Principal, 'tokenId'> = {
  kind: 'delegate',
  clientId: 'pgo-1',
  patient: 'Patient/p1',
  actor: 'RelatedPerson/daughter',
  dataServices: ['leveringen'],
  consent: 'Consent/c2',
};
const system: Omit<Principal, 'tokenId'> = {
  kind: 'system',
  clientId: 'logistics-co',
  dataServices: ['leveringen'],
  role: 'logistics',
  organization: { system: 'urn:oid:1.3.160', value: '8712345678906' },
};
const scopes = { person: 'hub~zorgplan hub~hulpmiddelen', delegate: 'hub~leveringen', system: 'leveringen' };

let dir: string;
let keys: HubKeys;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'zorghub-at-'));
  keys = await HubKeys.open({ dataDir: dir });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const issue = (principal: Omit<Principal, 'tokenId'>, extra: { now?: Date; subject?: string } = {}) =>
  issueAccessToken(keys, {
    issuer: ISSUER,
    audience: AUDIENCE,
    now: extra.now ?? NOW,
    principal,
    scope: scopes[principal.kind],
    subject: extra.subject,
  });
const verify = (token: string, now: Date | number = NOW, more: { issuer?: string; audience?: string } = {}) =>
  verifyAccessToken(keys, token, { issuer: more.issuer ?? ISSUER, audience: more.audience ?? AUDIENCE, now });
async function refusal(
  token: string,
  now: Date | number = NOW,
  more: { issuer?: string; audience?: string } = {},
): Promise<TokenErrorReason> {
  const error = await verify(token, now, more).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(TokenError);
  return (error as TokenError).reason;
}
/** Claims signed as the hub would, but assembled by the test: for what issueAccessToken would never issue. */
async function signed(changes: Partial<Record<keyof AccessTokenClaims, unknown>>): Promise<string> {
  const { claims } = await issue(person);
  const payload: Record<string, unknown> = { ...claims, ...changes };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete payload[name];
  }
  return keys.sign(payload, { typ: 'at+jwt' });
}

describe('issueAccessToken and verifyAccessToken', () => {
  it.each([
    ['person', person],
    ['delegate', delegate],
    ['system', system],
  ] as const)('give back the same %s principal, with the jti as tokenId', async (_kind, principal) => {
    const { token, claims } = await issue(principal);
    const verified = await verify(token);
    expect(verified.principal).toEqual({ ...principal, tokenId: claims.jti });
    expect(verified.claims).toEqual(claims);
  });

  it('issue an at+jwt signed with the active key, living 15 minutes', async () => {
    const { token, claims } = await issue(person);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'RS256', kid: keys.activeKid, typ: 'at+jwt' });
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      iat: NOW.getTime() / 1000,
      exp: NOW.getTime() / 1000 + 900,
      client_id: 'pgo-1',
      kind: 'person',
    });
    expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await issue(person)).claims.jti).not.toBe(claims.jti);
  });

  it('use the patient, the actor or the client id as sub, or the pseudonym given', async () => {
    expect((await issue(person)).claims.sub).toBe('Patient/p1');
    expect((await issue(delegate)).claims.sub).toBe('RelatedPerson/daughter');
    expect((await issue(system)).claims.sub).toBe('logistics-co');
    expect((await issue(person, { subject: 'a1b2c3-pairwise' })).claims.sub).toBe('a1b2c3-pairwise');
  });

  it('accept now as epoch milliseconds', async () => {
    const { token } = await issueAccessToken(keys, {
      issuer: ISSUER,
      audience: AUDIENCE,
      now: NOW.getTime(),
      principal: person,
      scope: scopes.person,
    });
    expect((await verify(token, NOW.getTime())).principal.patient).toBe('Patient/p1');
    await expect(verify(token, NOW.getTime() / 1000)).rejects.toThrow(/epoch milliseconds/);
  });
});

describe('verifyAccessToken', () => {
  it('refuses an expired token, after the clock skew', async () => {
    const { token } = await issue(person);
    expect((await verify(token, at(900 + 29))).principal.kind).toBe('person');
    expect(await refusal(token, at(900 + 30))).toBe('expired');
  });

  it('refuses a token issued in the future, beyond the clock skew', async () => {
    const { token } = await issue(person, { now: at(60) });
    expect(await refusal(token)).toBe('not-yet-valid');
    expect((await verify(token, at(30))).principal.kind).toBe('person');
  });

  it('refuses a token before its nbf', async () => {
    expect(await refusal(await signed({ nbf: NOW.getTime() / 1000 + 120 }))).toBe('not-yet-valid');
  });

  it('refuses a token meant for another audience', async () => {
    const { token } = await issue(person);
    expect(await refusal(token, NOW, { audience: 'https://other.example.org/fhir' })).toBe('wrong-audience');
    expect((await verify(await signed({ aud: ['https://x.example.org', AUDIENCE] }))).claims.aud).toHaveLength(2);
  });

  it('refuses a token of another issuer', async () => {
    const { token } = await issue(person);
    expect(await refusal(token, NOW, { issuer: 'https://evil.example.org' })).toBe('wrong-issuer');
  });

  it('refuses a hub JWT that is not an access token (typ)', async () => {
    const { claims } = await issue(person);
    expect(await refusal(await keys.sign(claims, { typ: 'JWT' }))).toBe('wrong-type');
  });

  it('refuses a token whose signature fails, with the reason of HubKeys', async () => {
    const { token } = await issue(person);
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ ...(await issue(system)).claims })).toString('base64url');
    expect(await refusal(`${header}.${payload}.${signature}`)).toBe('bad-signature');
    expect(await refusal('garbage')).toBe('malformed');
  });

  it.each<[string, Partial<Record<keyof AccessTokenClaims, unknown>>]>([
    ['a person token without patient', { patient: undefined }],
    ['a person token without consent', { consent: undefined }],
    ['a person token with an actor', { actor: 'RelatedPerson/x' }],
    ['a person token with a role', { role: 'admin' }],
    ['a patient that is not a Patient reference', { patient: 'Practitioner/1' }],
    ['a BSN as sub', { sub: '999911120' }],
    ['a delegate token without actor', { kind: 'delegate' }],
    ['a system token with a patient', { kind: 'system', sub: 'pgo-1', role: 'supplier' }],
    ['a system token without role', { kind: 'system', sub: 'pgo-1', patient: undefined, consent: undefined }],
    [
      'a system token with an unknown role',
      { kind: 'system', sub: 'pgo-1', patient: undefined, consent: undefined, role: 'root' },
    ],
    [
      'a system token whose sub is not its client',
      { kind: 'system', sub: 'other', patient: undefined, consent: undefined, role: 'supplier' },
    ],
    ['an unknown kind', { kind: 'robot' }],
    ['no jti', { jti: undefined }],
    ['no exp', { exp: undefined }],
    ['exp as a string', { exp: '1740823200' }],
    ['an empty client_id', { client_id: '' }],
    [
      'an org without value',
      {
        kind: 'system',
        sub: 'pgo-1',
        patient: undefined,
        consent: undefined,
        role: 'supplier',
        org: { system: 'urn:oid:2.16.528.1.1007.3.3' },
      },
    ],
  ])('refuses %s as invalid claims', async (_case, changes) => {
    expect(await refusal(await signed(changes))).toBe('invalid-claims');
  });
});

describe('issueAccessToken', () => {
  it.each<[string, Omit<Principal, 'tokenId'>, string]>([
    ['a person without patient', { ...person, patient: undefined }, 'patient as Patient/<id>'],
    ['a delegate without actor', { ...delegate, actor: undefined }, 'actor as RelatedPerson/<id>'],
    ['a system client without role', { ...system, role: undefined }, 'needs a role'],
  ])('refuses to issue for %s', async (_case, principal, message) => {
    await expect(issue(principal)).rejects.toThrow(message);
  });

  it('refuses a BSN as subject', async () => {
    await expect(issue(person, { subject: '999911120' })).rejects.toThrow(/never a BSN/);
  });

  it('refuses data services that are not those of the scope', async () => {
    await expect(
      issueAccessToken(keys, {
        issuer: ISSUER,
        audience: AUDIENCE,
        now: NOW,
        principal: person,
        scope: 'hub~zorgplan',
      }),
    ).rejects.toThrow(/data services/);
  });

  it('refuses a lifetime longer than retired keys are kept', async () => {
    await expect(
      issueAccessToken(keys, {
        issuer: ISSUER,
        audience: AUDIENCE,
        now: NOW,
        principal: person,
        scope: scopes.person,
        lifetimeSeconds: 7200,
      }),
    ).rejects.toThrow(RangeError);
  });
});

describe('dataServicesOf', () => {
  it.each([
    ['hub~zorgplan hub~hulpmiddelen', ['zorgplan', 'hulpmiddelen']],
    ['  hub~zorgplan   hub~zorgplan ', ['zorgplan']],
    ['leveringen financiering', ['leveringen', 'financiering']],
    ['', []],
  ])('reads %j as %j', (scope, expected) => {
    expect(dataServicesOf(scope)).toEqual(expected);
  });
});
