// Why: the per-login random values of the authorization-code flow (state, nonce, PKCE code verifier) and the S256
// challenge derived from the verifier, in one place so their length and alphabet follow RFC 7636 §4.1–4.2.
import { createHash, randomBytes } from 'node:crypto';

export interface LoginSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** 32 random bytes each, base64url: 43 characters, 256 bits. The caller keeps them in its own session. */
export function newLoginSecrets(): LoginSecrets {
  return { state: randomToken(), nonce: randomToken(), codeVerifier: randomToken() };
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]. */
export function isCodeVerifier(value: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(value);
}

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
export function codeChallengeS256(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}
