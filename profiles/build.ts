// Builds what is derived from the hub's profiles: the snapshot of every StructureDefinition (written back into its
// file, after the differential) and docs/profiles.md. Run: npm run profiles:build. A test (build.test.ts) fails when
// the committed files differ from what this produces, so a changed differential cannot ship with a stale snapshot.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StructureDefinition } from '@medplum/fhirtypes';
import { generateSnapshot } from '../server/fhir/profiles/snapshot.js';
import { ConformanceRegistry, coreSource } from '../server/fhir/profiles/registry.js';
import { hubConformanceFiles, HUB_PACKAGE_NAME } from './hub-package.js';
import { hubSearchParameters } from './search-parameters.js';
import { renderProfilesDoc } from './profiles-doc.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
export const PROFILES_DOC = `${REPO}docs/profiles.md`;

export interface BuiltFile {
  path: string;
  text: string;
}

/** Every file the build writes, with its expected content. */
export function buildProfiles(): BuiltFile[] {
  const files = hubConformanceFiles();
  const registry = new ConformanceRegistry();
  registry.add(coreSource());
  registry.add({ name: HUB_PACKAGE_NAME, resources: files.map((f) => f.resource) });
  const built: BuiltFile[] = [];
  const definitions: StructureDefinition[] = [];
  for (const { file, resource } of files) {
    if (resource.resourceType !== 'StructureDefinition') {
      continue;
    }
    const sd = resource as StructureDefinition;
    const { snapshot: _old, ...rest } = sd;
    const withSnapshot: StructureDefinition = { ...rest, snapshot: { element: generateSnapshot(registry, sd) } };
    definitions.push(withSnapshot);
    built.push({ path: REPO + file, text: `${JSON.stringify(withSnapshot, null, 2)}\n` });
  }
  const doc = renderProfilesDoc({
    definitions,
    codeSystems: registry.all('CodeSystem').filter((cs) => registry.source(cs.url ?? '') === HUB_PACKAGE_NAME),
    valueSets: registry.all('ValueSet').filter((vs) => registry.source(vs.url ?? '') === HUB_PACKAGE_NAME),
    searchParameters: hubSearchParameters(),
  });
  built.push({ path: PROFILES_DOC, text: doc });
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let changed = 0;
  for (const file of buildProfiles()) {
    let current = '';
    try {
      current = readFileSync(file.path, 'utf8');
    } catch {
      // a new file
    }
    if (current !== file.text) {
      writeFileSync(file.path, file.text);
      changed++;
      console.log(`wrote ${file.path.slice(REPO.length)}`);
    }
  }
  console.log(changed ? `${changed} file(s) updated` : 'profiles and docs/profiles.md are up to date');
}
