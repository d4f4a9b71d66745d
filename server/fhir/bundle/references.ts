// Reference resolution inside a transaction: fullUrls (urn:uuid:..., absolute URLs) of entries become the
// `Type/id` the server assigned, and conditional references (`Patient?identifier=...`) become the one resource
// they match (http://hl7.org/fhir/R4/http.html#trules).
import type { Resource } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import type { Repository } from '../../storage/repository.js';

const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.+)$/;

/** Every `reference` string in a resource, with a setter to replace it. */
function* referenceSlots(node: unknown): Generator<{ value: string; set: (value: string) => void }> {
  if (Array.isArray(node)) {
    for (const item of node) {
      yield* referenceSlots(item);
    }
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (key === 'reference' && typeof value === 'string') {
        yield { value, set: (next) => (record[key] = next) };
      } else if (typeof value === 'object') {
        yield* referenceSlots(value);
      }
    }
  }
}

export async function resolveReferences(
  resource: Resource,
  fullUrls: Map<string, string>,
  repository: Repository,
  conditionalCache: Map<string, string>,
): Promise<void> {
  for (const slot of referenceSlots(resource)) {
    const mapped = fullUrls.get(slot.value);
    if (mapped) {
      slot.set(mapped);
      continue;
    }
    const conditional = CONDITIONAL.exec(slot.value);
    if (conditional) {
      let target = conditionalCache.get(slot.value);
      if (!target) {
        const [, type, criteria] = conditional;
        const ids = await repository.findIds(type, criteria, 2);
        if (ids.length !== 1) {
          throw errors.badBundle(
            `The conditional reference "${slot.value}" matches ${ids.length === 0 ? 'no' : 'more than one'} resource; it must match exactly one`,
          );
        }
        target = `${type}/${ids[0]}`;
        conditionalCache.set(slot.value, target);
      }
      slot.set(target);
    } else if (slot.value.startsWith('urn:uuid:') || slot.value.startsWith('urn:oid:')) {
      throw errors.badBundle(`The reference "${slot.value}" names no entry's fullUrl in this transaction`);
    }
  }
}
