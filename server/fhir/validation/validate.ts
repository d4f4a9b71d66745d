// The validation run on every write: basic shape, then the R4 JSON schema (structure, types, unknown elements,
// required-binding codes), then @medplum/core's StructureDefinition validator (cardinality, primitive formats,
// invariants). The schema goes first because Medplum stops at the first problem per element and its
// StructureDefinitions carry Medplum changes (extra Meta fields, R5 backports) that a plain R4 server must not accept.
import { OperationOutcomeError, validateResource as medplumValidate } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../definitions.js';
import { issue } from './issues.js';
import { isR4ResourceType } from './resource-types.js';
import { getTypeValidator, validateSchema } from './schema.js';

export { isR4ResourceType } from './resource-types.js';

export interface ValidationResult {
  ok: boolean;
  issues: OperationOutcomeIssue[];
}

export function validateResource(resource: unknown): ValidationResult {
  const shapeIssue = checkShape(resource);
  if (shapeIssue) {
    return result([shapeIssue]);
  }
  const typed = resource as Resource;
  try {
    const schemaIssues = validateSchema(typed);
    return result(schemaIssues.length > 0 ? schemaIssues : runMedplum(typed));
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
    return issue('code-invalid', 'Resource.resourceType', `Unknown resourceType "${type}": not a FHIR R4 resource type`);
  }
  return undefined;
}

function runMedplum(resource: Resource): OperationOutcomeIssue[] {
  loadDefinitions();
  let issues: OperationOutcomeIssue[];
  try {
    issues = medplumValidate(resource);
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      throw err;
    }
    issues = err.outcome.issue ?? [];
  }
  return issues.filter((i) => !isMedplumFalsePositive(resource, i)).map((i) => fromMedplum(resource, i));
}

/** Medplum issues that are wrong for R4; each one refused an official R4 example. */
function isMedplumFalsePositive(resource: Resource, i: OperationOutcomeIssue): boolean {
  const text = i.details?.text ?? '';
  const expression = i.expression?.[0] ?? '';
  if (text.startsWith('Invalid additional property')) {
    // Unknown elements are the schema's call: Medplum's StructureDefinitions lack some R4 elements
    // (EvidenceVariable.characteristic.definitionDataRequirement, ...) and add Medplum/R5 ones.
    return true;
  }
  if (text === 'Invalid base64Binary format') {
    // R4 allows whitespace in base64Binary (Binary-example); the schema's fhirBase64 check has passed it.
    return true;
  }
  if (text === 'String cannot be larger than 1 MB') {
    // The schema applies the R4 limit to string types. Medplum also applies it to base64Binary (a 2 MB PDF in
    // Binary.data is fine) and xhtml (the spec's own narratives exceed it), which have no limit.
    return true;
  }
  if (text.startsWith('Constraint ras-2 ')) {
    // "probability is decimal implies ...": Medplum's FHIRPath makes `{} is decimal` empty, not false,
    // so every prediction without a probability would fail.
    const prediction = walkExpression(resource, expression).value as Record<string, unknown> | undefined;
    return !Object.keys(prediction ?? {}).some((k) => k.startsWith('probability'));
  }
  return false;
}

function fromMedplum(resource: Resource, i: OperationOutcomeIssue): OperationOutcomeIssue {
  const expression = resolveChoicePath(resource, i.expression?.[0] ?? 'Resource');
  const text = i.details?.text ?? 'Invalid';
  let code = i.code;
  let diagnostics = `${expression}: ${text}`;
  if (text.startsWith('Missing required')) {
    code = 'required';
    diagnostics = `Missing required element ${expression}`;
  } else if (/^(Invalid .* format|Invalid numeric|Expected number|String)/.test(text)) {
    code = 'value';
  }
  const fhirpath = parseFhirPath(i.diagnostics);
  if (fhirpath) {
    diagnostics += ` (FHIRPath: ${fhirpath})`;
  }
  return issue(code, expression, diagnostics, i.severity === 'warning' || i.severity === 'information' ? 'warning' : 'error');
}

/** Medplum reports choice elements as "Patient.multipleBirth[x]"; name the property actually present instead. */
function resolveChoicePath(resource: Resource, expression: string): string {
  return expression.includes('[x]') ? walkExpression(resource, expression).path : expression;
}

/** Follows a Medplum expression such as "RiskAssessment.prediction[0]" or "Patient.deceased[x]" into the resource. */
function walkExpression(resource: Resource, expression: string): { path: string; value: unknown } {
  const segments = expression.split('.');
  let current: any = resource;
  for (let s = 1; s < segments.length && current !== undefined; s++) {
    const match = /^(.+?)(\[x\])?(?:\[(\d+)\])?$/.exec(segments[s]);
    if (!match) {
      return { path: expression, value: undefined };
    }
    let name = match[1];
    if (match[2] && current && typeof current === 'object') {
      const key = Object.keys(current).find((k) => k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length)));
      if (key) {
        name = key;
        segments[s] = key + (match[3] !== undefined ? `[${match[3]}]` : '');
      }
    }
    current = current?.[name];
    if (match[3] !== undefined) {
      current = current?.[Number(match[3])];
    }
  }
  return { path: segments.join('.'), value: current };
}

function parseFhirPath(diagnostics: string | undefined): string | undefined {
  if (!diagnostics?.startsWith('{')) {
    return undefined;
  }
  try {
    return JSON.parse(diagnostics).fhirpath;
  } catch {
    return undefined;
  }
}
