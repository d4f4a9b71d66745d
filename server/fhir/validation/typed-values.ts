// An element's value as Medplum's FHIRPath and validator see it (getTypedPropertyValueWithSchema): the first of
// its JSON names that is present, typed from the element definition, undefined when empty. Only values merged
// with a "_name" sibling go through Medplum itself; that case is rare and subtle.
import type { TypedValue } from '@medplum/core';
import { getTypedPropertyValueWithSchema, isEmpty, isResource } from '@medplum/core';
import type { ElementPlan } from './type-plans.js';

/** A JSON object of the resource being validated (a resource, a datatype or a backbone element). */
export type JsonObject = Record<string, unknown>;

/** The typed value(s) of an element as Medplum's getTypedPropertyValueWithSchema gives them, or undefined. */
export function resolve(plan: ElementPlan, obj: JsonObject): TypedValue | TypedValue[] | undefined {
  for (let i = 0; i < plan.properties.length; i++) {
    const property = plan.properties[i];
    if (obj[property] !== undefined || obj[`_${property}`] !== undefined) {
      return typedValues(plan, plan.element.type[i].code, property, obj);
    }
  }
  return undefined;
}

export function typedValues(
  plan: ElementPlan,
  type: string,
  property: string,
  obj: JsonObject,
): TypedValue | TypedValue[] | undefined {
  if (obj[`_${property}`] !== undefined) {
    // Merging a primitive with its extensions is rare; let Medplum do it exactly as it always has.
    return getTypedPropertyValueWithSchema({ type: '', value: obj }, plan.key, plan.element);
  }
  const value = obj[property];
  if (isEmpty(value)) {
    return undefined;
  }
  const resolvedType = type === 'Element' || type === 'BackboneElement' ? plan.element.type[0].code : type;
  return Array.isArray(value) ? value.map((v) => typed(v, resolvedType)) : typed(value, resolvedType);
}

function typed(value: unknown, type: string): TypedValue {
  return { type: type === 'Resource' && isResource(value) ? value.resourceType : type, value };
}
