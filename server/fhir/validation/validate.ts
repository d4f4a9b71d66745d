// The validation run on every write: basic shape, then the R4 JSON schema (structure, types, unknown elements,
// required-binding codes), then @medplum/core's StructureDefinition validator (cardinality, primitive formats,
// invariants), which the element walker reproduces from compiled per-type plans at a fraction of the cost
// (Medplum's own validator stays available as validateResourceWithMedplum). The schema goes first because
// Medplum stops at the first problem per element and its StructureDefinitions carry Medplum changes (extra Meta
// fields, R5 backports) that a plain R4 server must not accept.
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../definitions.js';
import { walkResource } from './element-walker.js';
import { issue } from './issues.js';
import { mapMedplumIssues, runMedplum } from './medplum-issues.js';
import { isR4ResourceType } from './resource-types.js';
import { getTypeValidator, validateSchema } from './schema.js';
import { getTypePlan } from './type-plans.js';

export { isR4ResourceType } from './resource-types.js';

export interface ValidationResult {
  ok: boolean;
  issues: OperationOutcomeIssue[];
}

export function validateResource(resource: unknown): ValidationResult {
  return validateWith(resource, runWalker);
}

function runWalker(resource: Resource): OperationOutcomeIssue[] {
  loadDefinitions();
  return mapMedplumIssues(resource, walkResource(resource));
}

function validateWith(
  resource: unknown,
  elementCheck: (resource: Resource) => OperationOutcomeIssue[],
): ValidationResult {
  const shapeIssue = checkShape(resource);
  if (shapeIssue) {
    return result([shapeIssue]);
  }
  const typed = resource as Resource;
  try {
    const schemaIssues = validateSchema(typed);
    return result(schemaIssues.length > 0 ? schemaIssues : elementCheck(typed));
  } catch (err) {
    // Both validators recurse over the JSON; a few thousand nesting levels (nested extensions) exhaust the stack.
    if (err instanceof RangeError) {
      return result([issue('structure', typed.resourceType, 'The resource is nested too deeply to validate')]);
    }
    throw err;
  }
}

/** Loads the definitions, builds the schema and compiles the given types ahead of the first request (1-2 s). */
export function warmUpValidation(resourceTypes: string[] = ['Patient']): void {
  loadDefinitions();
  for (const type of resourceTypes) {
    getTypeValidator(type);
    getTypePlan(type);
  }
}

function result(issues: OperationOutcomeIssue[]): ValidationResult {
  return { ok: !issues.some((i) => i.severity === 'error' || i.severity === 'fatal'), issues };
}

function checkShape(resource: unknown): OperationOutcomeIssue | undefined {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    const found = resource === null ? 'null' : Array.isArray(resource) ? 'an array' : typeof resource;
    return issue('structure', 'Resource', `A resource must be a JSON object, found ${found}`);
  }
  const type = (resource as Record<string, unknown>).resourceType;
  if (type === undefined) {
    return issue('required', 'Resource.resourceType', 'Missing resourceType: a resource must say which type it is');
  }
  if (typeof type !== 'string') {
    return issue('structure', 'Resource.resourceType', `resourceType must be a string, found ${typeof type}`);
  }
  if (!isR4ResourceType(type)) {
    return issue(
      'code-invalid',
      'Resource.resourceType',
      `Unknown resourceType "${type}": not a FHIR R4 resource type`,
    );
  }
  return undefined;
}

/** The former pipeline, with @medplum/core's validator as step (4); kept so tests can compare both. */
export function validateResourceWithMedplum(resource: unknown): ValidationResult {
  return validateWith(resource, runMedplum);
}
