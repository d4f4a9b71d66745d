// Walks a plain dotted path (`address.city`) from a typed value with getTypedPropertyValue, which is what FHIRPath
// calls per step (choice types included), without the rest of the FHIRPath machinery.
import { getTypedPropertyValue } from '@medplum/core';
import type { TypedValue } from '@medplum/core';

/**
 * The values at `path`. With `memo` (one per resource), the values at each path prefix are kept, so parameters
 * on the same elements (name, family, given, phonetic; address, address-city, ...) walk them once.
 */
export function walk(root: TypedValue, path: string[], memo?: Map<string, TypedValue[]>): TypedValue[] {
  let values = [root];
  let start = 0;
  let key = '';
  if (memo) {
    // The longest prefix walked already.
    for (let i = path.length; i > 0; i--) {
      const known = memo.get(path.slice(0, i).join('.'));
      if (known) {
        values = known;
        start = i;
        key = path.slice(0, i).join('.');
        break;
      }
    }
  }
  for (let i = start; i < path.length; i++) {
    const step = path[i];
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
    if (memo) {
      key = key ? `${key}.${step}` : step;
      memo.set(key, values);
    }
  }
  // A primitive with an extension (`_birthDate`) comes back as a String object; unwrap it as FHIRPath does.
  return values.map((value) =>
    value.value instanceof String || value.value instanceof Number || value.value instanceof Boolean
      ? { type: value.type, value: value.value.valueOf() }
      : value,
  );
}
