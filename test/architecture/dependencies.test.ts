// The import graph's rules (docs/architecture.md, "Rooms and the way imports point"), checked over every source
// file: the policy is a pure room, storage knows nothing of HTTP or consent, search nothing of consent, the FHIR
// layer reaches the consent layer only through the contracts it is handed, mappings write through the seam and not
// into storage, and nothing outside test/ imports from it. A new import that breaks a rule fails here, naming it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_ROOTS = ['server', 'consent', 'conformance', 'profiles', 'mappings', 'bench', 'test'];

interface Edge {
  from: string;
  /** Repository-relative path of a local module, or the package name of a dependency. */
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'fixtures' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function edges(): Edge[] {
  const found: Edge[] = [];
  for (const file of SOURCE_ROOTS.flatMap(sourceFiles)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2];
      const to = specifier.startsWith('.')
        ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts')
        : specifier.startsWith('node:')
          ? specifier
          : specifier
              .split('/')
              .slice(0, specifier.startsWith('@') ? 2 : 1)
              .join('/');
      found.push({ from: file, to });
    }
  }
  return found;
}

const HTTP = ['fastify', '@fastify/error', 'node:http', 'node:https'];
const isTest = (file: string) => file.endsWith('.test.ts') || file.startsWith('test/');
const under =
  (...folders: string[]) =>
  (path: string) =>
    folders.some((folder) => path.startsWith(`${folder}/`));
const oneOf =
  (...names: string[]) =>
  (path: string) =>
    names.includes(path);

interface DependencyRule {
  name: string;
  from: (file: string) => boolean;
  forbidden: (target: string) => boolean;
  /** Tests may reach further than the code they test (a db test builds the app); the rule says whether they may. */
  testsToo: boolean;
}

const RULES: DependencyRule[] = [
  {
    name: 'the policy is pure: it imports no storage, no HTTP and no enforcement',
    from: under('consent/policy'),
    forbidden: (to) =>
      under('server/storage', 'server/db', 'consent/access', 'consent/oauth', 'consent/audit')(to) ||
      oneOf(...HTTP, 'postgres', 'node:fs', 'server/fhir/plugin.ts')(to),
    testsToo: false,
  },
  {
    name: 'storage imports no HTTP and no consent',
    from: under('server/storage'),
    forbidden: (to) =>
      under('consent', 'server/fhir/interactions', 'server/fhir/bundle', 'server/fhir/operations')(to) ||
      oneOf(...HTTP, 'server/fhir/plugin.ts', 'server/fhir/routes.ts', 'server/fhir/reply.ts', 'server/app.ts')(to),
    testsToo: false,
  },
  {
    name: 'search imports no consent and no storage implementation',
    from: under('server/fhir/search'),
    forbidden: (to) => under('consent', 'server/storage/pg', 'server/db')(to),
    testsToo: false,
  },
  {
    name: 'the FHIR layer reaches the consent layer only through the contracts it is handed',
    from: under('server/fhir', 'server/contracts', 'server/storage', 'server/db'),
    forbidden: under('consent'),
    testsToo: false,
  },
  {
    name: 'the contracts depend on nothing that implements them',
    from: under('server/contracts'),
    forbidden: (to) =>
      under('server/storage', 'server/db', 'consent')(to) || oneOf(...HTTP, 'postgres', 'server/fhir/plugin.ts')(to),
    testsToo: false,
  },
  {
    name: 'mappings import no storage (they write through the seam)',
    from: under('mappings'),
    forbidden: under('server/storage', 'server/db'),
    testsToo: false,
  },
  {
    name: 'nothing outside test/ imports from test/',
    from: (file) => !file.startsWith('test/') && !file.endsWith('.test.ts'),
    forbidden: under('test'),
    testsToo: false,
  },
];

describe('the import graph', () => {
  const graph = edges();

  it('finds the imports it checks (the parser works)', () => {
    expect(graph.length).toBeGreaterThan(1000);
    expect(graph).toContainEqual({ from: 'server/app.ts', to: 'fastify' });
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      const broken = graph
        .filter((edge) => rule.from(edge.from) && (rule.testsToo || !isTest(edge.from)) && rule.forbidden(edge.to))
        .map((edge) => `${edge.from} -> ${edge.to}`);
      expect(broken).toEqual([]);
    });
  }
});

describe('the one place an access is decided and recorded', () => {
  // Code only: comments and strings may name decide() (docs, why-comments); a call may not appear outside the seam.
  const code = (file: string) =>
    readFileSync(join(ROOT, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:])\/\/.*$/gm, '$1')
      .replace(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "''");
  const sources = ['server', 'consent', 'conformance', 'mappings'].flatMap(sourceFiles).filter((f) => !isTest(f));

  it('calls decide() and decideOperation() only in the policy itself and in the access seam (consent/access/)', () => {
    const calls = sources.filter(
      (file) => !under('consent/policy', 'consent/access')(file) && /(?<![.\w])decide(?:Operation)?\(/.test(code(file)),
    );
    expect(calls).toEqual([]);
  });

  it('builds audit records (requestRecord, securityRecord) only in the access seam', () => {
    const builders = sources.filter(
      (file) => !under('consent/access')(file) && /\b(?:requestRecord|securityRecord)\(/.test(code(file)),
    );
    expect(builders).toEqual([]);
  });
});
