import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ValidationResult } from './validate.js';
import { validateResource } from './validate.js';

const EXAMPLES_DIR = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));

const MISSING_SEARCH_BASE = 'SearchParameter.base is 1..* but absent';

/**
 * Official R4 examples that are genuinely invalid, with the reason, and a text that one of the issues must
 * contain, so an entry fails the test both when the file starts passing and when it fails for another reason.
 */
const KNOWN_INVALID: Record<string, { reason: string; issue: string }> = {
  'Bundle-dataelements.json': {
    reason: 'bdl-7: entries repeat a fullUrl (e.g. de-Quantity.value three times) without distinct meta.versionId',
    issue: 'bdl-7',
  },
  'CodeSystem-v2-0550.json': {
    reason:
      'codes " " (only a no-break space) and "CHESTÂ\u00a0" (mojibake, trailing no-break space): codes have no surrounding whitespace',
    issue: 'CodeSystem.concept[444].code',
  },
  'Bundle-v2-valuesets.json': { reason: 'contains CodeSystem v2-0550, see above', issue: '.concept[444].code' },
  'ImplementationGuide-fhir.json': { reason: 'no name and no status, both 1..1', issue: 'ImplementationGuide.status' },
  'ig-r4.json': { reason: 'the same ImplementationGuide: no name, no status', issue: 'ImplementationGuide.status' },
  'Questionnaire-qs1.json': {
    reason: 'nested items without the mandatory linkId',
    issue: 'Questionnaire.item[0].item[0].linkId',
  },
  'SearchParameter-codesystem-extensions-CodeSystem-author.json': {
    reason: MISSING_SEARCH_BASE,
    issue: 'SearchParameter.base',
  },
  'SearchParameter-codesystem-extensions-CodeSystem-effective.json': {
    reason: MISSING_SEARCH_BASE,
    issue: 'SearchParameter.base',
  },
  'SearchParameter-codesystem-extensions-CodeSystem-end.json': {
    reason: MISSING_SEARCH_BASE,
    issue: 'SearchParameter.base',
  },
  'SearchParameter-codesystem-extensions-CodeSystem-keyword.json': {
    reason: MISSING_SEARCH_BASE,
    issue: 'SearchParameter.base',
  },
  'SearchParameter-codesystem-extensions-CodeSystem-workflow.json': {
    reason: MISSING_SEARCH_BASE,
    issue: 'SearchParameter.base',
  },
  'SearchParameter-valueset-extensions-ValueSet-author.json': {
    reason: MISSING_SEARCH_BASE,
    issue: 'SearchParameter.base',
  },
  'SearchParameter-valueset-extensions-ValueSet-effective.json': {
    reason: MISSING_SEARCH_BASE,
    issue: 'SearchParameter.base',
  },
  'SearchParameter-valueset-extensions-ValueSet-end.json': {
    reason: MISSING_SEARCH_BASE,
    issue: 'SearchParameter.base',
  },
  'SearchParameter-valueset-extensions-ValueSet-keyword.json': {
    reason: MISSING_SEARCH_BASE,
    issue: 'SearchParameter.base',
  },
  'SearchParameter-valueset-extensions-ValueSet-workflow.json': {
    reason: MISSING_SEARCH_BASE,
    issue: 'SearchParameter.base',
  },
  'SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json': {
    reason: 'the id has 67 characters; an id has at most 64',
    issue: 'SearchParameter.id',
  },
  'StructureDefinition-Definition.json': {
    reason: 'sdf-4: a non-abstract logical model without baseDefinition',
    issue: 'sdf-4',
  },
  'StructureDefinition-Event.json': {
    reason: 'sdf-4: a non-abstract logical model without baseDefinition',
    issue: 'sdf-4',
  },
  'StructureDefinition-FiveWs.json': {
    reason: 'sdf-4: a non-abstract logical model without baseDefinition',
    issue: 'sdf-4',
  },
  'StructureDefinition-Request.json': {
    reason: 'sdf-4: a non-abstract logical model without baseDefinition',
    issue: 'sdf-4',
  },
};

function summary(result: ValidationResult): string[] {
  return result.issues.filter((i) => i.severity === 'error').map((i) => `${i.code}: ${i.diagnostics}`);
}

describe('validateResource on the official R4 examples (hl7.fhir.r4.examples)', () => {
  const results = new Map<string, ValidationResult>();

  // One pass over ~5300 files (about 30 s on one core); the tests below only look at the results.
  beforeAll(() => {
    for (const file of readdirSync(EXAMPLES_DIR).sort()) {
      if (!file.endsWith('.json')) {
        continue;
      }
      const json: unknown = JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8'));
      // package.json and .index.json are package metadata, not resources.
      if (typeof (json as { resourceType?: unknown })?.resourceType !== 'string') {
        continue;
      }
      results.set(file, validateResource(json));
    }
  }, 180_000);

  it('finds the resource files of the package', () => {
    expect(results.size).toBeGreaterThan(5000);
  });

  it('accepts every example that is not on the allow-list', () => {
    const refused: Record<string, string[]> = {};
    for (const [file, result] of results) {
      if (!result.ok && !(file in KNOWN_INVALID)) {
        refused[file] = summary(result).slice(0, 5);
      }
    }
    expect(refused).toEqual({});
  });

  it('still refuses every allow-listed example, for the stated reason', () => {
    for (const [file, { issue }] of Object.entries(KNOWN_INVALID)) {
      const result = results.get(file);
      expect(result, `${file} is not in the package any more`).toBeDefined();
      expect(result?.ok, `${file} now passes: remove it from KNOWN_INVALID`).toBe(false);
      expect(summary(result as ValidationResult).join('\n'), `${file} fails for another reason`).toContain(issue);
    }
  });
});
