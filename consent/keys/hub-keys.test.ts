import { createHmac, createPrivateKey, sign as rsaSign } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import jose from 'node-jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubKeys } from './hub-keys.js';
import { keyFilePath, type KeyFile } from './key-file.js';
import { TokenError, type TokenErrorReason } from './token-error.js';

const folders: string[] = [];
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zorghub-keys-'));
  folders.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** A token assembled by hand, as an attacker would. */
function craft(header: object, payload: object, signature = ''): string {
  return `${b64(header)}.${b64(payload)}.${signature}`;
}
async function refusal(keys: HubKeys, token: string, options?: { typ?: string }): Promise<TokenErrorReason> {
  const error = await keys.verify(token, options).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(TokenError);
  return (error as TokenError).reason;
}

/** A clock the test moves by hand. */
function clock(start = '2025-03-01T10:00:00Z') {
  let now = new Date(start);
  return {
    now: () => now,
    advance(seconds: number) {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };
}

describe('HubKeys.open', () => {
  it('generates an RS256 key on first start and reopens it from disk with the same kid', async () => {
    const dir = await dataDir();
    const first = await HubKeys.open({ dataDir: dir });
    const again = await HubKeys.open({ dataDir: dir });
    expect(again.activeKid).toBe(first.activeKid);
    expect(first.jwks().keys).toEqual([
      expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: first.activeKid }),
    ]);
    expect(await again.verify(await first.sign({ hello: 'world' }))).toMatchObject({ payload: { hello: 'world' } });
  });

  it('uses the RFC 7638 thumbprint as kid', async () => {
    const keys = await HubKeys.open({ dataDir: await dataDir() });
    const key = await jose.JWK.asKey(keys.jwks().keys[0] as object);
    expect(((await key.thumbprint('SHA-256')) as unknown as Buffer).toString('base64url')).toBe(keys.activeKid);
  });

  it('keeps the key file at mode 0600 in a folder of mode 0700', async () => {
    const dir = await dataDir();
    await HubKeys.open({ dataDir: dir });
    expect((await stat(keyFilePath(dir))).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(keyFilePath(dir)))).mode & 0o777).toBe(0o700);
  });

  it('stores entries with the private JWK, kid, alg and createdAt', async () => {
    const dir = await dataDir();
    const c = clock();
    const keys = await HubKeys.open({ dataDir: dir, now: c.now });
    const file = JSON.parse(await readFile(keyFilePath(dir), 'utf8')) as KeyFile;
    expect(file).toMatchObject({ format: 'zorghub-signing-keys', version: 1 });
    expect(file.keys).toEqual([
      {
        kid: keys.activeKid,
        alg: 'RS256',
        createdAt: '2025-03-01T10:00:00.000Z',
        jwk: expect.objectContaining({ d: expect.any(String) }),
      },
    ]);
  });

  it('generates ES256 keys when asked', async () => {
    const keys = await HubKeys.open({ dataDir: await dataDir(), alg: 'ES256' });
    expect(keys.jwks().keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    const token = await keys.sign({ a: 1 });
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'ES256',
      kid: keys.activeKid,
      typ: 'JWT',
    });
    expect((await keys.verify(token)).payload).toEqual({ a: 1 });
  });

  it('refuses a key file that others can read', async () => {
    const dir = await dataDir();
    await HubKeys.open({ dataDir: dir });
    await chmod(keyFilePath(dir), 0o644);
    await expect(HubKeys.open({ dataDir: dir })).rejects.toThrow(/readable by others/);
  });

  it('refuses a key file that does not parse instead of replacing the keys', async () => {
    const dir = await dataDir();
    await HubKeys.open({ dataDir: dir });
    await writeFile(keyFilePath(dir), '{ "format": ', { mode: 0o600 });
    await expect(HubKeys.open({ dataDir: dir })).rejects.toThrow(/not JSON/);
  });

  it('agrees on one key when two processes start on an empty folder together', async () => {
    const dir = await dataDir();
    const [a, b] = await Promise.all([HubKeys.open({ dataDir: dir }), HubKeys.open({ dataDir: dir })]);
    expect(a.activeKid).toBe(b.activeKid);
  });
});

