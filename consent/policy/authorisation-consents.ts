// The Consents the authorization server records (a person's authorisation of a PGO, his delegation to a relative)
// are the record of what he agreed to, and every token of a grant rests on one. Through the API nobody changes them,
// not the PGO they authorise, not the admin: they may only be withdrawn (status active -> inactive, nothing else),
// which ends the grant and its tokens; and nobody records one through the API. The authorization server writes them
// through the storage repository, not through this guard. Pure.
import type { Consent } from '@medplum/fhirtypes';
import { errors } from '../../server/errors.js';
import { changedElements } from './changed-elements.js';

const CATEGORY_SYSTEM = 'https://zorghub.example.org/fhir/CodeSystem/consent-category';
/** The categories of consent-record.ts and delegation.ts. */
const AUTHORISATION_CATEGORIES: readonly string[] = ['pgo-authorisation', 'delegation'];
/** Recorded in the audit trail as the rule of a withdrawal (audit-event.ts makes it a consent change). */
export const CONSENT_WITHDRAWAL_RULE = 'consent-withdrawal';

export function isAuthorisationConsent(consent: Partial<Consent> | undefined): boolean {
  return (consent?.category ?? []).some((category) =>
    category.coding?.some((c) => c.system === CATEGORY_SYSTEM && AUTHORISATION_CATEGORIES.includes(c.code ?? '')),
  );
}

/** A create through the API: never of the authorization server's kind. */
export function assertNotAuthorisationCreate(resource: { resourceType: string }): void {
  if (resource.resourceType === 'Consent' && isAuthorisationConsent(resource as Consent)) {
    throw errors.insufficientScope(
      'Not allowed: Consents of category pgo-authorisation or delegation are recorded by the authorization server only (the consent screen, POST /oauth/delegations)',
    );
  }
}

/**
 * An update through the API of a stored Consent: `withdrawal` when it withdraws an authorisation, `ordinary` when
 * neither side is one; anything else is refused, naming what it would change.
 */
export function consentChange(stored: Consent, next: Consent): 'withdrawal' | 'ordinary' {
  if (!isAuthorisationConsent(stored)) {
    if (isAuthorisationConsent(next)) {
      throw errors.insufficientScope(
        'Not allowed: a Consent cannot become one of category pgo-authorisation or delegation; those are recorded by the authorization server only',
      );
    }
    return 'ordinary';
  }
  const changed = changedElements(
    stored as unknown as Record<string, unknown>,
    next as unknown as Record<string, unknown>,
  );
  const other = changed.filter((name) => name !== 'status');
  if (other.length > 0 || next.status !== 'inactive' || stored.status !== 'active') {
    const what = other.length
      ? `it would change Consent.${other.join(', Consent.')}`
      : `its status can only go from active to inactive, not to ${next.status}`;
    throw errors.insufficientScope(
      `Not allowed: an authorisation recorded by the authorization server can only be withdrawn (status active -> inactive, nothing else changed); ${what}`,
    );
  }
  return 'withdrawal';
}

/** A delete through the API of a stored Consent: an authorisation is withdrawn, never deleted. */
export function assertNotAuthorisationDelete(stored: Consent): void {
  if (isAuthorisationConsent(stored)) {
    throw errors.insufficientScope(
      'Not allowed: an authorisation recorded by the authorization server is withdrawn (status inactive), not deleted',
    );
  }
}
