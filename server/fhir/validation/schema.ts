// Structural validation against the R4 JSON schema with ajv. One validator is compiled lazily per resource type
// (compiling all ~150 resource definitions up front costs seconds) and nested resources (contained,
// Bundle.entry.resource, Parameters.parameter.resource) dispatch to the validator of their own resourceType,
// instead of the schema's oneOf over every resource type that reports ~150 useless alternatives.
import { createRequire } from 'node:module';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { DataValidationCxt } from 'ajv/dist/types/index.js';
import { schemaErrorsToIssues } from './issues.js';
import type { BindingKeyword, ChoiceGroup } from './r4-schema.js';
import { buildR4Schema, SCHEMA_ID } from './r4-schema.js';
import { narrativeProblem } from './narrative.js';
import { isR4ResourceType } from './resource-types.js';
import { expandValueSet } from './terminology.js';
import type { ValueSetCodes } from './terminology.js';

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function getAjv(): Ajv {
  if (!ajv) {
    const require = createRequire(import.meta.url);
    // verbose keeps parentSchema on errors, which tells the issue mapper which FHIR type was expected.
    ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateSchema: false });
    ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
    ajv.addKeyword({ keyword: 'fhirResource', schemaType: 'boolean', errors: true, validate: validateNestedResource });
    ajv.addKeyword({ keyword: 'fhirBinding', schemaType: 'object', errors: true, compile: compileBinding });
    ajv.addKeyword({
      keyword: 'fhirChoice',
      schemaType: 'array',
      type: 'object',
      errors: true,
      compile: compileChoice,
    });
    ajv.addKeyword({ keyword: 'fhirDate', schemaType: 'boolean', type: 'string', errors: false, validate: isRealDate });
    ajv.addKeyword({ keyword: 'fhirBase64', schemaType: 'boolean', type: 'string', errors: false, validate: isBase64 });
    ajv.addKeyword({
      keyword: 'fhirXhtml',
      schemaType: 'boolean',
      type: 'string',
      errors: true,
      validate: checkNarrative,
    });
    ajv.addSchema(buildR4Schema());
  }
  return ajv;
}

/** The compiled validator for one R4 resource type (callers check the type is an R4 type first). */
export function getTypeValidator(resourceType: string): ValidateFunction {
  let validator = validators.get(resourceType);
  if (!validator) {
    validator = getAjv().compile({ $ref: `${SCHEMA_ID}#/definitions/${resourceType}` });
    validators.set(resourceType, validator);
  }
  return validator;
}

/** Validates a resource whose resourceType is a known R4 type; returns no issues when it is valid. */
export function validateSchema(resource: { resourceType: string }): OperationOutcomeIssue[] {
  const validator = getTypeValidator(resource.resourceType);
  if (validator(resource)) {
    return [];
  }
  return schemaErrorsToIssues(resource, validator.errors ?? []);
}

/** A compiled custom keyword check. */
type Check = (data: unknown, cxt?: DataValidationCxt) => boolean;

/** ajv reads the errors of a failed custom keyword call from the function object itself. */
function setErrors(fn: object, errors: ErrorObject[] | undefined): void {
  (fn as { errors?: ErrorObject[] }).errors = errors;
}

function customError(
  cxt: DataValidationCxt | undefined,
  keyword: string,
  params: Record<string, unknown>,
): ErrorObject {
  return { keyword, instancePath: cxt?.instancePath ?? '', schemaPath: '', params };
}

