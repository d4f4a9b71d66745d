// The reference material that some tests hold the hub against: public packages the project did not write (Nictiz
// nl-core profiles and examples, iWlz XSDs, HL7 v2 samples), kept outside the repository in ../shared/external/
// (see its README.md) and never copied in. HUB_EXTERNAL_DIR points elsewhere; it is a test-only setting, not part of
// the hub's configuration (server/config.ts).
//
// A test file that needs a folder of it calls requireExternal('<folder>') and wraps its tests in
// describe.skipIf(!folder.available). When the folder is missing the tests are skipped with a warning that names the
// folder and the setting, except under CI (CI=true), where a test that fails with that message is added instead:
// CI must never pass by skipping them.
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';

/** The environment variable that points at the reference material. */
export const EXTERNAL_DIR_SETTING = 'HUB_EXTERNAL_DIR';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What a test file needing one folder of reference material should do. */
export interface ExternalFolder {
  /** The folder's absolute path, without a trailing slash. */
  path: string;
  /** The folder is there: run the tests. */
  available: boolean;
  /** available: run; skip: missing, outside CI; fail: missing, under CI. */
  status: 'available' | 'skip' | 'fail';
  /** Why the tests do not run (names the folder and the setting); undefined when available. */
  reason: string | undefined;
}

/** The folder holding the reference material: HUB_EXTERNAL_DIR (relative to the repository root), or ../shared/external. */
export function externalDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(REPOSITORY_ROOT, env[EXTERNAL_DIR_SETTING] || '../shared/external');
}

function isCI(env: NodeJS.ProcessEnv): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

function isDirectory(folder: string): boolean {
  try {
    return statSync(folder).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `subfolder` of the reference material is there, and what to do when it is not. Pure apart from the stat. */
function findExternal(subfolder: string, env: NodeJS.ProcessEnv = process.env): ExternalFolder {
  const folder = path.join(externalDir(env), subfolder);
  if (isDirectory(folder)) {
    return { path: folder, available: true, status: 'available', reason: undefined };
  }
  const setting = env[EXTERNAL_DIR_SETTING]
    ? `${EXTERNAL_DIR_SETTING}=${env[EXTERNAL_DIR_SETTING]}`
    : `${EXTERNAL_DIR_SETTING} unset, default ../shared/external`;
  const ci = isCI(env);
  const reason =
    `reference material ${folder} is missing (${setting}): ` +
    (ci
      ? 'under CI these tests must run; put the material there or point HUB_EXTERNAL_DIR at the folder that holds it'
      : `tests that need it are skipped; set ${EXTERNAL_DIR_SETTING} to the folder that holds ${subfolder}/ to run them`);
  return { path: folder, available: false, status: ci ? 'fail' : 'skip', reason };
}

/** How requireExternal reports; the defaults are vitest's it() and console.warn (the unit test passes its own). */
export interface ExternalReporter {
  test(name: string, fn: () => void): void;
  warn(message: string): void;
}

const vitestReporter: ExternalReporter = { test: (name, fn) => it(name, fn), warn: (message) => console.warn(message) };

/**
 * findExternal, and its verdict acted on, at the top level of a test file: when the folder is missing, warns
 * (outside CI) or adds a test that fails with the reason (under CI). The caller skips its own tests with
 * describe.skipIf(!folder.available).
 */
export function requireExternal(
  subfolder: string,
  env: NodeJS.ProcessEnv = process.env,
  reporter: ExternalReporter = vitestReporter,
): ExternalFolder {
  const folder = findExternal(subfolder, env);
  if (folder.status === 'skip') {
    reporter.warn(`Skipping: ${folder.reason}`);
  } else if (folder.status === 'fail') {
    const reason = folder.reason!;
    reporter.test(`needs the reference material ${subfolder}/`, () => {
      throw new Error(reason);
    });
  }
  return folder;
}
