// A client's consent directives (Mitz style): data-sharing Consents in which the client permits or denies a
// recipient (one organisation, or a category of recipient such as every health insurer) a data category (a data
// service) and optionally only within financing regimes ("my insurer may not see my Wmo aids"). They are an input
// of the one decision (decide.ts): directive-source.ts loads those that name the caller, this file reads them and
// settles, per client, which directive governs. Precedence: the more specific directive wins (a named organisation
// over a category, then a directive limited to regimes over one for every regime); at equal specificity deny wins.
import type { Consent } from '@medplum/fhirtypes';
import { DATA_SERVICE_SYSTEM, DATA_SERVICES } from '../data-services.js';
import type { Principal, SystemRole } from '../../server/contracts/principal.js';

export const CONSENT_CATEGORY_SYSTEM = 'https://zorghub.example.org/fhir/CodeSystem/consent-category';
export const RECIPIENT_CATEGORY_URL = 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-recipient-category';
export const ORGANISATION_ROLE_SYSTEM = 'https://zorghub.example.org/fhir/CodeSystem/organisation-role';
export const FINANCING_REGIME_SYSTEM = 'https://zorghub.example.org/fhir/CodeSystem/financing-regime';

/** An organisation by its identifier or by its id here (a literal reference), or a category of recipient. */
type Recipient =
  | { kind: 'organization'; system: string; value: string }
  | { kind: 'organization-id'; id: string }
  | { kind: 'category'; code: string };

export interface Directive {
  /** `Consent/<id>`, recorded in the audit trail when the directive shaped a decision. */
  consent: string;
  /** The client's Patient id. */
  patient: string;
  effect: 'permit' | 'deny';
  /** The recipients it names (the caller matches one of them, or the directive does not concern it). */
  recipients: Recipient[];
  /** Data service codes (data-services.ts). */
  dataServices: string[];
  /** Financing regime codes it is limited to; empty: every regime. */
  regimes: string[];
}

/** The directives that name one caller, and what it is known by besides its organisation's identifier. */
export interface CallerDirectives {
  /** The recipient categories it belongs to (organisation-role codes). */
  categories: string[];
  /** The ids of its Organization resources here. */
  organizationIds: string[];
  directives: Directive[];
}

/** The system roles directives apply to: those that see client data of their own. Admin and auditor do not. */
export const DIRECTED_ROLES: readonly SystemRole[] = ['care-provider', 'supplier', 'logistics', 'financier'];

/**
 * The categories of recipient a role always belongs to; a financier's category (insurer, municipality, care office)
 * comes from its Organization's organisation-role (directive-source.ts).
 */
export const ROLE_CATEGORIES: Readonly<Record<SystemRole, readonly string[]>> = {
  'care-provider': ['care-provider'],
  supplier: ['aids-supplier'],
  logistics: ['logistics-provider'],
  financier: [],
  auditor: [],
  admin: [],
};

/** Every category a financier may be, for the directive query (narrowed by its Organization afterwards). */
export const FINANCIER_CATEGORIES = ['health-insurer', 'municipality', 'zorgkantoor'];

/** The data service a client resource type belongs to, for directives; directory data and the access log have none. */
export function dataServiceOf(resourceType: string): string | undefined {
  if (resourceType === 'Organization' || resourceType === 'AuditEvent') {
    return undefined;
  }
  return DATA_SERVICES.find((service) => service.resourceTypes.includes(resourceType))?.id;
}

/** A data-sharing Consent as a Directive: undefined when it is not one, not active, or outside its period at `now`. */
export function directiveOf(consent: Consent, now: Date): Directive | undefined {
  const isDataSharing = consent.category?.some((c) =>
    c.coding?.some((coding) => coding.system === CONSENT_CATEGORY_SYSTEM && coding.code === 'data-sharing'),
  );
  const provision = consent.provision;
  const patient = consent.patient?.reference?.match(/^Patient\/([^/]+)$/)?.[1];
  if (
    !isDataSharing ||
    consent.status !== 'active' ||
    !provision?.type ||
    !patient ||
    !inPeriod(provision.period, now)
  ) {
    return undefined;
  }
  const recipients: Recipient[] = [];
  for (const actor of provision.actor ?? []) {
    const category = actor.extension?.find((e) => e.url === RECIPIENT_CATEGORY_URL)?.valueCoding;
    if (category?.system === ORGANISATION_ROLE_SYSTEM && category.code) {
      recipients.push({ kind: 'category', code: category.code });
    }
    const identifier = actor.reference?.identifier;
    if (identifier?.system && identifier.value) {
      recipients.push({ kind: 'organization', system: identifier.system, value: identifier.value });
    }
    const id = actor.reference?.reference?.match(/^Organization\/([^/]+)$/)?.[1];
    if (id) {
      recipients.push({ kind: 'organization-id', id });
    }
  }
  const dataServices = (provision.class ?? [])
    .filter((c) => c.system === DATA_SERVICE_SYSTEM && c.code)
    .map((c) => c.code!);
  const regimes = (provision.code ?? [])
    .flatMap((cc) => cc.coding ?? [])
    .filter((c) => c.system === FINANCING_REGIME_SYSTEM && c.code)
    .map((c) => c.code!);
  if (recipients.length === 0 || dataServices.length === 0) {
    return undefined;
  }
  return { consent: `Consent/${consent.id}`, patient, effect: provision.type, recipients, dataServices, regimes };
}

