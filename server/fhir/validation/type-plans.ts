// Per-type plans for the element walker, compiled once from Medplum's parsed StructureDefinitions (the same
// InternalTypeSchema its validator crawls): JSON property name -> element and type, the required elements,
// and each element's invariants. Replaces Medplum's per-value search over every type of a choice element.
import type { InternalSchemaElement, InternalTypeSchema } from '@medplum/core';
import { getDataType } from '@medplum/core';
import type { CompiledInvariant } from './invariants.js';
import { compileInvariants } from './invariants.js';

export interface ElementPlan {
  /** The key in the type's elements, e.g. "deceased[x]"; Medplum builds paths from it. */
  key: string;
  element: InternalSchemaElement;
  /** JSON property names of the element, first type first, e.g. ["deceasedBoolean", "deceasedDateTime"]. */
  properties: string[];
  invariants: CompiledInvariant[];
  /** Reference target profiles, when the element can hold a Reference. */
  targetProfiles?: string[];
}

export interface TypePlan {
  schema: InternalTypeSchema;
  invariants: CompiledInvariant[];
  /** JSON property name (without "_") -> the element and the FHIR type it carries. */
  byProperty: Map<string, { plan: ElementPlan; type: string }>;
  /** Element key ("period", "value[x]") -> element, for FHIRPath-style lookups. */
  byKey: Map<string, ElementPlan>;
  required: ElementPlan[];
}

const plans = new Map<string, TypePlan>();

export function getTypePlan(type: string): TypePlan {
  let plan = plans.get(type);
  if (!plan) {
    plan = compile(getDataType(type));
    plans.set(type, plan);
  }
  return plan;
}

function compile(schema: InternalTypeSchema): TypePlan {
  const byProperty = new Map<string, { plan: ElementPlan; type: string }>();
  const required: ElementPlan[] = [];
  const byKey = new Map<string, ElementPlan>();
  for (const [key, element] of Object.entries(schema.elements)) {
    if (element.fixed || element.pattern || element.slicing) {
      // The base R4 definitions have none; the walker does not implement them.
      throw new Error(`Unsupported fixed/pattern/slicing on ${element.path}`);
    }
    // Medplum resolves property names from the last segment of the element path, not from the key.
    const last = element.path.slice(element.path.lastIndexOf('.') + 1);
    const plan: ElementPlan = {
      key,
      element,
      properties: [],
      invariants: compileInvariants(element.constraints),
      targetProfiles: element.type.find((t) => t.code === 'Reference')?.targetProfile,
    };
    byKey.set(key, plan);
    for (const t of element.type ?? []) {
      const property = last.replace('[x]', t.code.charAt(0).toUpperCase() + t.code.slice(1));
      plan.properties.push(property);
      if (!byProperty.has(property)) {
        byProperty.set(property, { plan, type: t.code });
      }
    }
    if (element.min > 0) {
      required.push(plan);
    }
  }
  return { schema, invariants: compileInvariants(schema.constraints), byProperty, byKey, required };
}
