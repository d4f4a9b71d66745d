// Designations a ValueSet gives the concepts it lists itself (compose.include.concept.designation): a ValueSet may
// translate codes of a CodeSystem it does not own. $expand shows them for displayLanguage, and $validate-code
// accepts them as displays, so that a display one operation offers the other does not refuse.
import type { CodeSystemConceptDesignation, ValueSet } from '@medplum/fhirtypes';

const cache = new WeakMap<ValueSet, ReadonlyMap<string, CodeSystemConceptDesignation[]>>();

/** Keyed `system|code`. */
export function valueSetDesignations(valueSet: ValueSet): ReadonlyMap<string, CodeSystemConceptDesignation[]> {
  let found = cache.get(valueSet);
  if (!found) {
    const built = new Map<string, CodeSystemConceptDesignation[]>();
    for (const include of valueSet.compose?.include ?? []) {
      for (const concept of include.concept ?? []) {
        if (include.system && concept.designation?.length) {
          built.set(`${include.system}|${concept.code}`, concept.designation);
        }
      }
    }
    found = built;
    cache.set(valueSet, found);
  }
  return found;
}
