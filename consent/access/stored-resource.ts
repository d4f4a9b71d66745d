// The stored side of a write check: the current version as a resource, the resource a patch would make of it, and
// a masked caller's update completed with what its mask hides. Shared by the policy repository's write paths.
import type { Resource } from '@medplum/fhirtypes';
import jsonpatch from 'fast-json-patch'; // CommonJS: its named exports are not visible to Node's ESM loader
import type { Operation } from 'fast-json-patch';
import type { HubError } from '../../server/errors.js';
import type { Repository } from '../../server/contracts/repository.js';
import { mergeMaskedUpdate } from '../policy/masks.js';
import type { MaskName } from '../policy/rules.js';

/** The update a masked caller sends, with what its mask hides taken from the stored version. */
export function mergeStored(stored: Resource, resource: Resource, mask: MaskName): Resource {
  return mergeMaskedUpdate(
    stored as unknown as Record<string, unknown>,
    resource as unknown as Record<string, unknown>,
    mask,
  ) as unknown as Resource;
}

/** The stored current version as a resource, or undefined when there is none (or it is deleted). */
export async function storedResource(tx: Repository, resourceType: string, id: string): Promise<Resource | undefined> {
  try {
    const version = await tx.read(resourceType, id);
    return version.deleted ? undefined : (JSON.parse(version.json) as Resource);
  } catch (error) {
    if ((error as HubError).statusCode === 404 || (error as HubError).statusCode === 410) return undefined;
    throw error;
  }
}

/** `stored` with the patch applied, or undefined when the patch does not apply (the storage then says why). */
export function patchedOrUndefined(stored: Resource, operations: Operation[]): Resource | undefined {
  try {
    return jsonpatch.applyPatch(
      jsonpatch.deepClone(stored) as Resource,
      jsonpatch.deepClone(operations) as Operation[],
      true,
      true,
    ).newDocument;
  } catch {
    return undefined;
  }
}
