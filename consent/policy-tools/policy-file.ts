// The baseline rules are configurable: HUB_ACCESS_POLICY names a JSON file whose roles replace the baseline rules of
// those roles (roles it does not name keep theirs). It is read and checked once at start-up, so that a mistake stops
// the hub with one line naming it, instead of denying or permitting the wrong thing later. What stays in code on
// purpose: persons and delegates (their token's data services decide), the AuditEvent's immutability, the masks'
// contents, and the client directives.
//
//   { "financier": [ { "id": "...", "types": ["Coverage"], "interactions": ["read", "search"],
//                      "scope": { "kind": "organization", "params": ["payor"] }, "mask": "administrative", "why": "..." } ] }
import { readFileSync } from 'node:fs';
import { isR4ResourceType } from '../../server/fhir/validation/resource-types.js';
import type { SystemRole } from '../../server/contracts/principal.js';
import { MASKS } from '../policy/masks.js';
import { ACCESS_INTERACTIONS, type PolicyRules, type Rule, type Scope, SYSTEM_RULES } from '../policy/rules.js';

const ROLES = Object.keys(SYSTEM_RULES) as SystemRole[];

/** The scopes a system role's rule may use; the others are a person's own. */
const SYSTEM_SCOPES = [
  'everything',
  'organization',
  'items-of',
  'charged-to-own-coverage',
  'clients-of',
  'care-relation',
  'none',
] as const;

export class PolicyFileError extends Error {}

/** The rules in force with `file`'s roles in place of the baseline's. Throws a PolicyFileError naming the mistake. */
export function readAccessPolicy(file: string): PolicyRules {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PolicyFileError(`cannot be read as JSON (${(error as Error).message})`);
  }
  return accessPolicyOf(raw);
}

export function accessPolicyOf(raw: unknown): PolicyRules {
  if (!isObject(raw)) {
    throw new PolicyFileError('must be a JSON object of roles, e.g. { "financier": [ ...rules ] }');
  }
  const rules: Record<SystemRole, readonly Rule[]> = { ...SYSTEM_RULES };
  for (const [role, list] of Object.entries(raw)) {
    if (!ROLES.includes(role as SystemRole)) {
      throw new PolicyFileError(`names the role "${role}"; the roles are ${ROLES.join(', ')}`);
    }
    if (!Array.isArray(list)) {
      throw new PolicyFileError(`${role}: must be an array of rules`);
    }
    rules[role as SystemRole] = list.map((rule, i) => checkRule(rule, `${role}[${i}]`));
  }
  // The audit trail names a rule by its id: one id, one rule.
  const seen = new Map<string, string>();
  for (const [role, list] of Object.entries(rules)) {
    for (const rule of list) {
      const other = seen.get(rule.id);
      if (other) throw new PolicyFileError(`the rule id "${rule.id}" is used twice (${other} and ${role})`);
      seen.set(rule.id, role);
    }
  }
  return rules;
}

function checkRule(rule: unknown, at: string): Rule {
  if (!isObject(rule))
    throw new PolicyFileError(`${at}: must be an object with id, types, interactions, scope and why`);
  const { id, types, interactions, scope, mask, namesOnlyVisible, changes, why } = rule;
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(id))
    throw new PolicyFileError(`${at}.id: lower-case letters, digits and hyphens`);
  if (
    !Array.isArray(types) ||
    types.length === 0 ||
    !types.every((t) => typeof t === 'string' && (t === '*' || isR4ResourceType(t)))
  ) {
    throw new PolicyFileError(`${at}.types: a non-empty array of R4 resource types (or "*")`);
  }
  if (
    !Array.isArray(interactions) ||
    interactions.length === 0 ||
    !interactions.every((i) => ACCESS_INTERACTIONS.includes(i))
  ) {
    throw new PolicyFileError(`${at}.interactions: a non-empty array of ${ACCESS_INTERACTIONS.join(', ')}`);
  }
  if (mask !== undefined && !(typeof mask === 'string' && mask in MASKS)) {
    throw new PolicyFileError(`${at}.mask: one of ${Object.keys(MASKS).join(', ')}`);
  }
  if (namesOnlyVisible !== undefined && namesOnlyVisible !== true)
    throw new PolicyFileError(`${at}.namesOnlyVisible: true, or left out`);
  if (
    changes !== undefined &&
    !(
      Array.isArray(changes) &&
      changes.length > 0 &&
      changes.every((c) => typeof c === 'string' && /^[a-z][A-Za-z]*(\[x\])?$/.test(c))
    )
  )
    throw new PolicyFileError(`${at}.changes: a non-empty array of the top-level elements an update may change`);
  if (typeof why !== 'string' || why.trim() === '')
    throw new PolicyFileError(`${at}.why: say in one line why the rule exists`);
  return {
    id,
    types,
    interactions,
    scope: checkScope(scope, `${at}.scope`),
    ...(mask ? { mask: mask as Rule['mask'] } : {}),
    ...(namesOnlyVisible ? { namesOnlyVisible: true as const } : {}),
    ...(changes ? { changes: changes as string[] } : {}),
    why,
  };
}

function checkScope(scope: unknown, at: string): Scope {
  if (!isObject(scope) || !SYSTEM_SCOPES.includes(scope.kind as (typeof SYSTEM_SCOPES)[number])) {
    throw new PolicyFileError(`${at}.kind: one of ${SYSTEM_SCOPES.join(', ')}`);
  }
  const strings = (value: unknown) =>
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => typeof v === 'string' && /^[a-z][a-z0-9-]*$/.test(v));
  switch (scope.kind) {
    case 'organization':
      if (!strings(scope.params))
        throw new PolicyFileError(`${at}.params: the reference parameters that point at the caller's organisation`);
      return { kind: 'organization', params: scope.params as string[] };
    case 'items-of': {
      const via = scope.via;
      if (!strings(scope.params)) {
        throw new PolicyFileError(`${at}.params: the reference parameters that point at the caller's organisation`);
      }
      if (
        !Array.isArray(via) ||
        via.length === 0 ||
        !via.every(
          (v) =>
            isObject(v) &&
            typeof v.type === 'string' &&
            typeof v.itemParam === 'string' &&
            strings(v.organizationParams),
        )
      ) {
        throw new PolicyFileError(`${at}.via: an array of { type, itemParam, organizationParams }`);
      }
      return {
        kind: 'items-of',
        params: scope.params as string[],
        via: via as { type: string; itemParam: string; organizationParams: string[] }[],
      };
    }
    case 'clients-of': {
      const via = scope.via;
      if (
        !Array.isArray(via) ||
        via.length === 0 ||
        !via.every(
          (v) =>
            isObject(v) &&
            typeof v.type === 'string' &&
            typeof v.patientParam === 'string' &&
            strings(v.organizationParams),
        )
      ) {
        throw new PolicyFileError(`${at}.via: an array of { type, patientParam, organizationParams }`);
      }
      return { kind: 'clients-of', via: via as { type: string; patientParam: string; organizationParams: string[] }[] };
    }
    default:
      return { kind: scope.kind as 'everything' | 'charged-to-own-coverage' | 'care-relation' | 'none' };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
