// requireExternal: a folder of reference material that is there runs its tests, a missing one skips them with a
// reason outside CI and fails a test with that reason under CI.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXTERNAL_DIR_SETTING, externalDir, requireExternal, type ExternalReporter } from './external-material.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'external-material-'));
mkdirSync(path.join(scratch, 'present'));
writeFileSync(path.join(scratch, 'a-file'), '');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A reporter that records what requireExternal asked for. */
function recorder(): ExternalReporter & { tests: { name: string; fn: () => void }[]; warnings: string[] } {
  const tests: { name: string; fn: () => void }[] = [];
  const warnings: string[] = [];
  return { tests, warnings, test: (name, fn) => tests.push({ name, fn }), warn: (message) => warnings.push(message) };
}

describe('requireExternal', () => {
  it('finds a folder that is there: available, no warning, no added test', () => {
    const reporter = recorder();
    const folder = requireExternal('present', { [EXTERNAL_DIR_SETTING]: scratch, CI: 'true' }, reporter);
    expect(folder).toEqual({
      path: path.join(scratch, 'present'),
      available: true,
      status: 'available',
      reason: undefined,
    });
    expect([reporter.tests, reporter.warnings]).toEqual([[], []]);
  });

  it('skips a missing folder outside CI, with a warning naming the folder and the setting', () => {
    for (const env of [{}, { CI: '' }, { CI: 'false' }, { CI: '0' }]) {
      const reporter = recorder();
      const folder = requireExternal('missing', { [EXTERNAL_DIR_SETTING]: scratch, ...env }, reporter);
      expect([folder.available, folder.status]).toEqual([false, 'skip']);
      expect(folder.reason).toContain(path.join(scratch, 'missing'));
      expect(folder.reason).toContain(`${EXTERNAL_DIR_SETTING}=${scratch}`);
      expect(reporter.tests).toEqual([]);
      expect(reporter.warnings).toEqual([`Skipping: ${folder.reason}`]);
    }
  });

  it('does not take a file for the folder', () => {
    expect(requireExternal('a-file', { [EXTERNAL_DIR_SETTING]: scratch }, recorder()).status).toBe('skip');
  });

  it('fails a missing folder under CI: adds a test that throws the reason, and warns of no skip', () => {
    const reporter = recorder();
    const folder = requireExternal('missing', { [EXTERNAL_DIR_SETTING]: scratch, CI: 'true' }, reporter);
    expect([folder.available, folder.status]).toEqual([false, 'fail']);
    expect(folder.reason).toContain(path.join(scratch, 'missing'));
    expect(folder.reason).toContain(EXTERNAL_DIR_SETTING);
    expect(reporter.warnings).toEqual([]);
    expect(reporter.tests.map((t) => t.name)).toEqual(['needs the reference material missing/']);
    expect(() => reporter.tests[0].fn()).toThrow(folder.reason);
  });

  it('reads ../shared/external beside the repository unless the setting says otherwise', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    expect(externalDir({})).toBe(path.resolve(root, '../shared/external'));
    expect(externalDir({ [EXTERNAL_DIR_SETTING]: '' })).toBe(path.resolve(root, '../shared/external'));
    expect(externalDir({ [EXTERNAL_DIR_SETTING]: scratch })).toBe(scratch);
    expect(externalDir({ [EXTERNAL_DIR_SETTING]: 'elsewhere' })).toBe(path.resolve(root, 'elsewhere'));
    expect(requireExternal('missing', {}, recorder()).reason).toContain(
      `${EXTERNAL_DIR_SETTING} unset, default ../shared/external`,
    );
  });
});