function inPeriod(period: { start?: string; end?: string } | undefined, now: Date): boolean {
  const t = now.getTime();
  // A date without a time covers its whole day: a period starting "2025-03-15" holds from that day's start.
  if (period?.start && Date.parse(period.start) > t) return false;
  if (period?.end && endOf(period.end) < t) return false;
  return true;
}

function endOf(value: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(value) + 86_400_000 - 1;
  return Date.parse(value);
}

/** How a directive names this caller: by its organisation (2) or by a category it belongs to (1); 0: not at all. */
function recipientSpecificity(directive: Directive, principal: Principal, caller: Caller): number {
  const org = principal.organization;
  let best = 0;
  for (const r of directive.recipients) {
    if (r.kind === 'organization' && org && r.system === org.system && r.value === org.value) best = 2;
    else if (r.kind === 'organization-id' && caller.organizationIds.includes(r.id)) best = 2;
    else if (r.kind === 'category' && caller.categories.includes(r.code)) best = Math.max(best, 1);
  }
  return best;
}

type Caller = Pick<CallerDirectives, 'categories' | 'organizationIds'>;

/** Which resources of a client a group of directives concerns by regime. */
export type RegimeScope = { kind: 'any' } | { kind: 'is'; regime: string } | { kind: 'none-of'; regimes: string[] };

export interface ClientGroup {
  patients: string[];
  regime: RegimeScope;
}

/** What the directives naming a caller say for one data service: the clients (and regimes) denied and permitted. */
export interface DirectiveOutcome {
  deny: ClientGroup[];
  permit: ClientGroup[];
  /** The Consents that decided something, for the audit trail. */
  consents: string[];
}

interface Ranked {
  directive: Directive;
  /** recipient specificity * 2 + (limited to regimes ? 1 : 0): higher is more specific. */
  rank: number;
}

/** The governing effect among `ranked` (the most specific; deny at a tie), or undefined when there is none. */
function governing(ranked: Ranked[]): Ranked[] {
  const top = Math.max(...ranked.map((r) => r.rank));
  const atTop = ranked.filter((r) => r.rank === top);
  const denies = atTop.filter((r) => r.directive.effect === 'deny');
  return denies.length ? denies : atTop;
}

/**
 * Settles the directives that name `principal` (known also as `caller`'s categories and Organization ids) for `dataService`: per client and
 * regime, the governing directive's effect. Pure.
 */
export function settleDirectives(
  principal: Principal,
  caller: Caller,
  directives: readonly Directive[],
  dataService: string,
): DirectiveOutcome {
  const byPatient = new Map<string, Ranked[]>();
  for (const directive of directives) {
    if (!directive.dataServices.includes(dataService)) continue;
    const specificity = recipientSpecificity(directive, principal, caller);
    if (specificity === 0) continue;
    const list = byPatient.get(directive.patient) ?? [];
    list.push({ directive, rank: specificity * 2 + (directive.regimes.length ? 1 : 0) });
    byPatient.set(directive.patient, list);
  }
  const groups = { deny: new Map<string, ClientGroup>(), permit: new Map<string, ClientGroup>() };
  const consents = new Set<string>();
  const add = (effect: 'permit' | 'deny', patient: string, regime: RegimeScope, by: Ranked[]) => {
    const key = JSON.stringify(regime);
    const group = groups[effect].get(key) ?? { patients: [], regime };
    group.patients.push(patient);
    groups[effect].set(key, group);
    for (const r of by) consents.add(r.directive.consent);
  };
  for (const [patient, ranked] of byPatient) {
    const regimes = [...new Set(ranked.flatMap((r) => r.directive.regimes))].sort();
    const general = ranked.filter((r) => r.directive.regimes.length === 0);
    if (regimes.length === 0) {
      const win = governing(ranked);
      add(win[0].directive.effect, patient, { kind: 'any' }, win);
      continue;
    }
    for (const regime of regimes) {
      const applicable = ranked.filter((r) => r.directive.regimes.length === 0 || r.directive.regimes.includes(regime));
      const win = governing(applicable);
      add(win[0].directive.effect, patient, { kind: 'is', regime }, win);
    }
    // Resources of another regime, or of none the hub can tell: only the directives for every regime speak.
    if (general.length) {
      const win = governing(general);
      add(win[0].directive.effect, patient, { kind: 'none-of', regimes }, win);
    }
  }
  return { deny: [...groups.deny.values()], permit: [...groups.permit.values()], consents: [...consents].sort() };
}
