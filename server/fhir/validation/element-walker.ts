// Step (4) of validation without Medplum's generic crawler: walks the JSON once with the per-type plans of
// type-plans.ts and reports what @medplum/core's validateResource reports (minimum cardinality, empty values,
// primitive formats, error invariants, reference target warnings), in the same raw issue form, so the issue
// mapping and the known false-positive filter apply unchanged. Runs only after the R4 schema has passed, so
// unknown elements, wrong JSON types and conflicting choice types are already excluded.
import {
  createOperationOutcomeIssue,
  createStructureIssue,
  HTTP_HL7_ORG,
  isEmpty,
  isPrimitiveType,
  isReference,
  isResource,
  toTypedValue,
} from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { InvariantContext } from './invariants.js';
import { checkInvariants } from './invariants.js';
import { checkNulls, checkPrimitive } from './primitive-checks.js';
import type { ElementPlan, TypePlan } from './type-plans.js';
import { getTypePlan } from './type-plans.js';
import type { JsonObject } from './typed-values.js';
import { resolve, typedValues } from './typed-values.js';

/** Returns Medplum-shaped issues (details.text, expression) for a resource the R4 schema has accepted. */
export function walkResource(resource: Resource): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const root = toTypedValue(resource);
  const plan = getTypePlan(resource.resourceType);
  const context: InvariantContext = { resource, root };
  checkInvariants(plan.invariants, root, plan.schema.path, context, issues);
  checkNulls(resource as unknown as Record<string, unknown>, plan.schema.path, issues);
  walkObject(plan, resource as unknown as JsonObject, plan.schema.path, context, issues);
  return issues;
}

function walkObject(
  plan: TypePlan,
  obj: JsonObject,
  path: string,
  context: InvariantContext,
  issues: OperationOutcomeIssue[],
): void {
  if (isResource(obj) && obj !== context.resource) {
    context = { resource: obj, root: context.root };
  }
  for (const key in obj) {
    const isSibling = key.charCodeAt(0) === 95; // "_"
    const property = isSibling ? key.slice(1) : key;
    if (isSibling && obj[property] !== undefined) {
      continue; // visited with the value itself
    }
    const found = plan.byProperty.get(property);
    if (found) {
      visitElement(found.plan, found.type, property, obj, path, context, issues);
    }
  }
  for (const element of plan.required) {
    if (resolve(element, obj) === undefined) {
      issues.push(createStructureIssue(`${path}.${element.key}`, 'Missing required property'));
    }
  }
}

function visitElement(
  plan: ElementPlan,
  type: string,
  property: string,
  obj: JsonObject,
  parentPath: string,
  context: InvariantContext,
  issues: OperationOutcomeIssue[],
): void {
  const result = typedValues(plan, type, property, obj);
  if (result === undefined) {
    return; // empty: reported by the required-element pass when the element is required
  }
  const path = `${parentPath}.${plan.key}`;
  const { element } = plan;
  if (!!element.isArray !== Array.isArray(result)) {
    issues.push(
      createStructureIssue(
        path,
        element.isArray ? 'Expected array of values for property' : 'Expected single value for property',
      ),
    );
    return;
  }
  const values = Array.isArray(result) ? result : [result];
  if (values.length < element.min || values.length > element.max) {
    const max = Number.isFinite(element.max) ? element.max : '*';
    issues.push(
      createStructureIssue(
        element.path,
        `Invalid number of values: expected ${element.min}..${max}, but found ${values.length}`,
      ),
    );
  }
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const valuePath = element.isArray ? `${path}[${i}]` : path;
    checkInvariants(plan.invariants, value, valuePath, context, issues);
    if (plan.targetProfiles && value.type === 'Reference') {
      checkReference(value.value, plan.targetProfiles, valuePath, issues);
    }
    if (isPrimitiveType(value.type)) {
      const extensions = checkPrimitive(value, valuePath, issues);
      if (extensions) {
        walkObject(getTypePlan('Element'), extensions, valuePath, context, issues);
      }
    } else {
      if (isEmpty(value.value)) {
        issues.push(createStructureIssue(valuePath, 'Invalid empty non-primitive value'));
      }
      walkObject(getTypePlan(value.type), value.value, valuePath, context, issues);
    }
  }
}

const HL7_BASE = `${HTTP_HL7_ORG}/fhir/StructureDefinition/`;
const MEDPLUM_BASE = 'https://medplum.com/fhir/StructureDefinition/';

/** A warning when a literal reference points at a resource type the element does not allow (Medplum's rule). */
function checkReference(
  reference: unknown,
  targetProfiles: string[],
  path: string,
  issues: OperationOutcomeIssue[],
): void {
  if (!isReference(reference) || reference.reference.startsWith('#')) {
    return;
  }
  const type = reference.reference.includes('?')
    ? reference.reference.split('?')[0]
    : reference.reference.split('/')[0];
  if (!type) {
    return;
  }
  for (const profile of targetProfiles) {
    if (profile === `${HL7_BASE}Resource` || profile === HL7_BASE + type || profile === MEDPLUM_BASE + type) {
      return;
    }
    if (!profile.startsWith(HL7_BASE) && !profile.startsWith(MEDPLUM_BASE)) {
      return; // a profile outside the base spec (US Core, ...) cannot be judged
    }
  }
  const expected = targetProfiles.join('", "');
  issues.push(
    createOperationOutcomeIssue(
      'warning',
      'structure',
      `Invalid reference: got "${type}", expected "${expected}"`,
      path,
    ),
  );
}
