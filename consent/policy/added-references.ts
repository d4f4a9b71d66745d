// The resources a write names that its stored version did not: every literal reference, relative or absolute,
// normalised as the search index stores it (`Type/id`), so an absolute URL cannot name what a relative one may not.
// A rule with `namesOnlyVisible` (rules.ts) lets its caller add only references to what it may already read: a
// scope that follows references (a client of a delivery it made, the device it carried) must not be widened by the
// caller's own write. Pure.
import type { Resource } from '@medplum/fhirtypes';
import { parseReference } from '../../server/fhir/search/extract/reference.js';

export interface NamedResource {
  resourceType: string;
  id: string;
}

/** Every `Type/id` a resource names in a `reference`, contained resources included. */
function namedResources(resource: Resource): Map<string, NamedResource> {
  const found = new Map<string, NamedResource>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'reference' && typeof inner === 'string') {
        const parsed = parseReference(inner);
        if (parsed.reference && parsed.type) {
          found.set(parsed.reference, {
            resourceType: parsed.type,
            id: parsed.reference.slice(parsed.type.length + 1),
          });
        }
      } else {
        walk(inner);
      }
    }
  };
  walk(resource);
  return found;
}

/** What `next` names that `stored` (the version it replaces, if any) did not. */
export function addedReferences(stored: Resource | undefined, next: Resource): NamedResource[] {
  const before = stored ? namedResources(stored) : new Map<string, NamedResource>();
  return [...namedResources(next)].filter(([key]) => !before.has(key)).map(([, named]) => named);
}
