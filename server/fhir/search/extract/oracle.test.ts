// Over every official R4 example: extraction never throws, and the first token value of every token parameter,
// searched as `system|code` (or `|code`), is found by @medplum/core's own matcher on that resource.
import { matchesSearchRequest, parseSearchRequest } from '@medplum/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../definitions.js';
import { loadExamples } from '../../../../bench/support/r4-examples.js';
import { extractSearchValues } from './extract.js';
import type { SearchValues } from './types.js';

beforeAll(() => loadDefinitions());

/** Escapes FHIR search's special characters in a token part (`,` `|` `$` and the backslash). */
function escapeTokenPart(value: string): string {
  return value.replace(/[\\,|$]/g, (c) => `\\${c}`);
}

/**
 * Cases where Medplum's matcher and the FHIR spec disagree, as `Type.code`. Every entry says why.
 */
const MEDPLUM_WRONG: Record<string, string> = {};

describe('extractSearchValues over the R4 examples', () => {
  const examples = loadExamples();

  it('extracts every example without throwing, and finds token values in most of them', () => {
    const all: SearchValues[] = examples.map(({ resource }) => extractSearchValues(resource));
    expect(examples.length).toBeGreaterThan(5000);
    expect(all.filter((values) => Object.values(values).some((v) => v.type === 'token')).length).toBeGreaterThan(3000);
    // Every parameter type shows up somewhere.
    const types = new Set(all.flatMap((values) => Object.values(values).map((v) => v.type)));
    expect([...types].sort()).toEqual([
      'composite',
      'date',
      'number',
      'quantity',
      'reference',
      'string',
      'token',
      'uri',
    ]);
  });

  it("round-trips the first token value of each token parameter through Medplum's matcher", () => {
    const failures: string[] = [];
    let checked = 0;
    for (const { file, resource } of examples) {
      const values = extractSearchValues(resource);
      for (const [code, param] of Object.entries(values)) {
        if (param.type !== 'token' || param.values.length === 0 || MEDPLUM_WRONG[`${resource.resourceType}.${code}`]) {
          continue;
        }
        const { system, code: value } = param.values[0];
        const query = `${system === undefined ? '' : escapeTokenPart(system)}|${escapeTokenPart(value)}`;
        checked++;
        if (!matchesSearchRequest(resource, parseSearchRequest(resource.resourceType, { [code]: query }))) {
          failures.push(`${file} ${code}=${query}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(10_000);
  }, 120_000); // about 10 s alone; Medplum's matcher over 5,306 examples is slow on a loaded 2-core machine
});
