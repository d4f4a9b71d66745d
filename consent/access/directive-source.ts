// Loads, for one request, the consent directives that name its caller (directives.ts): the active data-sharing
// Consents whose recipient is the caller's organisation (by reference or identifier) or a category it belongs to,
// and the caller's categories themselves. Read from storage unrestricted (the policy's own input, not something the
// caller sees); kept between requests of the same organisation only until a Consent or an Organization changes
// (consent-changes.ts), so that a client's change applies to the next request. A directive's period is judged at
// each request, on the kept Consents.
import type { Consent, Organization } from '@medplum/fhirtypes';
import { type ConsentChanges, KeptAnswers } from '../consent-changes.js';
import { and, type Condition, or } from '../../server/contracts/condition.js';
import type { Plan } from '../../server/contracts/search-plan.js';
import type { Repository } from '../../server/contracts/repository.js';
import { tokenCriterion } from '../../server/contracts/token-entry.js';
import type { Principal } from '../../server/contracts/principal.js';
import {
  type CallerDirectives,
  CONSENT_CATEGORY_SYSTEM,
  DIRECTED_ROLES,
  type Directive,
  directiveOf,
  FINANCIER_CATEGORIES,
  ORGANISATION_ROLE_SYSTEM,
  ROLE_CATEGORIES,
} from '../policy/directives.js';
import { referencesOwnOrganization } from '../policy/scope-condition.js';

const NONE: CallerDirectives = { categories: [], organizationIds: [], directives: [] };

/** Directives beyond this many naming one caller are refused loudly rather than half applied. */
const MAX_DIRECTIVES = 10_000;
const PAGE = 1_000;

/** What storage says about one caller: its Organizations' ids and categories, and the Consents naming it. */
interface CallerFacts {
  known: Pick<CallerDirectives, 'categories' | 'organizationIds'>;
  consents: Consent[];
}

/** The facts of callers, kept by role and organisation (consent-changes.ts); shared between requests, never mutated. */
export class CallerDirectiveCache {
  readonly #kept: KeptAnswers<CallerFacts>;

  constructor(changes: ConsentChanges) {
    this.#kept = new KeptAnswers<CallerFacts>(changes, { maxEntries: 1_000, maxAgeMs: 60_000 });
  }

  facts(principal: Principal, ask: () => Promise<CallerFacts>): Promise<CallerFacts> {
    return this.#kept.get(`${principal.role} ${principal.organization!.system}|${principal.organization!.value}`, ask);
  }
}

export async function loadCallerDirectives(
  repository: Repository,
  principal: Principal | undefined,
  now = new Date(),
  cache?: CallerDirectiveCache,
): Promise<CallerDirectives> {
  if (
    principal?.kind !== 'system' ||
    !principal.role ||
    !DIRECTED_ROLES.includes(principal.role) ||
    !principal.organization
  ) {
    return NONE;
  }
  const possible = principal.role === 'financier' ? FINANCIER_CATEGORIES : ROLE_CATEGORIES[principal.role];
  const ask = async (): Promise<CallerFacts> => {
    const [known, consents] = await Promise.all([
      callerOrganizations(repository, principal),
      namingConsents(repository, principal, possible),
    ]);
    return { known, consents };
  };
  const { known, consents } = cache ? await cache.facts(principal, ask) : await ask();
  const directives = consents
    .map((consent) => directiveOf(consent, now))
    .filter((d): d is Directive => d !== undefined);
  return { ...known, directives };
}

/**
 * The caller's Organization resources (by its identifier): their ids, for directives that reference one, and the
 * categories they declare (organisation-role in Organization.type) beside the role's own.
 */
async function callerOrganizations(
  repository: Repository,
  principal: Principal,
): Promise<Pick<CallerDirectives, 'categories' | 'organizationIds'>> {
  const { system, value } = principal.organization!;
  const result = await repository.search(
    plan('Organization', { kind: 'tokens', entries: [tokenCriterion('identifier', `${system}|${value}`)] }, 10),
  );
  const organizations = result.matches.map((version) => JSON.parse(version.json) as Organization);
  const declared = organizations
    .flatMap((o) => (o.type ?? []).flatMap((t) => t.coding ?? []))
    .filter((c) => c.system === ORGANISATION_ROLE_SYSTEM && c.code)
    .map((c) => c.code!);
  return {
    categories: [...new Set([...ROLE_CATEGORIES[principal.role!], ...declared])],
    organizationIds: organizations.map((o) => o.id!),
  };
}

async function namingConsents(
  repository: Repository,
  principal: Principal,
  categories: readonly string[],
): Promise<Consent[]> {
  const recipient: Condition[] = [referencesOwnOrganization(principal, 'actor')];
  if (categories.length) {
    recipient.push({
      kind: 'tokens',
      entries: categories.map((code) => tokenCriterion('recipient-category', `${ORGANISATION_ROLE_SYSTEM}|${code}`)),
    });
  }
  const where = and([
    { kind: 'tokens', entries: [tokenCriterion('category', `${CONSENT_CATEGORY_SYSTEM}|data-sharing`)] },
    { kind: 'tokens', entries: [tokenCriterion('status', 'active')] },
    or(recipient),
  ]);
  const consents: Consent[] = [];
  let cursor: string | undefined;
  do {
    const result = await repository.search({ ...plan('Consent', where, PAGE), cursor });
    for (const version of result.matches) consents.push(JSON.parse(version.json) as Consent);
    if (consents.length > MAX_DIRECTIVES) {
      throw new Error(
        `more than ${MAX_DIRECTIVES} consent directives name ${principal.organization!.system}|${principal.organization!.value}`,
      );
    }
    cursor = result.next;
  } while (cursor);
  return consents;
}

function plan(resourceType: string, where: Condition, count: number): Plan {
  return { types: [{ resourceType, where }], sort: [], count, total: 'none', include: [], revinclude: [] };
}
