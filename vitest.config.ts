import { defineConfig } from 'vitest/config';

// Three tiers (see docs/architecture.md, "Tests"): unit (pure, beside the code), db (needs PostgreSQL: one
// database per test file, cloned from a migrated template), e2e (the hub on a real port, spoken to by a real
// FHIR client). `npm test` runs them all; the db and e2e tiers share one embedded PostgreSQL started by
// test/support/global-setup.ts (or DATABASE_URL when set).
export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    // vitest's default leaves one core free, which on a 2-core machine means one test file at a time; much of a
    // file's time is waiting for PostgreSQL or a socket, so two workers overlap that (whole suite: 556 s -> 368 s).
    maxWorkers: 2,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{server,consent,conformance,mappings,profiles,bench}/**/*.test.ts'],
          exclude: ['**/*.db.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: { name: 'db', include: ['**/*.db.test.ts'], exclude: ['**/node_modules/**'] },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/**/*.test.ts'], exclude: ['**/*.db.test.ts', '**/node_modules/**'] },
      },
    ],
  },
});