/** fhirResource: validates a nested resource with the validator of its own resourceType. */
function validateNestedResource(_schema: boolean, data: unknown, _parent?: unknown, cxt?: DataValidationCxt): boolean {
  let problem: string | undefined;
  const resourceType = isObject(data) ? data.resourceType : undefined;
  if (!isObject(data)) {
    problem = 'not-object';
  } else if (resourceType === undefined) {
    problem = 'missing';
  } else if (typeof resourceType !== 'string' || !isR4ResourceType(resourceType)) {
    problem = 'unknown';
  }
  if (problem) {
    setErrors(validateNestedResource, [customError(cxt, 'fhirResource', { problem, resourceType })]);
    return false;
  }
  const validator = getTypeValidator(resourceType as string);
  if (validator(data)) {
    return true;
  }
  // Nested paths are relative to the nested resource; make them relative to the outer one.
  const prefix = cxt?.instancePath ?? '';
  const errors = (validator.errors ?? []).map((e) => ({ ...e, instancePath: prefix + e.instancePath }));
  setErrors(validateNestedResource, errors);
  return false;
}

function compileBinding(keyword: BindingKeyword): Check {
  // r4-schema.ts only attaches the keyword when the expansion exists.
  const codes = expandValueSet(keyword.valueSet) as ValueSetCodes;
  const fn: Check = (data, cxt) => {
    if (bindingMatches(keyword.kind, codes, data)) {
      return true;
    }
    setErrors(fn, [customError(cxt, 'fhirBinding', { valueSet: keyword.valueSet, kind: keyword.kind })]);
    return false;
  };
  return fn;
}

function bindingMatches(kind: BindingKeyword['kind'], codes: ValueSetCodes, data: unknown): boolean {
  if (kind === 'code') {
    // Non-strings are reported by the type check; only judge actual codes.
    return typeof data !== 'string' || codes.codes.has(data);
  }
  if (!isObject(data)) {
    return true;
  }
  if (kind === 'CodeableConcept') {
    const codings = Array.isArray(data.coding) ? data.coding.filter((c) => isObject(c) && c.code !== undefined) : [];
    // A required binding needs a code from the ValueSet: text alone does not satisfy it.
    return codings.some((c: Record<string, unknown>) => codes.hasCoding(c.system as string, c.code as string));
  }
  // Coding and Quantity: judge only when a code is given (a Quantity may be a plain number with a unit).
  return data.code === undefined || codes.hasCoding(data.system as string, data.code as string);
}

function compileChoice(groups: ChoiceGroup[]): Check {
  const groupOf = new Map<string, ChoiceGroup>();
  for (const group of groups) {
    for (const prop of group.properties) {
      groupOf.set(prop, group);
    }
  }
  const fn: Check = (data, cxt) => {
    let seen: Map<ChoiceGroup, string> | undefined;
    let errors: ErrorObject[] | undefined;
    // Called on objects only (the keyword's type is 'object').
    for (const key of Object.keys(data as object)) {
      const prop = key.startsWith('_') ? key.slice(1) : key;
      const group = groupOf.get(prop);
      if (!group) {
        continue;
      }
      seen ??= new Map();
      const first = seen.get(group);
      if (first === undefined) {
        seen.set(group, prop);
      } else if (first !== prop) {
        errors ??= [];
        errors.push(customError(cxt, 'fhirChoice', { element: group.element, properties: [first, prop] }));
      }
    }
    setErrors(fn, errors);
    return !errors;
  };
  return fn;
}

/** The date regexes allow day 31 in every month; reject days that do not exist (2023-02-29, 2024-04-31). */
function isRealDate(_schema: boolean, data: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(data);
  if (!m) {
    return true;
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return daysInMonth === undefined || day <= daysInMonth; // a bad month is the pattern's to report
}

function checkNarrative(_schema: boolean, data: string, _parent?: unknown, cxt?: DataValidationCxt): boolean {
  const problem = narrativeProblem(data);
  if (problem) {
    setErrors(checkNarrative, [customError(cxt, 'fhirXhtml', { problem })]);
  }
  return !problem;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** R4 base64Binary allows whitespace (line-wrapped data); Medplum's own check does not. */
function isBase64(_schema: boolean, data: string): boolean {
  const compact = /\s/.test(data) ? data.replace(/\s+/g, '') : data;
  return compact.length % 4 === 0 && BASE64.test(compact);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
