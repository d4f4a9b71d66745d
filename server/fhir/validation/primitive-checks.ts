// The value checks Medplum's validator applies to primitives and nulls, restated for the element walker so
// that the accept/refuse decision stays the same (whitespace-only strings, integer ranges, format regexes,
// nulls outside the primitive-array alignment that FHIR JSON allows).
import type { TypedValue } from '@medplum/core';
import { createStructureIssue, fhirTypeToJsType, validationRegexes } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

const MAX_STRING_LENGTH = 1024 * 1024;
const INTEGER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt']);

/**
 * Checks a primitive value; returns the object holding its id/extension (from a "_name" sibling) when it has
 * one, which the caller walks as an Element.
 */
export function checkPrimitive(
  typed: TypedValue,
  path: string,
  issues: OperationOutcomeIssue[],
): Record<string, unknown> | undefined {
  let value = typed.value;
  let extensions: Record<string, unknown> | undefined;
  if (typeof value === 'object' && value !== null) {
    // A boxed primitive (String, Number, Boolean) carrying id/extension, or a plain object (extensions only).
    const primitive = value.valueOf();
    if (primitive === value) {
      return value;
    }
    const primitiveKeys = new Set(Object.keys(primitive));
    const entries = Object.entries(value).filter(([k]) => !primitiveKeys.has(k));
    extensions = entries.length > 0 ? Object.fromEntries(entries) : undefined;
    value = primitive;
  }
  checkPrimitiveValue(typed.type, value, path, issues);
  return extensions;
}

function checkPrimitiveValue(type: string, value: unknown, path: string, issues: OperationOutcomeIssue[]): void {
  const expected = (fhirTypeToJsType as Record<string, string>)[type];
  if (!expected) {
    issues.push(createStructureIssue(path, `Invalid JSON type: ${type} is not a valid FHIR type`));
    return;
  }
  if (typeof value !== expected) {
    if (value !== null) {
      issues.push(createStructureIssue(path, `Invalid JSON type: expected ${expected}, but got ${typeof value}`));
    }
    return;
  }
  if (typeof value === 'string') {
    if (!value.trim()) {
      issues.push(createStructureIssue(path, 'String must contain non-whitespace content'));
    } else if (value.length > MAX_STRING_LENGTH) {
      issues.push(createStructureIssue(path, 'String cannot be larger than 1 MB'));
    } else if (validationRegexes[type] && !validationRegexes[type].exec(value)) {
      issues.push(createStructureIssue(path, `Invalid ${type} format`));
    }
  } else if (typeof value === 'number') {
    if (Number.isNaN(value) || !Number.isFinite(value)) {
      issues.push(createStructureIssue(path, 'Invalid numeric value'));
    } else if (INTEGER_TYPES.has(type) && !Number.isInteger(value)) {
      issues.push(createStructureIssue(path, 'Expected number to be an integer'));
    } else if (type === 'positiveInt' && value <= 0) {
      issues.push(createStructureIssue(path, 'Expected number to be positive'));
    } else if (type === 'unsignedInt' && value < 0) {
      issues.push(createStructureIssue(path, 'Expected number to be non-negative'));
    }
  }
}

/** Nulls are only allowed in a primitive array whose "_name" partner has an entry at the same index. */
export function checkNulls(obj: Record<string, unknown>, path: string, issues: OperationOutcomeIssue[]): void {
  for (const key in obj) {
    const value = obj[key];
    const propertyPath = `${path}.${key}`;
    if (value === null) {
      issues.push(createStructureIssue(propertyPath, 'Invalid null value'));
    } else if (Array.isArray(value)) {
      // Indexed as it stands (an array once the schema has passed); anything else has no entries to align with.
      const partner = obj[key.startsWith('_') ? key.slice(1) : `_${key}`] as
        | { [index: number]: unknown }
        | null
        | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (item === undefined) {
          issues.push(createStructureIssue(`${propertyPath}[${i}]`, 'Invalid undefined value'));
        } else if (item === null && !partner?.[i]) {
          issues.push(createStructureIssue(`${propertyPath}[${i}]`, 'Invalid null value'));
        } else if (item && typeof item === 'object') {
          checkNulls(item, `${propertyPath}[${i}]`, issues);
        }
      }
    } else if (typeof value === 'object') {
      checkNulls(value as Record<string, unknown>, propertyPath, issues);
    }
  }
}