describe('HubKeys.rotate', () => {
  it('still verifies tokens signed before the rotation', async () => {
    const keys = await HubKeys.open({ dataDir: await dataDir() });
    const old = await keys.sign({ n: 1 });
    await keys.rotate();
    expect((await keys.verify(old)).payload).toEqual({ n: 1 });
  });

  it('signs with the new kid after the rotation', async () => {
    const keys = await HubKeys.open({ dataDir: await dataDir() });
    const before = keys.activeKid;
    await keys.rotate();
    const token = await keys.sign({ n: 2 });
    expect(keys.activeKid).not.toBe(before);
    expect((await keys.verify(token)).header.kid).toBe(keys.activeKid);
    expect(keys.jwks().keys.map((key) => key.kid)).toEqual([keys.activeKid, before]);
  });

  it('persists the rotation: a reopened set signs with the new key and verifies with the old one', async () => {
    const dir = await dataDir();
    const keys = await HubKeys.open({ dataDir: dir });
    const old = await keys.sign({ n: 3 });
    await keys.rotate();
    const reopened = await HubKeys.open({ dataDir: dir });
    expect(reopened.activeKid).toBe(keys.activeKid);
    expect((await reopened.verify(old)).payload).toEqual({ n: 3 });
    const file = JSON.parse(await readFile(keyFilePath(dir), 'utf8')) as KeyFile;
    expect(file.keys.map((entry) => entry.retiredAt === undefined)).toEqual([true, false]);
  });

  it('prunes keys retired longer than the token lifetime at the next rotation', async () => {
    const c = clock();
    const keys = await HubKeys.open({ dataDir: await dataDir(), now: c.now, maxTokenLifetimeSeconds: 3600 });
    const first = keys.activeKid;
    await keys.rotate();
    const second = keys.activeKid;
    c.advance(3599);
    await keys.rotate();
    expect(keys.jwks().keys.map((key) => key.kid)).toEqual([keys.activeKid, second, first]);
    c.advance(2);
    await keys.rotate();
    expect(keys.jwks().keys.map((key) => key.kid)).not.toContain(first);
    expect(keys.jwks().keys).toHaveLength(3);
  });

  it('prunes keys retired longer than the token lifetime at open', async () => {
    const dir = await dataDir();
    const c = clock();
    const keys = await HubKeys.open({ dataDir: dir, now: c.now });
    const old = await keys.sign({ n: 4 });
    await keys.rotate();
    c.advance(3601);
    const reopened = await HubKeys.open({ dataDir: dir, now: c.now });
    expect(reopened.jwks().keys.map((key) => key.kid)).toEqual([keys.activeKid]);
    expect(await refusal(reopened, old)).toBe('unknown-key');
    const file = JSON.parse(await readFile(keyFilePath(dir), 'utf8')) as KeyFile;
    expect(file.keys).toHaveLength(1);
  });

  it('keeps a key that another process added since it opened the set', async () => {
    const dir = await dataDir();
    const [a, b] = [await HubKeys.open({ dataDir: dir }), await HubKeys.open({ dataDir: dir })];
    await a.rotate();
    await b.rotate();
    expect(b.jwks().keys.map((key) => key.kid)).toEqual([b.activeKid, a.activeKid, expect.any(String)]);
    expect((await HubKeys.open({ dataDir: dir })).jwks().keys).toHaveLength(3);
  });

  it('keeps every key when rotations run concurrently', async () => {
    const keys = await HubKeys.open({ dataDir: await dataDir() });
    await Promise.all([keys.rotate(), keys.rotate()]);
    expect(keys.jwks().keys).toHaveLength(3);
  });
});

describe('HubKeys.jwks', () => {
  it('publishes active and retired public keys without private members', async () => {
    const keys = await HubKeys.open({ dataDir: await dataDir() });
    await keys.rotate();
    const { keys: published } = keys.jwks();
    expect(published).toHaveLength(2);
    for (const key of published) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
        expect(key).not.toHaveProperty(member);
      }
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    }
  });
});

