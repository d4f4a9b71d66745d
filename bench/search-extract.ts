// µs per resource of extractSearchValues: `npx tsx bench/search-extract.ts`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getResourceTypes } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../server/fhir/definitions.js';
import { examplesDir, loadExamples } from './support/r4-examples.js';
import { extractSearchValues, skippedParameters } from '../server/fhir/search/extract/extract.js';
import { coverage, deviceRequest, patient } from './support/extract-fixtures.js';

loadDefinitions();

function measure(label: string, resources: Resource[], rounds: number): void {
  for (let i = 0; i < 200; i++) {
    for (const resource of resources) {
      extractSearchValues(resource);
    }
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    for (const resource of resources) {
      extractSearchValues(resource);
    }
  }
  const us = Number(process.hrtime.bigint() - start) / 1000 / (rounds * resources.length);
  console.log(`${label.padEnd(28)} ${us.toFixed(1)} µs/resource`);
}

const big = JSON.parse(readFileSync(path.join(examplesDir(), 'Patient-example.json'), 'utf8')) as Resource;
measure('Patient (hub)', [patient], 20_000);
measure('DeviceRequest (hub)', [deviceRequest], 20_000);
measure('Coverage (hub)', [coverage], 20_000);
measure('Patient-example.json', [big], 20_000);
const examples = loadExamples().map((e) => e.resource);
measure(`all ${examples.length} R4 examples`, examples, 3);

if (process.argv.includes('--skipped')) {
  for (const type of getResourceTypes()) {
    for (const skipped of skippedParameters(type)) {
      if (!skipped.code.startsWith('_')) {
        console.log(`${type}.${skipped.code} (${skipped.type}): ${skipped.reason}`);
      }
    }
  }
}
