// The opaque secrets of the OAuth flow (authorization codes, refresh tokens, request and session ids, CSRF tokens):
// random, base64url, and stored only as SHA-256 hashes, so a copy of the database hands out no usable secret. A
// hash is enough (no salt, no slow KDF): the secrets are 256 random bits, not passwords anyone could guess.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `bytes` random bytes (default 32: 256 bits), base64url without padding. */
export function newSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16) {
    throw new RangeError(`a secret needs at least 16 random bytes, not ${bytes}`);
  }
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 of the secret, as lowercase hex: what the hub stores and looks up. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Compares two secrets in constant time. Both are hashed first, so the comparison takes as long whatever the
 * lengths (timingSafeEqual itself needs equal lengths and would throw, or leak the length by returning early).
 */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}
