// Walks a plain dotted path (`address.city`) from a typed value with getTypedPropertyValue, which is what FHIRPath
// calls per step (choice types included), without the rest of the FHIRPath machinery.
import { getTypedPropertyValue } from '@medplum/core';
import type { TypedValue } from '@medplum/core';

export function walk(root: TypedValue, path: string[]): TypedValue[] {
  let values = [root];
  for (const step of path) {
    const next: TypedValue[] = [];
    for (const value of values) {
      const child = getTypedPropertyValue(value, step);
      if (Array.isArray(child)) {
        for (const item of child) {
          if (item?.value !== undefined) {
            next.push(item);
          }
        }
      } else if (child?.value !== undefined) {
        next.push(child);
      }
    }
    values = next;
  }
  // A primitive with an extension (`_birthDate`) comes back as a String object; unwrap it as FHIRPath does.
  return values.map((value) =>
    value.value instanceof String || value.value instanceof Number || value.value instanceof Boolean
      ? { type: value.type, value: value.value.valueOf() }
      : value,
  );
}
