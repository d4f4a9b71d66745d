// Round trip of the official R4 examples (npm package hl7.fhir.r4.examples 4.0.1): every example resource is PUT
// under its own id and read back equal apart from `meta`. docs/conformance.md reports the result; the examples that
// cannot pass are listed below with the reason, and the test fails if one of them starts passing (keep the list true).
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../support/app.js';
import { loadExamples } from '../../bench/support/r4-examples.js';

/** Examples the hub refuses, each for a reason that lies in the example, not in the hub. */
const SEARCH_PARAMETER_WITHOUT_BASE = 'SearchParameter.base is required (1..*) and the example has none';
const LOGICAL_MODEL_WITHOUT_BASE =
  'violates sdf-4: not abstract, yet no baseDefinition (a pattern logical model published as an example)';
const KNOWN_FAILURES: Record<string, string> = {
  'Bundle-dataelements.json':
    'violates bdl-7: fullUrls repeat (de-Quantity.value three times) without distinct versionIds',
  'Bundle-v2-valuesets.json': 'holds CodeSystem v2-0550, whose codes contain non-breaking spaces (invalid code)',
  'CodeSystem-v2-0550.json':
    'codes "CHEST\u00a0", "KIDN\u00a0", " " contain (non-breaking) spaces at the ends: not a valid code',
  'ImplementationGuide-fhir.json': 'ImplementationGuide.name and .status are required and missing',
  'ig-r4.json': 'ImplementationGuide.name and .status are required and missing',
  'Questionnaire-qs1.json': 'Questionnaire.item.linkId is required and missing in nested items',
  'SearchParameter-codesystem-extensions-CodeSystem-author.json': SEARCH_PARAMETER_WITHOUT_BASE,
  'SearchParameter-codesystem-extensions-CodeSystem-effective.json': SEARCH_PARAMETER_WITHOUT_BASE,
  'SearchParameter-codesystem-extensions-CodeSystem-end.json': SEARCH_PARAMETER_WITHOUT_BASE,
  'SearchParameter-codesystem-extensions-CodeSystem-keyword.json': SEARCH_PARAMETER_WITHOUT_BASE,
  'SearchParameter-codesystem-extensions-CodeSystem-workflow.json': SEARCH_PARAMETER_WITHOUT_BASE,
  'SearchParameter-valueset-extensions-ValueSet-author.json': SEARCH_PARAMETER_WITHOUT_BASE,
  'SearchParameter-valueset-extensions-ValueSet-effective.json': SEARCH_PARAMETER_WITHOUT_BASE,
  'SearchParameter-valueset-extensions-ValueSet-end.json': SEARCH_PARAMETER_WITHOUT_BASE,
  'SearchParameter-valueset-extensions-ValueSet-keyword.json': SEARCH_PARAMETER_WITHOUT_BASE,
  'SearchParameter-valueset-extensions-ValueSet-workflow.json': SEARCH_PARAMETER_WITHOUT_BASE,
  'SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json':
    'its id has 67 characters; FHIR ids have at most 64',
  'StructureDefinition-Definition.json': LOGICAL_MODEL_WITHOUT_BASE,
  'StructureDefinition-Event.json': LOGICAL_MODEL_WITHOUT_BASE,
  'StructureDefinition-FiveWs.json': LOGICAL_MODEL_WITHOUT_BASE,
  'StructureDefinition-Request.json': LOGICAL_MODEL_WITHOUT_BASE,
};

/**
 * Examples of a type the API does not store: AuditEvents are the hub's own record of every access (the audit log,
 * docs/api/audit.md), which nobody writes through the API. Each must be refused with 405, not fail otherwise.
 */
const HUB_OWN_TYPES = new Set(['AuditEvent']);

function withoutMeta(resource: Record<string, unknown>): Record<string, unknown> {
  const { meta: _meta, ...rest } = resource;
  return rest;
}

// The two largest examples (Bundle-resources.json, 35 MB) exceed the default 10 MiB body limit; the limit is a
// setting (HUB_MAX_BODY_BYTES), raised here so that they are held to the same round trip as the rest.
const { app } = await createTestApp({ maxBodyBytes: 64 * 1024 * 1024 });
const examples = loadExamples();

async function roundTrip(resource: Resource): Promise<string | undefined> {
  const url = `/${resource.resourceType}/${resource.id}`;
  const put = await app.inject({
    method: 'PUT',
    url,
    headers: { 'content-type': 'application/fhir+json' },
    payload: resource,
  });
  if (put.statusCode !== 200 && put.statusCode !== 201) {
    return `PUT ${put.statusCode}: ${put
      .json()
      .issue?.map((i: { diagnostics?: string }) => i.diagnostics)
      .join('; ')}`;
  }
  const read = await app.inject({ method: 'GET', url });
  if (read.statusCode !== 200) {
    return `GET ${read.statusCode}`;
  }
  try {
    expect(withoutMeta(read.json())).toEqual(withoutMeta(resource as unknown as Record<string, unknown>));
  } catch {
    return 'read back differs from what was PUT';
  }
  return undefined;
}

describe('the official R4 examples', () => {
  it(`contains the whole package (${examples.length} resources)`, () => {
    expect(examples.length).toBeGreaterThan(2500);
  });

  it('round-trips every example through PUT and read, equal apart from meta', async () => {
    const failures: Record<string, string> = {};
    const queue = [...examples];
    // Several requests at once, as clients would send them; the resources are independent.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          if (!next.resource.id) {
            failures[next.file] = 'example has no id';
            continue;
          }
          const problem = await roundTrip(next.resource);
          if (HUB_OWN_TYPES.has(next.resource.resourceType)) {
            if (!problem?.startsWith('PUT 405')) failures[next.file] = `not refused with 405: ${problem ?? 'stored'}`;
            continue;
          }
          if (problem) {
            failures[next.file] = problem;
          }
          if (problem && !KNOWN_FAILURES[next.file]) {
            console.error(`${next.file}: ${problem}`);
          }
        }
      }),
    );
    console.log(`R4 examples: ${examples.length - Object.keys(failures).length} of ${examples.length} round-trip`);
    // Same files on both sides: a new failure, or a known one that now passes, fails the test.
    expect(Object.keys(failures).sort()).toEqual(Object.keys(KNOWN_FAILURES).sort());
  }, 600_000);
});
