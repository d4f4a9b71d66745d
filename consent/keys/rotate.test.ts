import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HubKeys } from './hub-keys.js';
import { rotateSigningKey } from './rotate.js';

describe('npm run keys:rotate', () => {
  it('makes a new active key and keeps the old one for verification', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zorghub-rotate-'));
    const old = await HubKeys.open({ dataDir });
    const token = await old.sign({ sub: 'x' });
    const { before, after } = await rotateSigningKey(dataDir);
    expect(before).toBe(old.activeKid);
    expect(after).not.toBe(before);
    const reopened = await HubKeys.open({ dataDir });
    expect(reopened.activeKid).toBe(after);
    expect(reopened.jwks().keys.map((k) => (k as { kid?: string }).kid)).toEqual([after, before]);
    await expect(reopened.verify(token)).resolves.toMatchObject({ payload: { sub: 'x' } });
  });
});
