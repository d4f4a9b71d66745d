// Step (4) issues in the form @medplum/core's validator reports them (details.text, "[x]" paths), turned into
// this server's issues. Both the element walker and Medplum's own validator (kept for the differential test)
// go through here, so the known Medplum false positives are filtered the same way for both.
import { OperationOutcomeError, validateResource as medplumValidate } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../definitions.js';
import { issue } from './issues.js';

/** Runs @medplum/core's validateResource (the former step 4) and maps its issues. */
export function runMedplum(resource: Resource): OperationOutcomeIssue[] {
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
  return mapMedplumIssues(resource, issues);
}

export function mapMedplumIssues(resource: Resource, issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
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
  return issue(
    code,
    expression,
    diagnostics,
    i.severity === 'warning' || i.severity === 'information' ? 'warning' : 'error',
  );
}

/** Medplum reports choice elements as "Patient.multipleBirth[x]"; name the property actually present instead. */
function resolveChoicePath(resource: Resource, expression: string): string {
  return expression.includes('[x]') ? walkExpression(resource, expression).path : expression;
}

/** Follows a Medplum expression such as "RiskAssessment.prediction[0]" or "Patient.deceased[x]" into the resource. */
function walkExpression(resource: Resource, expression: string): { path: string; value: unknown } {
  const segments = expression.split('.');
  let current: unknown = resource;
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
    current = member(current, name);
    if (match[3] !== undefined) {
      current = member(current, Number(match[3]));
    }
  }
  return { path: segments.join('.'), value: current };
}

/** `value?.[key]` on a JSON value of any kind. */
function member(value: unknown, key: string | number): unknown {
  return (value as Record<string | number, unknown> | null | undefined)?.[key];
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
