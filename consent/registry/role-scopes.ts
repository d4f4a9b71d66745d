// Which scopes a system client may be registered for, by its role. A system client's access is bounded by its
// role's rules (consent/policy/rules.ts, docs/access-policy.md) and the clients' directives, never by its scopes:
// its registered scopes say only which tokens it can obtain. So that a registration does not promise what the role
// can never do (a logistics client "for the access log", `system/*.*` for a supplier), the registry refuses a scope
// that asks for anything outside the role's rules:
//
// - `system/<Type>.<permissions>` (SMART Backend Services; v1 `read`, `write`, `*`, or v2 letters in `cruds` order):
//   every interaction the permissions name must be allowed by the role on that type. `system/*.<permissions>`
//   stands for every type the role's rules name, and needs those interactions on each of them (so `system/*.read`
//   suits every role, `system/*.*` the admin only).
// - a data service id of consent/data-services.ts (`leveringen`), as a PGO registers it: the role's rules must open
//   at least one of its types for one of its interactions. (A data service is a fixed bundle; what a system client
//   gets from it is what its rules allow.)
// - nothing else: no `patient/` or `user/` scopes (a system client acts for its organisation), no `<provider>~<id>`
//   (that is the form a PGO asks for at /oauth/authorize), no unknown words.
import { DATA_SERVICES, dataService, type DataServiceInteraction } from '../data-services.js';
import type { AccessInteraction, PolicyRules } from '../policy/rules.js';
import { SYSTEM_RULES } from '../policy/rules.js';
import type { SystemRole } from '../../server/contracts/principal.js';

/** The interactions a SMART permission names; history and resolve come with read, as the policy gives them. */
type ScopeInteraction = Extract<AccessInteraction, 'create' | 'read' | 'update' | 'delete' | 'search'>;

const LETTERS: Record<string, ScopeInteraction> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };
const V1: Record<string, ScopeInteraction[]> = {
  read: ['read', 'search'],
  write: ['create', 'update', 'delete'],
  '*': ['create', 'read', 'update', 'delete', 'search'],
};
const SMART = /^system\/([A-Z][A-Za-z]*|\*)\.(read|write|\*|c?r?u?d?s?)$/;

const SERVICE_INTERACTIONS: Record<DataServiceInteraction, AccessInteraction> = {
  read: 'read',
  search: 'search',
  update: 'update',
  create: 'create',
};

/** The interactions the role's rules allow on `type` (a rule for `*` counts for every type). */
function allowedOn(role: SystemRole, type: string, rules: PolicyRules = SYSTEM_RULES): Set<AccessInteraction> {
  const allowed = new Set<AccessInteraction>();
  for (const rule of rules[role] ?? []) {
    if (rule.types.includes('*') || rule.types.includes(type)) {
      for (const interaction of rule.interactions) allowed.add(interaction);
    }
  }
  return allowed;
}

/** The types the role's rules name (`*` for a role with a rule over every type). */
function roleTypes(role: SystemRole, rules: PolicyRules = SYSTEM_RULES): string[] {
  return [...new Set((rules[role] ?? []).flatMap((rule) => rule.types))];
}

/** The SMART v2 permission letters the role's rules allow on a type, in `cruds` order ('' for none). */
function letters(allowed: Set<AccessInteraction>): string {
  return Object.entries(LETTERS)
    .filter(([, interaction]) => allowed.has(interaction))
    .map(([letter]) => letter)
    .join('');
}

/** The data services a role's rules can use something of. */
function usableDataServices(role: SystemRole, rules: PolicyRules = SYSTEM_RULES): string[] {
  return DATA_SERVICES.filter((service) => opensSomething(role, service.id, rules)).map((service) => service.id);
}

function opensSomething(role: SystemRole, id: string, rules: PolicyRules): boolean {
  const service = dataService(id)!;
  return service.resourceTypes.some((type) => {
    const allowed = allowedOn(role, type, rules);
    return service.interactions.some((interaction) => allowed.has(SERVICE_INTERACTIONS[interaction]));
  });
}

/** What a system client of this role may register, in one line, for the messages. */
export function scopesFor(role: SystemRole, rules: PolicyRules = SYSTEM_RULES): string {
  const types = roleTypes(role, rules);
  const smart = types.includes('*')
    ? 'system/<any type>.<any permissions>'
    : `system/<Type>.<permissions> for ${types.join(', ')} (or system/*.read)`;
  const services = usableDataServices(role, rules);
  return `${smart}${services.length ? `, or the data services ${services.join(', ')}` : ''}`;
}

/** Why a system client of this role may not be registered for `scope`, or undefined when it may. */
export function roleScopeProblem(
  role: SystemRole,
  scope: string,
  rules: PolicyRules = SYSTEM_RULES,
): string | undefined {
  const smart = SMART.exec(scope);
  if (smart) {
    const [, type, permission] = smart;
    if (permission === '')
      return `"${scope}" names no permission; use read, write, * or letters of cruds (e.g. system/${type}.rs)`;
    const interactions = V1[permission] ?? [...permission].map((letter) => LETTERS[letter]);
    const types = roleTypes(role, rules);
    // A wildcard covers the types the role may do any of these on (a type it may only create, such as the
    // Provenance of its ingested messages, is not asked to be readable by system/*.read).
    const covered =
      type === '*'
        ? types.includes('*')
          ? ['*']
          : types.filter((t) => interactions.some((interaction) => allowedOn(role, t, rules).has(interaction)))
        : [type];
    if (type !== '*' && !types.includes('*') && !types.includes(type)) {
      return `"${scope}": role ${role} has no rule for ${type}, so it can never use this scope; its scopes: ${scopesFor(role, rules)}`;
    }
    if (!covered.length) {
      return `"${scope}" asks for what role ${role} may never do on any type; its scopes: ${scopesFor(role, rules)}`;
    }
    const missing = covered.flatMap((t) =>
      interactions
        .filter((interaction) => !allowedOn(role, t, rules).has(interaction))
        .map((interaction) => `${interaction} ${t === '*' ? 'every type' : t}`),
    );
    if (missing.length) {
      const narrower = type === '*' ? 'system/*.read' : `system/${type}.${letters(allowedOn(role, type, rules))}`;
      return `"${scope}" asks for what role ${role} may never do (${missing.join(', ')}); register ${narrower} or less`;
    }
    return undefined;
  }
  if (/^(patient|user)\//.test(scope) || scope.startsWith('system/')) {
    return `"${scope}" is not a system scope the hub issues: a system client acts for its organisation, with system/<Type>.<permissions> (read, write, * or letters of cruds)`;
  }
  const prefixed = /^[^~]+~([^~]+)$/.exec(scope);
  if (prefixed && dataService(prefixed[1])) {
    return `"${scope}": register the data service by its id, "${prefixed[1]}", as for a PGO; the <provider>~<id> form is what a PGO asks for at /oauth/authorize`;
  }
  if (!dataService(scope)) {
    return `"${scope}" is not a scope the hub issues to a system client; role ${role} may register ${scopesFor(role, rules)}`;
  }
  if (!opensSomething(role, scope, rules)) {
    const service = dataService(scope)!;
    return `"${scope}" (${service.resourceTypes.join(', ')}) opens nothing role ${role}'s rules allow, so it can never use it; its scopes: ${scopesFor(role, rules)}`;
  }
  return undefined;
}
