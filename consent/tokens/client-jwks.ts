// The public keys of a client registered with a jwks_uri (SMART Backend Services), fetched with a short timeout, a
// size limit and no redirects, and kept five minutes so a burst of token requests makes one request. Only the
// registered URI is ever fetched, never a `jku` from the assertion: the assertion cannot choose where the hub
// connects. Plain http is allowed for loopback addresses only (local development and tests).
import type { JsonWebKey } from 'node:crypto';

export interface ClientJwks {
  keys: JsonWebKey[];
}

export class JwksFetchError extends Error {
  override name = 'JwksFetchError';
}

export interface JwksCacheOptions {
  /** How long a fetched set is used (default 5 minutes). */
  ttlMs?: number;
  /** Connect, send and read must all fit in this (default 3 seconds). */
  timeoutMs?: number;
  /** A JWKS is a few KiB; more is refused (default 64 KiB). */
  maxBytes?: number;
  clock?: () => Date;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

interface Entry {
  jwks: Promise<ClientJwks>;
  fetchedAt: number;
}

export class JwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly clock: () => Date;

  constructor(options: JwksCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.maxBytes = options.maxBytes ?? 64 * 1024;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * The key set at `uri`, from the cache when it is younger than `maxAgeMs` (default: the TTL). A caller that does
   * not find a kid asks again with a short maxAge, so a client's key rotation is picked up without waiting 5 minutes.
   */
  get(uri: string, options: { maxAgeMs?: number } = {}): Promise<ClientJwks> {
    const now = this.clock().getTime();
    const cached = this.entries.get(uri);
    if (cached && now - cached.fetchedAt < Math.min(options.maxAgeMs ?? this.ttlMs, this.ttlMs)) {
      return cached.jwks;
    }
    const jwks = this.fetch(uri);
    const entry = { jwks, fetchedAt: now };
    this.entries.set(uri, entry);
    // A failure is not cached: the next request tries again.
    jwks.catch(() => {
      if (this.entries.get(uri) === entry) {
        this.entries.delete(uri);
      }
    });
    return jwks;
  }

  private async fetch(uri: string): Promise<ClientJwks> {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new JwksFetchError(`jwks_uri ${uri} is not a URL`);
    }
    if (!(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)))) {
      throw new JwksFetchError(`jwks_uri ${uri} must be https`);
    }
    let text: string;
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new JwksFetchError(`jwks_uri ${uri} answered HTTP ${response.status}`);
      }
      text = await readCapped(response, this.maxBytes);
    } catch (err) {
      throw err instanceof JwksFetchError
        ? err
        : new JwksFetchError(`jwks_uri ${uri} could not be fetched: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new JwksFetchError(`jwks_uri ${uri} did not return JSON`);
    }
    const keys = (parsed as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || !keys.every((key) => key !== null && typeof key === 'object')) {
      throw new JwksFetchError(`jwks_uri ${uri} did not return a JWK Set { "keys": [...] }`);
    }
    return { keys: keys as JsonWebKey[] };
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new JwksFetchError(`the JWKS is larger than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
    if (chunk.done) {
      break;
    }
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader!.cancel();
      throw new JwksFetchError(`the JWKS is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One cache for the whole process: client key sets are the same for every request. */
export const sharedJwksCache = new JwksCache();
