// Preparation through the hub's own REST API before anything is measured: the reference resources the generated
// requests point at (PUT with fixed ids), a $validate check of generated samples, and seed Patients for a read-only run.
// Every request carries the hub admin client's bearer token, asked of `tokens` per request (bench/hub-auth.ts).
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { bearerHeaders, type TokenSource } from './hub-auth.js';

const HEADERS = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' };

const headers = async (tokens: TokenSource) => ({ ...HEADERS, ...(await bearerHeaders(tokens)) });

export async function createReferenceData(base: string, tokens: TokenSource, resources: Resource[]): Promise<void> {
  for (const resource of resources) {
    const response = await fetch(`${base}/${resource.resourceType}/${resource.id}`, {
      method: 'PUT',
      headers: await headers(tokens),
      body: JSON.stringify(resource),
    });
    if (response.status !== 200 && response.status !== 201) {
      throw new Error(
        `PUT ${resource.resourceType}/${resource.id} answered ${response.status}: ${await response.text()}`,
      );
    }
  }
}

/** Validates each JSON text with POST [type]/$validate; returns a line per error (none when all are valid). */
export async function checkValid(base: string, tokens: TokenSource, texts: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const text of texts) {
    const type = (JSON.parse(text) as Resource).resourceType;
    const response = await fetch(`${base}/${type}/$validate`, {
      method: 'POST',
      headers: await headers(tokens),
      body: text,
    });
    const outcome = (await response.json()) as OperationOutcome;
    const errors = (outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
    if (response.status !== 200 || errors.length) {
      problems.push(
        `${type} (${response.status}): ${errors.map((i) => i.diagnostics).join('; ')} in ${text.slice(0, 300)}`,
      );
    }
  }
  return problems;
}

/** Creates the Patients in transaction Bundles of 500 (used when the read figure runs without the create figure). */
export async function seedPatients(base: string, tokens: TokenSource, texts: string[]): Promise<void> {
  for (let i = 0; i < texts.length; i += 500) {
    const entry = texts
      .slice(i, i + 500)
      .map((text) => `{"resource":${text},"request":{"method":"POST","url":"Patient"}}`);
    const response = await fetch(base, {
      method: 'POST',
      headers: await headers(tokens),
      body: `{"resourceType":"Bundle","type":"transaction","entry":[${entry.join(',')}]}`,
    });
    if (response.status !== 200) {
      throw new Error(`seeding Patients answered ${response.status}: ${(await response.text()).slice(0, 1000)}`);
    }
  }
}
