import { describe, expect, it } from 'vitest';
import { hashSecret, verifySecretHash } from './secret-hash.js';

const SECRET = 'kX3v9-7bQm2L0pZr5tYw8nHc4JdF6sAe1GuV';

describe('hashSecret', () => {
  it('writes scrypt with its parameters, salt and key, and never the secret', async () => {
    const hash = await hashSecret(SECRET);
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain(SECRET);
  });

  it('salts: the same secret twice gives two hashes', async () => {
    expect(await hashSecret(SECRET)).not.toBe(await hashSecret(SECRET));
  });
});

describe('verifySecretHash', () => {
  it('accepts the secret the hash was made from', async () => {
    expect(await verifySecretHash(SECRET, await hashSecret(SECRET))).toBe(true);
  });

  it('refuses another secret', async () => {
    expect(await verifySecretHash(`${SECRET}x`, await hashSecret(SECRET))).toBe(false);
  });

  it.each(['', 'plain-text-secret', 'scrypt$16384$8$1$c2FsdA', 'bcrypt$2b$10$abc'])(
    'refuses a hash it cannot read: %j',
    async (hash) => {
      expect(await verifySecretHash(SECRET, hash)).toBe(false);
    },
  );

  it('refuses a hash whose cost parameters nobody here wrote (no gigabyte allocations)', async () => {
    const hash = (await hashSecret(SECRET)).replace('scrypt$16384$', `scrypt$${2 ** 24}$`);
    expect(await verifySecretHash(SECRET, hash)).toBe(false);
  });
});
