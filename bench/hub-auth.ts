// The load generator's side of the hub's authentication, which is always on: bearer tokens of the benchmark hub's
// bootstrap admin client (bench/targets.ts hands its credentials back with the running hub), by client_credentials
// at the hub's own /oauth/token. Every request the benchmarks send to the hub carries one, so every figure includes
// the token's verification; the bare baselines get none. Tokens last 15 minutes and a data load or a series of runs
// can outlast one, so callers ask the source for the token each time (it caches until a minute before expiry)
// instead of keeping the string.
import { ClientCredentialsTokens, fetchTransport } from '../consent/bootstrap/client-credentials-tokens.js';
import type { JobHandle } from './jobs.js';

/** Whatever gives a current access token (ClientCredentialsTokens). */
export interface TokenSource {
  token(): Promise<string>;
}

/** Tokens of the hub a job started; throws when the job reported no credentials (not a hub). */
export function hubTokens(handle: Pick<JobHandle, 'credentials'>): ClientCredentialsTokens {
  const credentials = handle.credentials;
  if (!credentials) {
    throw new Error('the hub job reported no admin client credentials');
  }
  return new ClientCredentialsTokens(credentials, fetchTransport(credentials.token_endpoint));
}

/** `{ authorization: 'Bearer <token>' }` with a current token, for fetch. */
export async function bearerHeaders(tokens: TokenSource): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await tokens.token()}` };
}

/** How often a live header asks its source again: well inside the minute a token is guaranteed to stay valid. */
const RENEW_MS = 20_000;

export interface LiveBearer {
  /** The current `Bearer <token>` header value, synchronously (autocannon's setupRequest cannot wait). */
  value(): string;
  stop(): void;
}

/**
 * The Authorization header for one load run: a token asked for before the run starts, and asked for again every
 * 20 seconds while it lasts, so that a run longer than a token's remaining life never sends an expired one. The
 * source answers from its cache almost always; it fetches a new token only within a minute of expiry.
 */
export async function liveBearer(tokens: TokenSource): Promise<LiveBearer> {
  let current = `Bearer ${await tokens.token()}`;
  const timer = setInterval(() => {
    tokens.token().then(
      (token) => {
        current = `Bearer ${token}`;
      },
      // Keep the one we have: if it expires, the hub's 401s count as failures and show the cause.
      () => undefined,
    );
  }, RENEW_MS);
  timer.unref();
  return { value: () => current, stop: () => clearInterval(timer) };
}
