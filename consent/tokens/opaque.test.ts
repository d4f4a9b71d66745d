import { describe, expect, it } from 'vitest';
import { hashSecret, newSecret, safeEqual } from './opaque.js';

describe('newSecret', () => {
  it('gives 32 random bytes as base64url by default', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
  });

  it('gives another secret every time', () => {
    const secrets = new Set(Array.from({ length: 1000 }, () => newSecret()));
    expect(secrets.size).toBe(1000);
  });

  it('gives the number of bytes asked for, and refuses fewer than 16', () => {
    expect(Buffer.from(newSecret(16), 'base64url')).toHaveLength(16);
    expect(() => newSecret(8)).toThrow(RangeError);
  });
});

describe('hashSecret', () => {
  it('is SHA-256 as lowercase hex', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('safeEqual', () => {
  it.each([
    ['equal secrets', 'abc', 'abc', true],
    ['different secrets of one length', 'abc', 'abd', false],
    ['secrets of different lengths', 'abc', 'abcd', false],
    ['an empty secret against a secret', '', 'abc', false],
  ])('compares %s', (_case, a, b, expected) => {
    expect(safeEqual(a, b)).toBe(expected);
  });
});