describe('HubKeys.verify', () => {
  let keys: HubKeys;
  let dir: string;
  let token: string;
  const payload = { sub: 'Patient/1', scope: 'hub~zorgplan' };
  beforeAll(async () => {
    dir = await dataDir();
    keys = await HubKeys.open({ dataDir: dir });
    token = await keys.sign(payload, { typ: 'at+jwt' });
  });
  const kid = () => keys.activeKid;
  const [header, body, signature] = [0, 1, 2].map((index) => () => token.split('.')[index]!);

  it('returns the header { alg, kid, typ } and the payload of a token the hub signed', async () => {
    expect(await keys.verify(token, { typ: 'at+jwt' })).toEqual({
      header: { alg: 'RS256', kid: kid(), typ: 'at+jwt' },
      payload,
    });
  });

  it('refuses an alg none token', async () => {
    expect(await refusal(keys, craft({ alg: 'none' }, payload))).toBe('unsupported-alg');
    expect(await refusal(keys, craft({ alg: 'none', kid: kid(), typ: 'at+jwt' }, payload))).toBe('unsupported-alg');
    expect(await refusal(keys, craft({ alg: 'NONE', kid: kid() }, payload, signature()))).toBe('unsupported-alg');
  });

  it('refuses an HS256 token signed with the public key as secret (algorithm confusion)', async () => {
    const jwk = keys.jwks().keys[0]!;
    const pem = (await jose.JWK.asKey(jwk as object)).toPEM(false);
    for (const secret of [pem, JSON.stringify(jwk)]) {
      const input = `${b64({ alg: 'HS256', kid: kid(), typ: 'at+jwt' })}.${b64(payload)}`;
      const forged = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      expect(await refusal(keys, forged)).toBe('unsupported-alg');
    }
  });

  it('refuses a token signed by the hub key with another algorithm than the key has', async () => {
    const file = JSON.parse(await readFile(keyFilePath(dir), 'utf8')) as KeyFile;
    const privateKey = createPrivateKey({ key: file.keys[0]!.jwk, format: 'jwk' });
    const input = `${b64({ alg: 'RS384', kid: kid() })}.${b64(payload)}`;
    const signed = `${input}.${rsaSign('sha384', Buffer.from(input), privateKey).toString('base64url')}`;
    expect(await refusal(keys, signed)).toBe('unsupported-alg');
    expect(await refusal(keys, craft({ alg: 'ES256', kid: kid() }, payload, signature()))).toBe('unsupported-alg');
  });

  it('refuses a token signed by another key under the hub kid', async () => {
    const other = await jose.JWK.createKey('RSA', 2048, { alg: 'RS256', use: 'sig' });
    const forged = (await jose.JWS.createSign(
      { format: 'compact', fields: { alg: 'RS256', kid: kid(), typ: 'at+jwt' } },
      other,
    )
      .update(JSON.stringify(payload))
      .final()) as unknown as string;
    expect(await refusal(keys, forged)).toBe('bad-signature');
  });

  it('refuses a token that brings its own key in the header', async () => {
    const other = await jose.JWK.createKey('RSA', 2048, { alg: 'RS256', use: 'sig' });
    const fields = { alg: 'RS256', kid: other.kid, typ: 'at+jwt', jwk: other.toJSON() };
    const forged = (await jose.JWS.createSign({ format: 'compact', fields }, other)
      .update(JSON.stringify(payload))
      .final()) as unknown as string;
    expect(await refusal(keys, forged)).toBe('unknown-key');
  });

  it('refuses a tampered payload', async () => {
    const tampered = `${header()}.${b64({ ...payload, sub: 'Patient/2' })}.${signature()}`;
    expect(await refusal(keys, tampered)).toBe('bad-signature');
  });

  it('refuses a token with its signature cut short', async () => {
    expect(await refusal(keys, token.slice(0, -10))).toBe('bad-signature');
    expect(await refusal(keys, `${header()}.${body()}.`)).toBe('bad-signature');
  });

  it.each([
    ['a token cut off after the payload', () => `${header()}.${body()}`],
    ['a token cut off inside the header', () => header().slice(0, 20)],
    ['the empty string', () => ''],
    ['garbage', () => 'not a token at all'],
    ['three dots of garbage', () => 'a.b.c'],
    ['a header that is not JSON', () => `${b64('{alg')}.${body()}.${signature()}`],
    ['a header that is an array', () => `${b64(['RS256'])}.${body()}.${signature()}`],
    ['a payload that is not JSON', () => `${header()}.${b64('nope')}.${signature()}`],
    ['padding in a part', () => `${header()}=.${body()}.${signature()}`],
    ['a JSON serialization', () => JSON.stringify({ protected: header(), payload: body(), signature: signature() })],
    ['a crit header', () => craft({ alg: 'RS256', kid: kid(), crit: ['exp'], exp: 1 }, payload, signature())],
    ['a megabyte token', () => `${header()}.${'A'.repeat(1_000_000)}.${signature()}`],
  ])('refuses %s as malformed', async (_case, make) => {
    expect(await refusal(keys, make())).toBe('malformed');
  });

  it('refuses a token without kid or with an unknown kid', async () => {
    expect(await refusal(keys, craft({ alg: 'RS256' }, payload, signature()))).toBe('unknown-key');
    expect(await refusal(keys, craft({ alg: 'RS256', kid: 'someone-else' }, payload, signature()))).toBe('unknown-key');
  });

  it('refuses a token of another typ when a typ is asked for', async () => {
    const plain = await keys.sign(payload);
    expect(await refusal(keys, plain, { typ: 'at+jwt' })).toBe('wrong-type');
    expect((await keys.verify(token, { typ: 'application/AT+JWT' })).payload).toEqual(payload);
  });
});

