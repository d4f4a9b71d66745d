// What an update by this caller may change, given what is stored and what would be: an authorisation Consent only
// its withdrawal (authorisation-consents.ts); a caller with element-level rights (a client, his delegate: the
// permit's `changes`, decide.ts) only those elements (changed-elements.ts). Pure: throws a 403 naming the element.
import type { Consent, Resource } from '@medplum/fhirtypes';
import { errors } from '../../server/errors.js';
import { consentChange } from './authorisation-consents.js';
import { forbiddenChanges } from './changed-elements.js';
import type { Decision } from './decide.js';

type Permit = Extract<Decision, { effect: 'permit' }>;

/** `withdrawal` when the update withdraws an authorisation Consent; throws when it may not be made. */
export function assertAllowedChange(
  decision: Permit,
  stored: Resource | undefined,
  next: Resource,
): 'withdrawal' | undefined {
  const withdrawal =
    stored && next.resourceType === 'Consent' && consentChange(stored as Consent, next as Consent) === 'withdrawal';
  if (decision.changes) {
    const type = next.resourceType;
    const allowed = decision.changes.map((element) => `${type}.${element}`).join(', ');
    if (!stored) {
      throw errors.insufficientScope(
        `Not allowed: this caller may change ${allowed} of an existing ${type}, not create one`,
      );
    }
    const forbidden = forbiddenChanges(
      stored as unknown as Record<string, unknown>,
      next as unknown as Record<string, unknown>,
      decision.changes,
    );
    if (forbidden.length) {
      throw errors.insufficientScope(
        `Not allowed: this caller may change only ${allowed}; the update would change ${forbidden.map((name) => `${type}.${name}`).join(', ')}`,
      );
    }
  }
  return withdrawal ? 'withdrawal' : undefined;
}
