// Turns ajv errors into OperationOutcome issues with FHIRPath-like expressions (Patient.name[0].given) and
// sentences a client developer can act on, instead of JSON pointers and "must match pattern ...".
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ErrorObject } from 'ajv';
import type { BindingKeyword } from './r4-schema.js';

type IssueType = OperationOutcomeIssue['code'];

/** The params read here: those of ajv's own keywords and of schema.ts's custom keywords (fhir*). */
interface ErrorParams {
  missingProperty?: string; // required
  additionalProperty?: string; // additionalProperties
  type?: string; // type
  allowedValue?: unknown; // const
  allowedValues?: unknown; // enum
  problem?: string; // fhirXhtml, fhirResource
  resourceType?: unknown; // fhirResource
  element?: string; // fhirChoice
  properties?: string[]; // fhirChoice
}

/** A Coding as far as the binding sentence reads it (or whatever the client sent in its place). */
type CodingLike = { system?: unknown; code?: unknown } | null | undefined;

export function issue(
  code: IssueType,
  expression: string,
  diagnostics: string,
  severity: 'error' | 'warning' = 'error',
): OperationOutcomeIssue {
  return { severity, code, diagnostics, expression: [expression] };
}

export function schemaErrorsToIssues(
  resource: { resourceType: string },
  errors: ErrorObject[],
): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const mapped = mapError(resource, error);
    // allErrors can reach one problem through two keywords that map to the same sentence; report it once.
    const key = mapped ? `${mapped.expression?.[0]}|${mapped.diagnostics}` : '';
    if (mapped && !seen.has(key)) {
      seen.add(key);
      issues.push(mapped);
    }
  }
  return issues;
}

function mapError(root: { resourceType: string }, error: ErrorObject): OperationOutcomeIssue | undefined {
  const segments = pointerSegments(error.instancePath);
  const path = toExpression(root.resourceType, segments);
  const value = valueAt(root, segments);
  const params: ErrorParams = error.params;
  const fhirType = (error.parentSchema as { fhirType?: string } | undefined)?.fhirType;

  switch (error.keyword) {
    case 'if':
      return undefined; // wrapper of the null-tolerant primitive arrays; the inner error is reported itself
    case 'required': {
      const expr = `${path}.${params.missingProperty}`;
      return issue('required', expr, `Missing required element ${expr}`);
    }
    case 'additionalProperties': {
      const expr = `${path}.${params.additionalProperty}`;
      return issue('structure', expr, `Unknown element "${params.additionalProperty}" at ${expr}`);
    }
    case 'type':
    case 'enum':
    case 'const':
      if (error.keyword === 'type' && params.type === 'array') {
        return issue(
          'structure',
          path,
          `Expected an array for ${path} (the element repeats), found ${describe(value)}`,
        );
      }
      if (Array.isArray(value)) {
        return issue('structure', path, `Expected a single value for ${path}, found an array`);
      }
      if (error.keyword === 'type' || typeof value !== 'string') {
        const wanted = expected(fhirType, error);
        return issue('structure', path, `Wrong type for ${path}: expected ${wanted}, found ${describe(value)}`);
      }
      if (error.keyword === 'const') {
        return issue(
          'value',
          path,
          `Invalid value ${quote(value)} for ${path}: expected ${quote(params.allowedValue)}`,
        );
      }
      return issue(
        'code-invalid',
        path,
        `Invalid code ${quote(value)} for ${path}; allowed: ${allowed(params.allowedValues)}`,
      );
    case 'pattern': {
      const what = fhirType && !fhirType.includes('_') ? fhirType : 'value';
      return issue('value', path, `Invalid ${what} ${quote(value)} for ${path}`);
    }
    case 'maxLength':
      return issue('value', path, `${path} is longer than the R4 limit of 1 MB`);
    case 'minItems':
      return issue('structure', path, `${path} is an empty array: leave the element out instead`);
    case 'fhirDate':
      return issue('value', path, `Invalid ${fhirType ?? 'date'} ${quote(value)} for ${path}: no such day`);
    case 'fhirBase64':
      return issue('value', path, `Invalid base64Binary for ${path}: not base64-encoded data`);
    case 'fhirXhtml':
      return issue('value', path, `The narrative ${path} ${params.problem}`);
    case 'fhirBinding':
      return bindingIssue(path, value, error.params as BindingKeyword);
    case 'fhirResource':
      return resourceIssue(path, params);
    case 'fhirChoice': {
      const [first, second] = params.properties as string[];
      const expr = `${path}.${params.element}`;
      return issue('structure', expr, `Only one type is allowed for ${expr}, found both "${first}" and "${second}"`);
    }
    default:
      return issue('structure', path, `${path} ${error.message ?? 'is invalid'}`);
  }
}

