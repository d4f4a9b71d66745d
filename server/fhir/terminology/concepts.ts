// The concepts of a CodeSystem by code, with their place in the hierarchy. CodeSystems nest concepts to say
// "parent of"; $lookup reports that as parent / child properties, and $expand and $validate-code need a concept by
// code without walking the tree each time. Built once per CodeSystem object (registry resources never change).
import type { CodeSystem, CodeSystemConcept } from '@medplum/fhirtypes';

export interface IndexedConcept {
  concept: CodeSystemConcept;
  /** The codes of the concepts this one is nested in (one, unless the CodeSystem repeats a code under two parents). */
  parents: string[];
  children: string[];
}

const indexes = new WeakMap<CodeSystem, ReadonlyMap<string, IndexedConcept>>();

export function conceptIndex(codeSystem: CodeSystem): ReadonlyMap<string, IndexedConcept> {
  let index = indexes.get(codeSystem);
  if (!index) {
    const built = new Map<string, IndexedConcept>();
    const walk = (concepts: CodeSystemConcept[] | undefined, parent: string | undefined): void => {
      for (const concept of concepts ?? []) {
        const entry = built.get(concept.code) ?? { concept, parents: [], children: [] };
        built.set(concept.code, entry);
        if (parent !== undefined && !entry.parents.includes(parent)) {
          entry.parents.push(parent);
        }
        entry.children.push(
          ...(concept.concept ?? []).map((child) => child.code).filter((code) => !entry.children.includes(code)),
        );
        walk(concept.concept, concept.code);
      }
    };
    walk(codeSystem.concept, undefined);
    index = built;
    indexes.set(codeSystem, index);
  }
  return index;
}

/** `notSelectable` (the R4 concept property for abstract codes) set to true. */
export function isAbstract(concept: CodeSystemConcept): boolean {
  return concept.property?.some((p) => p.code === 'notSelectable' && p.valueBoolean === true) ?? false;
}

const INACTIVE = new Set(['retired', 'inactive']);

/** `status` retired or inactive, or `inactive` true (the R4 concept properties). */
export function isInactive(concept: CodeSystemConcept): boolean {
  return (
    concept.property?.some(
      (p) =>
        (p.code === 'status' && INACTIVE.has(String(p.valueCode ?? p.valueString))) ||
        (p.code === 'inactive' && p.valueBoolean === true),
    ) ?? false
  );
}
