import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireExternal } from '../../../test/support/external-material.js';
import { readPackage } from './read-package.js';

// Only the first test reads the reference material; it is skipped with a warning when that is missing (fails under
// CI): test/support/external-material.ts.
const nictiz = requireExternal('nictiz-r4-zib2020');
const NICTIZ_RESOURCES = `${nictiz.path}/resources/`;
const FHIR = 'xmlns="http://hl7.org/fhir"';
// Longer than the 100 bytes of a tar header's name field, in short parts (ustar's prefix field can hold it) ...
const LONG_FOLDER = `example/${'a'.repeat(60)}/${'b'.repeat(60)}`;
// ... and a name no prefix split can hold (GNU tar writes an @LongLink entry, pax an x header).
const LONG_NAME = `Basic-${'c'.repeat(120)}.json`;

const scratch = mkdtempSync(join(tmpdir(), 'read-package-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A package folder with JSON and XML resources, bookkeeping files, non-resources and two broken files. */
function writePackage(root: string, withLongName: boolean): string {
  const files: Record<string, string | Buffer> = {
    'package.json': JSON.stringify({ name: 'example.fhir.test', version: '1.2.3', fhirVersions: ['4.0.1'] }),
    '.index.json': JSON.stringify({ 'index-version': 1, files: [] }),
    'Patient-a.json': JSON.stringify({ resourceType: 'Patient', id: 'a' }),
    'Observation-b.xml': `\uFEFF<?xml version="1.0"?>\n<Observation ${FHIR}><id value="b"/><status value="final"/><code><text value="x"/></code></Observation>`,
    [`${LONG_FOLDER}/Practitioner-c.json`]: JSON.stringify({ resourceType: 'Practitioner', id: 'c' }),
    'openapi/Patient.openapi.json': JSON.stringify({ openapi: '3.0.1' }),
    'other/settings.xml': '<settings><x/></settings>',
    'broken.json': '{ "resourceType": "Patient", ',
    'broken.xml': `<Patient ${FHIR}><foo value="1"/></Patient>`,
    'latin1.json': Buffer.from('{"resourceType":"Basic","id":"caf\xe9"}', 'latin1'),
  };
  if (withLongName) {
    files[LONG_NAME] = JSON.stringify({ resourceType: 'Basic', id: 'long' });
  }
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

function expectedResources(withLongName: boolean): string[] {
  // Sorted by path: "Basic-ccc..." < "Observation-b.xml" < "Patient-a.json" < "example/..." (upper case first).
  return [...(withLongName ? ['Basic/long'] : []), 'Observation/b', 'Patient/a', 'Practitioner/c'];
}

function expectedProblems(prefix: string): { file: string; message: RegExp }[] {
  return [
    { file: `${prefix}broken.json`, message: /^Not valid JSON: / },
    { file: `${prefix}broken.xml`, message: /^Patient\.foo: unknown element$/ },
    { file: `${prefix}latin1.json`, message: /^Not valid UTF-8$/ },
  ];
}

describe('readPackage', () => {
  it.skipIf(!nictiz.available)(
    'reads the Nictiz resources folder recursively: every XML resource, by type, with its package.json',
    async () => {
      const contents = await readPackage(NICTIZ_RESOURCES);
      const counts: Record<string, number> = {};
      for (const resource of contents.resources) {
        counts[resource.resourceType] = (counts[resource.resourceType] ?? 0) + 1;
      }
      expect({ name: contents.name, version: contents.version, counts, problems: contents.problems }).toEqual({
        name: 'resources',
        version: '0.1.0',
        counts: { CodeSystem: 103, ConceptMap: 19, NamingSystem: 4, StructureDefinition: 354, ValueSet: 272 },
        problems: [],
      });
    },
  );

  it.each(['gnu', 'pax', 'ustar'])(
    'reads a .tgz written in %s format: name, version, resources in path order, problems',
    async (format) => {
      const withLongName = format !== 'ustar';
      const folder = join(scratch, format);
      writePackage(join(folder, 'package'), withLongName);
      const tarball = join(folder, 'example.fhir.test-1.2.3.tgz');
      execFileSync('tar', [`--format=${format}`, '-czf', tarball, 'package'], { cwd: folder });

      const contents = await readPackage(tarball);
      expect([contents.name, contents.version]).toEqual(['example.fhir.test', '1.2.3']);
      expect(contents.resources.map((r) => `${r.resourceType}/${r.id}`)).toEqual(expectedResources(withLongName));
      expect(contents.problems).toEqual(
        expectedProblems('package/').map((p) => ({ file: p.file, message: expect.stringMatching(p.message) })),
      );
    },
  );

  it('reads the same package as a folder, with paths relative to it', async () => {
    const contents = await readPackage(writePackage(join(scratch, 'folder'), true));
    expect([contents.name, contents.version]).toEqual(['example.fhir.test', '1.2.3']);
    expect(contents.resources.map((r) => `${r.resourceType}/${r.id}`)).toEqual(expectedResources(true));
    expect(contents.problems).toEqual(
      expectedProblems('').map((p) => ({ file: p.file, message: expect.stringMatching(p.message) })),
    );
  });

  it('reports a broken package.json as a problem and reads the rest', async () => {
    const root = join(scratch, 'bad-manifest');
    mkdirSync(root);
    writeFileSync(join(root, 'package.json'), '{ name: ');
    writeFileSync(join(root, 'Patient-a.json'), JSON.stringify({ resourceType: 'Patient', id: 'a' }));
    const contents = await readPackage(root);
    expect([contents.name, contents.resources.length, contents.problems.map((p) => p.file)]).toEqual([
      undefined,
      1,
      ['package.json'],
    ]);
  });

  it('rejects a path that does not exist', async () => {
    await expect(readPackage(join(scratch, 'missing'))).rejects.toThrow(/ENOENT/);
  });

  it.each([
    ['a short file', JSON.stringify({ resourceType: 'Patient' }), /Not a tar archive: shorter than one header/],
    [
      'a long file',
      JSON.stringify({ resourceType: 'Patient', text: 'x'.repeat(1000) }),
      /Not a tar archive, or a damaged one/,
    ],
  ])('rejects %s that is not a package tarball', async (_case, content, message) => {
    const file = join(scratch, 'not-a-package.tgz');
    writeFileSync(file, content);
    await expect(readPackage(file)).rejects.toThrow(/is neither a folder nor a readable package tarball/);
    await expect(readPackage(file)).rejects.toThrow(message);
  });

  it('rejects a truncated tarball', async () => {
    const folder = join(scratch, 'truncated');
    writePackage(join(folder, 'package'), false);
    execFileSync('tar', ['-cf', 'x.tar', 'package'], { cwd: folder });
    const whole = readFileSync(join(folder, 'x.tar'));
    writeFileSync(join(folder, 'cut.tar'), whole.subarray(0, 512 * 3 + 100));
    await expect(readPackage(join(folder, 'cut.tar'))).rejects.toThrow(/Truncated tar archive/);
  });
});
