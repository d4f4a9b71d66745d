// The token cache of `npm run token`, the benchmarks and the tests: one request per token, a new one a minute
// before expiry, concurrent callers share one request, and a refusal names the OAuth error.
import { describe, expect, it } from 'vitest';
import { ClientCredentialsTokens, type TokenTransport } from './client-credentials-tokens.js';

const CREDENTIALS = { client_id: 'hub admin', client_secret: 'geheim:met/tekens' };

function counting(answer: (n: number) => { status: number; body: string }) {
  const calls: { form: URLSearchParams; authorization: string }[] = [];
  const transport: TokenTransport = async (form, authorization) => {
    calls.push({ form, authorization });
    return answer(calls.length);
  };
  return { calls, transport };
}

const ok = (n: number) => ({ status: 200, body: JSON.stringify({ access_token: `token-${n}`, expires_in: 900 }) });

describe('ClientCredentialsTokens', () => {
  it('asks once, with form-urlencoded Basic credentials, and reuses the token until a minute before it expires', async () => {
    let now = 1_000_000;
    const { calls, transport } = counting(ok);
    const tokens = new ClientCredentialsTokens(CREDENTIALS, transport, { scope: 'system/*.*', now: () => now });
    expect(await tokens.token()).toBe('token-1');
    expect(await tokens.token()).toBe('token-1');
    expect(calls).toHaveLength(1);
    expect(calls[0].form.get('grant_type')).toBe('client_credentials');
    expect(calls[0].form.get('scope')).toBe('system/*.*');
    const decoded = Buffer.from(calls[0].authorization.replace('Basic ', ''), 'base64').toString();
    expect(decoded).toBe('hub%20admin:geheim%3Amet%2Ftekens');
    now += 839_000; // 61 s left
    expect(await tokens.token()).toBe('token-1');
    now += 2_000; // 59 s left
    expect(await tokens.token()).toBe('token-2');
  });

  it('shares one request between concurrent callers', async () => {
    const { calls, transport } = counting(ok);
    const tokens = new ClientCredentialsTokens(CREDENTIALS, transport);
    expect(await Promise.all([tokens.token(), tokens.token(), tokens.token()])).toEqual([
      'token-1',
      'token-1',
      'token-1',
    ]);
    expect(calls).toHaveLength(1);
  });

  it('names the OAuth error of a refusal, and asks again on the next call', async () => {
    const { calls, transport } = counting((n) =>
      n === 1
        ? {
            status: 401,
            body: JSON.stringify({ error: 'invalid_client', error_description: 'client authentication failed' }),
          }
        : ok(n),
    );
    const tokens = new ClientCredentialsTokens(CREDENTIALS, transport);
    await expect(tokens.token()).rejects.toThrow(
      'the token endpoint refused client hub admin: invalid_client client authentication failed',
    );
    expect(await tokens.token()).toBe('token-2');
    expect(calls).toHaveLength(2);
  });

  it('says so when the answer is not JSON', async () => {
    const tokens = new ClientCredentialsTokens(CREDENTIALS, async () => ({
      status: 502,
      body: '<html>Bad Gateway</html>',
    }));
    await expect(tokens.token()).rejects.toThrow('answered 502 without JSON');
  });
});