describe('HubKeys.fromJwks', () => {
  /** A private JWK as an operator would configure it: kid only when given. */
  async function privateJwk(kty: 'RSA' | 'EC', props: { kid?: string } = {}) {
    const key =
      kty === 'RSA' ? await jose.JWK.createKey('RSA', 2048, props) : await jose.JWK.createKey('EC', 'P-256', props);
    const { kid, ...jwk } = key.toJSON(true) as Record<string, unknown>;
    return props.kid ? { ...jwk, kid } : jwk;
  }

  let oldJwk: Record<string, unknown>;
  beforeAll(async () => {
    oldJwk = await privateJwk('EC');
  });

  it('signs with the first configured key and verifies with the others, read from a file', async () => {
    const old = await (await HubKeys.fromJwks({ keys: [oldJwk] })).sign({ n: 1 });
    const file = path.join(await dataDir(), 'jwks.json');
    await writeFile(file, JSON.stringify({ keys: [await privateJwk('RSA', { kid: 'hub-2025' }), oldJwk] }));
    const keys = await HubKeys.fromJwks(file);
    expect(keys.activeKid).toBe('hub-2025');
    expect(keys.jwks().keys.map((key) => key.alg)).toEqual(['RS256', 'ES256']);
    expect((await keys.verify(old)).payload).toEqual({ n: 1 });
    expect((await keys.verify(await keys.sign({ n: 2 }))).header.kid).toBe('hub-2025');
  });

  it('refuses public keys, unknown algorithms and duplicate kids', async () => {
    const { d: _d, ...publicOnly } = oldJwk;
    await expect(HubKeys.fromJwks({ keys: [publicOnly] })).rejects.toThrow(/private JWK/);
    await expect(HubKeys.fromJwks({ keys: [{ ...oldJwk, alg: 'ES384' }] })).rejects.toThrow(/RS256 \(RSA\) or ES256/);
    await expect(HubKeys.fromJwks({ keys: [{ kty: 'oct', k: 'c2VjcmV0', d: 'x' }] })).rejects.toThrow(
      /RS256 \(RSA\) or ES256/,
    );
    await expect(HubKeys.fromJwks({ keys: [oldJwk, oldJwk] })).rejects.toThrow(/occurs twice/);
    await expect(HubKeys.fromJwks({ keys: [] })).rejects.toThrow(/at least one key/);
  });

  it('leaves rotation to the configuration', async () => {
    const keys = await HubKeys.fromJwks({ keys: [oldJwk] });
    await expect(keys.rotate()).rejects.toThrow(/configuration/);
  });
});
