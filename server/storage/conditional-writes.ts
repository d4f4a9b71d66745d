// The spec's rules for conditional update and delete, over any Repository that can find ids and write: the storage
// repository runs them on its own transaction, the policy repository (consent/policy/) on the caller's narrowed
// view, so that both decide zero, one or several matches the same way. The caller holds the criteria's lock.
import type { Resource } from '@medplum/fhirtypes';
import { errors } from '../errors.js';
import type { Repository, WriteOptions, WriteOutcome } from '../contracts/repository.js';

/** Conditional delete removes at most this many matches; more is refused (412) as too broad. */
export const CONDITIONAL_DELETE_LIMIT = 100;

/** 0 matches: create (or update-as-create with the body's id); 1: update it; more: 412. */
export async function conditionalUpdateWith(
  repository: Pick<Repository, 'findIds' | 'update' | 'create'>,
  resource: Resource,
  criteria: string,
  options: WriteOptions,
): Promise<WriteOutcome> {
  const ids = await repository.findIds(resource.resourceType, criteria, 2);
  if (ids.length > 1) {
    throw errors.multipleMatches('update', criteria);
  }
  if (ids.length === 1) {
    if (resource.id && resource.id !== ids[0]) {
      throw errors.idMismatch(resource.id, ids[0]);
    }
    return repository.update({ ...resource, id: ids[0] }, options);
  }
  // No match: with an id in the body this is an update-as-create, without one a create.
  return resource.id ? repository.update(resource, options) : repository.create(resource);
}

/** Deletes every match, up to CONDITIONAL_DELETE_LIMIT; more is refused (412) before anything is deleted. */
export async function conditionalDeleteWith(
  repository: Pick<Repository, 'findIds' | 'delete'>,
  resourceType: string,
  criteria: string,
): Promise<{ deleted: number }> {
  const ids = await repository.findIds(resourceType, criteria, CONDITIONAL_DELETE_LIMIT + 1);
  if (ids.length > CONDITIONAL_DELETE_LIMIT) {
    throw errors.multipleMatches('delete', `more than ${CONDITIONAL_DELETE_LIMIT} matches`);
  }
  let deleted = 0;
  for (const id of ids) {
    deleted += (await repository.delete(resourceType, id)).deleted ? 1 : 0;
  }
  return { deleted };
}
