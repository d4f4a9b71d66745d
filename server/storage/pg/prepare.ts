// Turns a resource a client sent into the row that is stored: validated, with id and meta set by the server, and
// the index values (compartments, tokens) extracted. Pure apart from the validator's global definitions.
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { errors, withIssues } from '../../errors.js';
import { type Conformance, profileIssues } from '../../fhir/profiles/conformance.js';
import { validateResource } from '../../fhir/validation/validate.js';
import { computeIndexValues, type IndexOptions } from '../index-values.js';
import type { VersionRow } from './write.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function assertValidId(id: string): void {
  if (!ID.test(id)) {
    throw errors.invalidId(id);
  }
}

/** The stored form: resourceType, id and meta first, so every stored version reads the same way. */
export function storedContent(resource: Resource, id: string, version: number, lastUpdated: Date): string {
  const { resourceType, id: _ignored, meta, ...rest } = resource;
  const ownMeta = { ...meta, versionId: String(version), lastUpdated: lastUpdated.toISOString() };
  return JSON.stringify({ resourceType, id, meta: ownMeta, ...rest });
}

export interface PrepareOptions extends IndexOptions {
  /** Profiles to enforce (server/fhir/profiles/); without it only the base specification is checked. */
  conformance?: Conformance;
}

/** Base specification first (400 when broken), then the profiles the write must meet (422). */
function validateOrThrow(resource: Resource, conformance?: Conformance): void {
  const result = validateResource(resource);
  if (!result.ok) {
    const first = result.issues.find(isError);
    const summary = first?.diagnostics ?? first?.details?.text ?? 'The resource is not valid FHIR R4';
    throw withIssues(
      errors.invalidResource(`${resource.resourceType ?? 'Resource'} is not valid: ${summary}`),
      result.issues,
    );
  }
  if (conformance) {
    const issues = profileIssues(conformance, resource);
    const first = issues.find(isError);
    if (first) {
      throw withIssues(
        errors.profileViolation(`${resource.resourceType} does not conform to its profile: ${first.diagnostics}`),
        issues.filter(isError),
      );
    }
  }
}

function isError(issue: OperationOutcomeIssue): boolean {
  return issue.severity === 'error' || issue.severity === 'fatal';
}

export function prepareVersion(
  resource: Resource,
  id: string,
  version: number,
  lastUpdated: Date,
  method: string,
  options: PrepareOptions = {},
): VersionRow {
  validateOrThrow(resource, options.conformance);
  const content = storedContent(resource, id, version, lastUpdated);
  const index = computeIndexValues({ ...resource, id } as Resource, options);
  return { resourceType: resource.resourceType, id, version, lastUpdated, content, index, method };
}
