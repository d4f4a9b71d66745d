// The benchmarks' bearer header: a load run asks its token source again while it lasts, so a run that outlasts a
// token still sends a current one; a job without credentials (not a hub) cannot give tokens.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearerHeaders, hubTokens, liveBearer } from './hub-auth.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('hub-auth', () => {
  it('asks the source before the run and again while it lasts', async () => {
    vi.useFakeTimers();
    let n = 0;
    const source = { token: vi.fn(async () => `t${++n}`) };
    const bearer = await liveBearer(source);
    expect(bearer.value()).toBe('Bearer t1');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(bearer.value()).toBe('Bearer t2');
    bearer.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(source.token).toHaveBeenCalledTimes(2);
  });

  it('keeps the header it has when the source fails', async () => {
    vi.useFakeTimers();
    const source = { token: vi.fn().mockResolvedValueOnce('ok').mockRejectedValue(new Error('down')) };
    const bearer = await liveBearer(source);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(bearer.value()).toBe('Bearer ok');
    bearer.stop();
  });

  it('gives fetch headers and refuses a job without credentials', async () => {
    expect(await bearerHeaders({ token: async () => 'abc' })).toEqual({ authorization: 'Bearer abc' });
    expect(() => hubTokens({})).toThrow(/no admin client credentials/);
  });
});
