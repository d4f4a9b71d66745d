// Client secrets are stored as scrypt hashes: `scrypt$<N>$<r>$<p>$<salt>$<key>` (salt and key base64url), so the
// cost can be raised later without invalidating stored hashes. N = 2^14, r = 8, p = 1 (16 MiB, a few tens of ms):
// client secrets are long random strings (client-validation.ts asks for at least 32 characters), not passwords,
// so the hash need not be as slow as a password hash, and the token endpoint verifies one on every call.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const COST = { N: 2 ** 14, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(secret, salt, KEY_LENGTH, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** True when the secret matches the hash; compared in constant time. False for a hash it cannot read. */
export async function verifySecretHash(secret: string, hash: string): Promise<boolean> {
  const match = FORMAT.exec(hash);
  if (!match) {
    return false;
  }
  const [, N, r, p, salt, key] = match;
  const expected = Buffer.from(key, 'base64url');
  const cost = { N: Number(N), r: Number(r), p: Number(p) };
  // Refuse parameters nobody here wrote (a tampered row must not make the hub allocate gigabytes).
  if (cost.N > 2 ** 20 || cost.r > 32 || cost.p > 16 || expected.length < 16 || expected.length > 64) {
    return false;
  }
  const actual = await derive(secret, Buffer.from(salt, 'base64url'), expected.length, cost);
  return timingSafeEqual(actual, expected);
}

function derive(
  secret: string,
  salt: Buffer,
  length: number,
  cost: ScryptOptions & { N: number; r: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { ...cost, maxmem: 256 * cost.N * cost.r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
