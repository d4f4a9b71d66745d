// The official R4 examples (npm package hl7.fhir.r4.examples 4.0.1): every JSON file that holds a resource. The one
// loader for the tests and benchmarks that hold the hub against them.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';

export function examplesDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
}

export function loadExamples(): { file: string; resource: Resource }[] {
  const dir = examplesDir();
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json') && file !== 'package.json' && !file.startsWith('.'))
    .map((file) => ({ file, resource: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Resource }))
    .filter(({ resource }) => typeof (resource as { resourceType?: unknown }).resourceType === 'string');
}
