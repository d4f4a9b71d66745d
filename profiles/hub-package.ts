// The hub's own conformance package: every JSON resource in profiles/structure-definitions/, code-systems/ and
// value-sets/ (one FHIR resource per file), loaded at start-up into the conformance registry after R4 core and
// before any extra package. A file that does not parse or lacks a url stops start-up: a broken profile must not
// silently stop being enforced.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';

export const HUB_CANONICAL_BASE = 'https://zorghub.example.org/fhir/';
export const HUB_PACKAGE_NAME = 'zorghub.profiles';

const ROOT = fileURLToPath(new URL('./', import.meta.url));
const FOLDERS = {
  'structure-definitions': 'StructureDefinition',
  'code-systems': 'CodeSystem',
  'value-sets': 'ValueSet',
} as const;

export interface HubResourceFile {
  file: string;
  resource: Resource & { url: string };
}

export function hubConformanceFiles(root = ROOT): HubResourceFile[] {
  const files: HubResourceFile[] = [];
  for (const [folder, type] of Object.entries(FOLDERS)) {
    const dir = `${root}${folder}/`;
    if (!existsSync(dir)) {
      continue;
    }
    for (const name of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const file = `profiles/${folder}/${name}`;
      let resource: Resource & { url?: string };
      try {
        resource = JSON.parse(readFileSync(dir + name, 'utf8'));
      } catch (err) {
        throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
      }
      if (resource.resourceType !== type || !resource.url?.startsWith(HUB_CANONICAL_BASE)) {
        throw new Error(`${file} must be a ${type} with a url under ${HUB_CANONICAL_BASE}`);
      }
      files.push({ file, resource: resource as HubResourceFile['resource'] });
    }
  }
  return files;
}