function bindingIssue(path: string, value: unknown, params: BindingKeyword): OperationOutcomeIssue {
  const vs = params.valueSet.split('|')[0];
  if (params.kind === 'code') {
    return issue('code-invalid', path, `Invalid code ${quote(value)} for ${path}: not in the required ValueSet ${vs}`);
  }
  const codings: CodingLike[] =
    params.kind === 'CodeableConcept'
      ? ((value as { coding?: CodingLike[] } | null | undefined)?.coding ?? [])
      : [value as CodingLike];
  const given = codings
    .filter((c): c is { system?: unknown; code: unknown } => c?.code !== undefined)
    .map((c) => `${c.system ?? '(no system)'}#${c.code}`);
  if (given.length === 0) {
    return issue('code-invalid', path, `${path} has no code, but a code from the required ValueSet ${vs} is needed`);
  }
  return issue(
    'code-invalid',
    path,
    `Invalid code ${given.join(', ')} for ${path}: not in the required ValueSet ${vs}`,
  );
}

function resourceIssue(path: string, params: ErrorParams): OperationOutcomeIssue {
  switch (params.problem) {
    case 'not-object':
      return issue('structure', path, `${path} must be a resource (a JSON object with a resourceType)`);
    case 'missing':
      return issue('required', `${path}.resourceType`, `Missing resourceType for the resource at ${path}`);
    default:
      return issue(
        'code-invalid',
        `${path}.resourceType`,
        `Unknown resourceType ${quote(params.resourceType)} at ${path}: not an R4 resource type`,
      );
  }
}

/** JSON pointer ("/name/0/given") to segments, undoing the ~1 and ~0 escapes. */
function pointerSegments(pointer: string): string[] {
  if (!pointer) {
    return [];
  }
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** ["name", "0", "given"] on a Patient -> "Patient.name[0].given". */
function toExpression(root: string, segments: string[]): string {
  let out = root;
  for (const s of segments) {
    out += /^\d+$/.test(s) ? `[${s}]` : `.${s}`;
  }
  return out;
}

export function pointerToExpression(root: string, pointer: string): string {
  return toExpression(root, pointerSegments(pointer));
}

function valueAt(root: unknown, segments: string[]): unknown {
  let current = root;
  for (const s of segments) {
    current = (current as Record<string, unknown> | null | undefined)?.[s];
  }
  return current;
}

function expected(fhirType: string | undefined, error: ErrorObject): string {
  const jsonType = (error.params as ErrorParams).type ?? 'string';
  if (!fhirType || fhirType.includes('_')) {
    return jsonType === 'object' ? 'an object' : `a JSON ${jsonType}`;
  }
  return `${fhirType} (a JSON ${jsonType})`;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (typeof value === 'object') {
    return 'an object';
  }
  return typeof value === 'string' ? `string ${quote(value)}` : `${typeof value} ${String(value)}`;
}

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function allowed(values: unknown): string {
  const list = Array.isArray(values) ? values.map(String) : [];
  return list.length > 20 ? `${list.slice(0, 20).join(', ')}, ...` : list.join(', ');
}
