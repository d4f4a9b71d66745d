// OperationOutcome builders. Every error a client sees is one of these, carrying our HUB_ERR_* code in
// issue.details so that a client can branch on it without parsing text.
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { errorInfo, type HubError } from '../errors.js';

export const ERROR_CODE_SYSTEM = 'https://zorghub.example.org/fhir/CodeSystem/hub-error';

export function outcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export function informational(text: string): OperationOutcome {
  return outcome([{ severity: 'information', code: 'informational', diagnostics: text }]);
}

export function outcomeForError(error: HubError): OperationOutcome {
  const info = errorInfo(error.code);
  const main: OperationOutcomeIssue = {
    severity: 'error',
    code: info?.issueType ?? 'exception',
    details: { coding: [{ system: ERROR_CODE_SYSTEM, code: error.code }], text: error.message },
    diagnostics: error.message,
    ...(error.expression ? { expression: error.expression } : {}),
  };
  // Validation errors carry one issue per problem; the first issue then summarises.
  return outcome(error.issues?.length ? [main, ...error.issues] : [main]);
}

/** Prefixes each issue's expression, e.g. to point into `Bundle.entry[3].resource`. */
export function prefixExpressions(
  issues: OperationOutcomeIssue[],
  prefix: string,
  resourceType: string,
): OperationOutcomeIssue[] {
  return issues.map((issue) => ({
    ...issue,
    expression: issue.expression?.map((path) =>
      path.startsWith(resourceType) ? `${prefix}${path.slice(resourceType.length)}` : `${prefix}.${path}`,
    ),
  }));
}
