// Reference resolution inside a transaction: fullUrls (urn:uuid:..., absolute URLs) of entries become the
// `Type/id` the server assigned wherever they occur (references, uri / url / oid / uuid elements, and href / src in
// the narrative), and conditional references (`Patient?identifier=...`) become the one resource they match
// (http://hl7.org/fhir/R4/http.html#trules).
import type { Resource } from '@medplum/fhirtypes';
import { errors } from '../../errors.js';
import type { Repository } from '../../contracts/repository.js';

const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.+)$/;

interface Slot {
  key: string;
  value: string;
  set: (value: string) => void;
}

/** Every string in a resource, with its key and a setter to replace it. */
function* stringSlots(node: unknown): Generator<Slot> {
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      const value = node[index];
      if (typeof value === 'string') {
        yield { key: '', value, set: (next) => (node[index] = next) };
      } else if (typeof value === 'object') {
        yield* stringSlots(value);
      }
    }
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (typeof value === 'string') {
        yield { key, value, set: (next) => (record[key] = next) };
      } else if (typeof value === 'object') {
        yield* stringSlots(value);
      }
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces fullUrls in the narrative's href and src attributes. */
function rewriteNarrative(div: string, fullUrls: Map<string, string>): string {
  let result = div;
  for (const [fullUrl, target] of fullUrls) {
    if (result.includes(fullUrl)) {
      result = result.replace(
        new RegExp(`((?:href|src)\\s*=\\s*["'])${escapeRegExp(fullUrl)}(["'])`, 'g'),
        `$1${target}$2`,
      );
    }
  }
  return result;
}

export async function resolveReferences(
  resource: Resource,
  fullUrls: Map<string, string>,
  repository: Repository,
  conditionalCache: Map<string, string>,
): Promise<void> {
  for (const slot of stringSlots(resource)) {
    const mapped = fullUrls.get(slot.value);
    if (mapped) {
      slot.set(mapped);
      continue;
    }
    if (slot.key === 'div') {
      slot.set(rewriteNarrative(slot.value, fullUrls));
      continue;
    }
    if (slot.key !== 'reference') {
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
