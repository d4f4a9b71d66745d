// The hub's own SearchParameters: every JSON file in profiles/search-parameters/ (a FHIR SearchParameter resource).
// Loaded into the definitions at start-up next to the R4 base ones, so extraction, search and the
// CapabilityStatement see them; the storage layer reindexes the types whose parameters changed (reindex.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SearchParameter } from '@medplum/fhirtypes';

const DIR = fileURLToPath(new URL('./search-parameters/', import.meta.url));

const REQUIRED = ['url', 'code', 'base', 'type', 'expression'] as const;

export function hubSearchParameters(dir = DIR): SearchParameter[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const parameter = JSON.parse(readFileSync(dir + file, 'utf8')) as SearchParameter;
      const missing = REQUIRED.filter((field) => parameter[field] === undefined);
      if (parameter.resourceType !== 'SearchParameter' || missing.length) {
        // A broken profile file must stop start-up, not silently make a parameter unsearchable.
        throw new Error(
          `profiles/search-parameters/${file} is not a usable SearchParameter (missing: ${missing.join(', ') || 'resourceType'})`,
        );
      }
      return parameter;
    });
}
