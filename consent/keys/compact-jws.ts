// Reads the parts of a compact JWS (RFC 7515 7.1) without trusting them: the header decides which key and
// algorithm may verify the signature, so it is checked for shape before any crypto runs, and node-jose only ever
// sees input that passed. Shared by the hub's own tokens and by client assertions.
import { TokenError } from './token-error.js';

/** Far above any token the hub issues or accepts (a few hundred bytes to a few KiB); refuses megabyte inputs early. */
const MAX_TOKEN_LENGTH = 16_384;

const SEGMENT = /^[A-Za-z0-9_-]+$/;

export interface JwsHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [name: string]: unknown;
}

export interface CompactJws {
  header: JwsHeader;
  /** The claims, parsed but not yet verified. */
  payload: Record<string, unknown>;
  /** Empty when the token has no signature (as `alg: none` tokens do). */
  signature: string;
}

export function decodeCompactJws(token: unknown): CompactJws {
  if (typeof token !== 'string' || token.length === 0) {
    throw new TokenError('malformed', 'the token is empty or not a string');
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new TokenError('malformed', `the token is longer than ${MAX_TOKEN_LENGTH} characters`);
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new TokenError('malformed', `a compact JWS has 3 parts, this token has ${parts.length}`);
  }
  const [headerPart, payloadPart, signature] = parts as [string, string, string];
  if (!SEGMENT.test(headerPart) || !SEGMENT.test(payloadPart) || (signature !== '' && !SEGMENT.test(signature))) {
    throw new TokenError('malformed', 'a part of the token is not base64url');
  }
  const header = jsonObject(headerPart, 'header');
  if (typeof header.alg !== 'string' || header.alg === '') {
    throw new TokenError('malformed', 'the header has no alg');
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    throw new TokenError('malformed', 'the header kid is not a string');
  }
  if (header.typ !== undefined && typeof header.typ !== 'string') {
    throw new TokenError('malformed', 'the header typ is not a string');
  }
  // RFC 7515 4.1.11: extensions listed in crit must be understood; the hub understands none.
  if (header.crit !== undefined) {
    throw new TokenError('malformed', 'the header has crit extensions, which are not supported');
  }
  return { header: header as JwsHeader, payload: jsonObject(payloadPart, 'payload'), signature };
}

function jsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed', `the ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenError('malformed', `the ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** `typ` values compare without case, and `application/` may be left off (RFC 7515 4.1.9). */
export function sameTyp(actual: string | undefined, expected: string): boolean {
  if (actual === undefined) {
    return false;
  }
  const bare = (typ: string) => typ.toLowerCase().replace(/^application\//, '');
  return bare(actual) === bare(expected);
}
