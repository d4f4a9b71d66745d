// What makes a registered OAuth client valid, as one pure function: the registry runs it before every write (so
// the admin API, the seed file and the MedMij import all get the same answers), and it returns every problem at
// once, each with the field it concerns and a sentence that says what to change. Migration 0006 holds the
// structural rules again as CHECK constraints.
//
// The rules:
// - clientId: 1 to 255 of A-Z a-z 0-9 . _ ~ - (a MedMij client id is a hostname), starting with a letter or digit.
// - name: 1 to 100 characters, not blank, no control characters (it is shown on the consent screen).
// - redirectUris: absolute https URLs; http only on 127.0.0.1, [::1] or localhost, for development (an option
//   turns that off); no fragment, no user name or password, no wildcard, no duplicates. A PGO needs at least one.
// - PGO: no role and no organisation (its tokens name a person). System client: one role of SystemRole and one
//   organisation identifier whose system fits the role (ORGANIZATION_SYSTEMS) and whose value has that system's
//   format (URA and AGB 8 digits, UZOVI and gemeentecode 4, GLN 13 with its GS1 check digit); it must authenticate.
// - publicClient if and only if tokenEndpointAuthMethod is none.
// - client_secret_basic needs a secret (given with the write or already stored); a secret is for that method only.
// - private_key_jwt needs jwks or jwksUri (one of them) when the client is active; jwks holds public keys only.
// - dataServices: a PGO's are ids of consent/data-services.ts. A system client's are scope tokens (RFC 6749 §3.3),
//   at least one, each one its role can use (role-scopes.ts: SMART system scopes within the role's rules, or data
//   services the rules open something of). The role's rules bound what the client may access, not these scopes.
import { DATA_SERVICES, dataService } from '../data-services.js';
import type { PolicyRules } from '../policy/rules.js';
import type { SystemRole } from '../../server/contracts/principal.js';
import { roleScopeProblem, scopesFor } from './role-scopes.js';
import { CLIENT_FIELDS, type RegisteredClient } from './registered-client.js';

export interface ClientProblem {
  /** The field, as a path into the client: `redirectUris[1]`, `organization.system`; '' for the whole client. */
  path: string;
  message: string;
}

/** The identifier systems of DOMAIN.md ("Identifiers") an organisation may be registered with. */
export const IDENTIFIER_SYSTEMS = {
  ura: 'http://fhir.nl/fhir/NamingSystem/ura',
  agb: 'http://fhir.nl/fhir/NamingSystem/agb-z',
  gln: 'https://www.gs1.org/gln',
  uzovi: 'http://fhir.nl/fhir/NamingSystem/uzovi',
  /** CBS gemeentecode (BRP table 33), as in profiles/structure-definitions/hub-Organization.json. */
  gemeentecode: 'urn:oid:2.16.840.1.113883.2.4.6.14',
} as const;

/** The hub itself as an organisation (value: its provider name): the bootstrap admin client's (consent/bootstrap/). */
export const HUB_OPERATOR_SYSTEM = 'https://zorghub.example.org/fhir/NamingSystem/hub-operator';

const { ura, agb, gln, uzovi, gemeentecode } = IDENTIFIER_SYSTEMS;
const ANY_SYSTEM = Object.values(IDENTIFIER_SYSTEMS);

/**
 * The identifier systems each role's organisation may have. Financier: an insurer and a zorgkantoor by their UZOVI
 * code (the zorgkantoor code lives in the UZOVI system), a municipality by its gemeentecode. Auditors and admins
 * may belong to any organisation the hub knows (a care provider's privacy officer, a supervisor, the hub operator).
 */
export const ORGANIZATION_SYSTEMS: Readonly<Record<SystemRole, readonly string[]>> = {
  'care-provider': [ura, agb],
  supplier: [agb, gln],
  logistics: [gln],
  financier: [uzovi, gemeentecode],
  auditor: ANY_SYSTEM,
  admin: [...ANY_SYSTEM, HUB_OPERATOR_SYSTEM],
};

export const SYSTEM_ROLES = Object.keys(ORGANIZATION_SYSTEMS) as SystemRole[];

const SYSTEM_NAMES: Record<string, string> = {
  [ura]: 'URA',
  [agb]: 'AGB',
  [gln]: 'GLN',
  [uzovi]: 'UZOVI',
  [gemeentecode]: 'CBS gemeentecode',
  [HUB_OPERATOR_SYSTEM]: 'hub operator',
};

const VALUE_FORMATS: Record<string, { valid: (value: string) => boolean; rule: string }> = {
  [ura]: { valid: (value) => /^\d{8}$/.test(value), rule: 'a URA number is 8 digits' },
  [agb]: { valid: (value) => /^\d{8}$/.test(value), rule: 'an AGB code is 8 digits' },
  [uzovi]: { valid: (value) => /^\d{4}$/.test(value), rule: 'a UZOVI code is 4 digits' },
  [gemeentecode]: { valid: (value) => /^\d{4}$/.test(value), rule: 'a CBS gemeentecode is 4 digits, e.g. 0363' },
  [gln]: { valid: isGln, rule: 'a GLN is 13 digits ending in its GS1 check digit' },
  [HUB_OPERATOR_SYSTEM]: {
    valid: (value) => /^[a-z0-9][a-z0-9.-]*$/.test(value),
    rule: 'the hub operator is named by the provider name (HUB_PROVIDER_NAME)',
  },
};

const AUTH_METHODS = ['private_key_jwt', 'client_secret_basic', 'none'] as const;
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,254}$/;
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
// RFC 6749 Appendix A.2: client_secret is VSCHAR (%x20-7E).
const VSCHAR = /^[\x20-\x7e]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the C0 and C1 control characters is its purpose (names that contain one are refused)
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const PRIVATE_KEY_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const SECRET_MIN_LENGTH = 32;
const SECRET_MAX_LENGTH = 512;
const NAME_MAX_LENGTH = 100;

export interface ValidationContext {
  /**
   * The client's secret after this write: `new` when one is given with it, `stored` when the registry holds one
   * it will keep, `none` otherwise (the default).
   */
  secret?: 'new' | 'stored' | 'none';
  /** Accept http redirect and JWKS URIs on 127.0.0.1, [::1] and localhost, for development (default true). */
  allowHttpLoopback?: boolean;
  /** The system roles' rules a system client's scopes are checked against (default the baseline, SYSTEM_RULES). */
  rules?: PolicyRules;
}

export type CheckedClient =
  | { client: RegisteredClient; problems: [] }
  | { client?: undefined; problems: ClientProblem[] };

/** Every problem of a client, [] when it is valid. */
export function validateClient(input: unknown, context: ValidationContext = {}): ClientProblem[] {
  return checkClient(input, context).problems;
}

/**
 * The client with only its known fields (null optional fields dropped) when it is valid, else its problems. Input
 * may come straight from JSON: every field's type is checked.
 */
export function checkClient(input: unknown, context: ValidationContext = {}): CheckedClient {
  const problems: ClientProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (!isObject(input)) {
    add(
      '',
      'a client is a JSON object with the fields clientId, name, kind, redirectUris, publicClient, tokenEndpointAuthMethod, dataServices and active',
    );
    return { problems };
  }
  for (const field of Object.keys(input)) {
    if (!(CLIENT_FIELDS as readonly string[]).includes(field)) {
      add(field, `unknown field "${field}"; a client has ${CLIENT_FIELDS.join(', ')}`);
    }
  }
  const allowHttpLoopback = context.allowHttpLoopback ?? true;
  const secret = context.secret ?? 'none';

  const { clientId, name, kind, publicClient, tokenEndpointAuthMethod, active } = input;
  const role = absentIfNull(input.role);
  const organization = absentIfNull(input.organization);
  const jwks = absentIfNull(input.jwks);
  const jwksUri = absentIfNull(input.jwksUri);

  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
    add(
      'clientId',
      'clientId is required: 1 to 255 of A-Z a-z 0-9 . _ ~ - starting with a letter or digit (a MedMij client id is its hostname)',
    );
  }
  problems.push(...validateName(name));
  if (kind !== 'pgo' && kind !== 'system') {
    add(
      'kind',
      'kind is required: "pgo" (a PGO acting for a person) or "system" (a system acting for its organisation)',
    );
  }
  if (typeof publicClient !== 'boolean') {
    add('publicClient', 'publicClient is required: true (PKCE, no client authentication) or false');
  }
  if (!(AUTH_METHODS as readonly unknown[]).includes(tokenEndpointAuthMethod)) {
    add('tokenEndpointAuthMethod', `tokenEndpointAuthMethod is required: one of ${AUTH_METHODS.join(', ')}`);
  }
  if (typeof active !== 'boolean') {
    add('active', 'active is required: true or false');
  }

  const redirectUris = stringList(input.redirectUris, 'redirectUris', add);
  redirectUris?.forEach((uri, index) => {
    problems.push(...validateUrl(uri, `redirectUris[${index}]`, 'a redirect URI', allowHttpLoopback));
  });
  duplicates(redirectUris, 'redirectUris', 'redirect URI', add);
  if (kind === 'pgo' && redirectUris?.length === 0) {
    add('redirectUris', 'a PGO needs at least one redirect URI (matched exactly at the authorize endpoint)');
  }

  if (kind === 'pgo') {
    if (role !== undefined) {
      add('role', 'a PGO has no role: its tokens act for a person; only system clients have one');
    }
    if (organization !== undefined) {
      add('organization', 'a PGO has no organisation identifier; only system clients have one');
    }
  } else if (kind === 'system') {
    if (role === undefined) {
      add('role', `a system client needs exactly one role: one of ${SYSTEM_ROLES.join(', ')}`);
    } else if (!(SYSTEM_ROLES as unknown[]).includes(role)) {
      add('role', `role "${String(role)}" is not known; use one of ${SYSTEM_ROLES.join(', ')}`);
    }
    problems.push(
      ...validateOrganization(
        organization,
        SYSTEM_ROLES.includes(role as SystemRole) ? (role as SystemRole) : undefined,
      ),
    );
    if (publicClient === true) {
      add(
        'publicClient',
        'a system client must authenticate: set publicClient false and use private_key_jwt or client_secret_basic',
      );
    }
  }

  if (typeof publicClient === 'boolean' && typeof tokenEndpointAuthMethod === 'string') {
    if (publicClient && tokenEndpointAuthMethod !== 'none') {
      add('tokenEndpointAuthMethod', 'a public client does not authenticate: its tokenEndpointAuthMethod is "none"');
    } else if (!publicClient && tokenEndpointAuthMethod === 'none') {
      add(
        'tokenEndpointAuthMethod',
        'a confidential client (publicClient false) authenticates: use private_key_jwt or client_secret_basic',
      );
    }
  }

  if (tokenEndpointAuthMethod === 'client_secret_basic' && secret === 'none') {
    add(
      'secret',
      'client_secret_basic needs a secret: give one with this write (it is stored hashed and never shown again)',
    );
  }
  if (tokenEndpointAuthMethod !== 'client_secret_basic' && secret === 'new') {
    add(
      'secret',
      `a secret is only used with client_secret_basic, not with ${String(tokenEndpointAuthMethod)}; leave it out`,
    );
  }

  if (jwks !== undefined) {
    problems.push(...validateJwks(jwks));
  }
  if (jwksUri !== undefined) {
    if (typeof jwksUri !== 'string') {
      add('jwksUri', 'jwksUri is a URL');
    } else {
      problems.push(...validateUrl(jwksUri, 'jwksUri', 'jwksUri', allowHttpLoopback));
    }
  }
  if (jwks !== undefined && jwksUri !== undefined) {
    add('jwks', 'give the keys either inline (jwks) or by URL (jwksUri), not both');
  }
  if (tokenEndpointAuthMethod === 'private_key_jwt' && jwks === undefined && jwksUri === undefined && active === true) {
    add(
      'jwks',
      'an active private_key_jwt client needs its public keys: jwks (inline) or jwksUri; or register it inactive until they are known',
    );
  }
  if (
    tokenEndpointAuthMethod !== 'private_key_jwt' &&
    typeof tokenEndpointAuthMethod === 'string' &&
    (jwks !== undefined || jwksUri !== undefined)
  ) {
    add(
      jwks !== undefined ? 'jwks' : 'jwksUri',
      `keys are only used with private_key_jwt, not with ${tokenEndpointAuthMethod}; leave them out`,
    );
  }

  const dataServices = stringList(input.dataServices, 'dataServices', add);
  const systemRole = kind === 'system' && SYSTEM_ROLES.includes(role as SystemRole) ? (role as SystemRole) : undefined;
  if (systemRole && dataServices?.length === 0) {
    add(
      'dataServices',
      `a system client needs at least one scope (with none, /oauth/token refuses it every token); role ${systemRole} may register ${scopesFor(systemRole, context.rules)}`,
    );
  }
  dataServices?.forEach((id, index) => {
    if (kind === 'pgo' && !dataService(id)) {
      add(`dataServices[${index}]`, `"${id}" is not a data service of the hub; known: ${knownDataServices()}`);
    } else if (kind === 'system' && !SCOPE_TOKEN.test(id)) {
      add(
        `dataServices[${index}]`,
        `"${id}" is not a scope token (printable ASCII without spaces, quotes or backslashes)`,
      );
    } else if (systemRole) {
      const problem = roleScopeProblem(systemRole, id, context.rules);
      if (problem) add(`dataServices[${index}]`, problem);
    }
  });
  duplicates(dataServices, 'dataServices', kind === 'system' ? 'scope' : 'data service', add);

  if (problems.length > 0) {
    return { problems };
  }
  const client: RegisteredClient = {
    clientId: clientId as string,
    name: name as string,
    kind: kind as RegisteredClient['kind'],
    ...(role !== undefined ? { role: role as SystemRole } : {}),
    ...(organization !== undefined
      ? { organization: pickOrganization(organization as { system: string; value: string }) }
      : {}),
    redirectUris: redirectUris!,
    publicClient: publicClient as boolean,
    tokenEndpointAuthMethod: tokenEndpointAuthMethod as RegisteredClient['tokenEndpointAuthMethod'],
    ...(jwks !== undefined ? { jwks: jwks as { keys: object[] } } : {}),
    ...(jwksUri !== undefined ? { jwksUri: jwksUri as string } : {}),
    dataServices: dataServices!,
    active: active as boolean,
  };
  return { client, problems: [] };
}

/** The consent screen shows the name: 1 to 100 characters, not blank, no control characters. */
export function validateName(name: unknown, path = 'name'): ClientProblem[] {
  if (typeof name !== 'string' || name.trim() === '') {
    return [{ path, message: 'name is required: the name the consent screen shows for the client' }];
  }
  if (name.length > NAME_MAX_LENGTH) {
    return [{ path, message: `name is ${name.length} characters long; at most ${NAME_MAX_LENGTH}` }];
  }
  if (CONTROL.test(name)) {
    return [{ path, message: 'name contains a control character (a line break or tab, for instance)' }];
  }
  if (name !== name.trim()) {
    return [{ path, message: 'name starts or ends with white space' }];
  }
  return [];
}

/** A client secret: 32 to 512 printable ASCII characters (RFC 6749 VSCHAR). Say 43 random base64url characters. */
export function validateSecret(secret: unknown): ClientProblem[] {
  if (
    typeof secret !== 'string' ||
    secret.length < SECRET_MIN_LENGTH ||
    secret.length > SECRET_MAX_LENGTH ||
    !VSCHAR.test(secret)
  ) {
    return [
      {
        path: 'secret',
        message: `a secret is ${SECRET_MIN_LENGTH} to ${SECRET_MAX_LENGTH} printable ASCII characters; generate one, e.g. 32 random bytes in base64url`,
      },
    ];
  }
  return [];
}

/** The identifier of a system client's organisation: a system its role allows, and a value in that system's format. */
function validateOrganization(organization: unknown, role: SystemRole | undefined): ClientProblem[] {
  const allowed = role ? ORGANIZATION_SYSTEMS[role] : ANY_SYSTEM;
  const names = allowed.map((system) => `${SYSTEM_NAMES[system]} (${system})`).join(' or ');
  if (!isObject(organization) || typeof organization.system !== 'string' || typeof organization.value !== 'string') {
    const takes = role ? `; role ${role} takes ${names}` : '';
    return [
      {
        path: 'organization',
        message: `a system client needs its organisation's identifier { system, value }${takes}`,
      },
    ];
  }
  const problems: ClientProblem[] = [];
  for (const field of Object.keys(organization)) {
    if (field !== 'system' && field !== 'value') {
      problems.push({
        path: `organization.${field}`,
        message: `unknown field "${field}"; an organisation identifier has system and value`,
      });
    }
  }
  const { system, value } = organization;
  if (!allowed.includes(system)) {
    const known = SYSTEM_NAMES[system];
    problems.push({
      path: 'organization.system',
      message: role
        ? `role ${role} takes an organisation identified by ${names}; ${known ? `not by ${known}` : `"${system}" is not one of them`}`
        : `"${system}" is not an identifier system the hub knows; use ${names}`,
    });
  } else if (!VALUE_FORMATS[system].valid(value)) {
    problems.push({
      path: 'organization.value',
      message: `"${value}" is not a valid ${SYSTEM_NAMES[system]}: ${VALUE_FORMATS[system].rule}`,
    });
  }
  return problems;
}

/** A redirect URI or JWKS URL: absolute https (http only on loopback when allowed), no fragment, user or wildcard. */
function validateUrl(raw: string, path: string, what: string, allowHttpLoopback = true): ClientProblem[] {
  const problem = (message: string) => [{ path, message: `${what} ${message}` }];
  if (raw.length > 2000) {
    return problem('is longer than 2000 characters');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return problem(`"${raw}" is not an absolute URL`);
  }
  if (raw.includes('#')) {
    return problem(`"${raw}" has a fragment (#...); OAuth forbids fragments in redirect URIs (RFC 6749 §3.1.2)`);
  }
  if (raw.includes('*')) {
    return problem(`"${raw}" contains a wildcard; redirect URIs are matched exactly`);
  }
  if (url.username || url.password) {
    return problem(`"${raw}" contains a user name or password`);
  }
  if (url.protocol === 'https:') {
    return url.hostname ? [] : problem(`"${raw}" has no host`);
  }
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) {
    return allowHttpLoopback
      ? []
      : problem(
          `"${raw}" uses http; this hub accepts https only (http on loopback is for development and is turned off)`,
        );
  }
  return problem(`"${raw}" must use https (http is accepted only on 127.0.0.1, [::1] or localhost, for development)`);
}

/** Inline keys: a JWK Set of public signing keys (RSA, EC, OKP), at most 20, distinct kids. */
function validateJwks(jwks: unknown): ClientProblem[] {
  if (!isObject(jwks) || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
    return [{ path: 'jwks', message: 'jwks is a JWK Set: { "keys": [ ... ] } with at least one public key' }];
  }
  if (jwks.keys.length > 20) {
    return [{ path: 'jwks.keys', message: `jwks has ${jwks.keys.length} keys; at most 20` }];
  }
  const problems: ClientProblem[] = [];
  const kids = new Set<string>();
  jwks.keys.forEach((key: unknown, index) => {
    const path = `jwks.keys[${index}]`;
    if (!isObject(key)) {
      problems.push({ path, message: 'a key is a JWK object' });
      return;
    }
    if (key.kty === 'oct') {
      problems.push({
        path: `${path}.kty`,
        message: 'a symmetric key (kty "oct") is a shared secret; register the client\'s public key (RSA, EC or OKP)',
      });
      return;
    }
    if (key.kty !== 'RSA' && key.kty !== 'EC' && key.kty !== 'OKP') {
      problems.push({ path: `${path}.kty`, message: 'kty is required: RSA, EC or OKP' });
    }
    const secretMembers = PRIVATE_KEY_MEMBERS.filter((member) => member in key);
    if (secretMembers.length > 0) {
      problems.push({
        path,
        message: `the key holds private key material (${secretMembers.join(', ')}); register the public key only`,
      });
    }
    if (key.use !== undefined && key.use !== 'sig') {
      problems.push({
        path: `${path}.use`,
        message: 'a client key is for signing client assertions: use is "sig" or absent',
      });
    }
    if (key.kid !== undefined) {
      if (typeof key.kid !== 'string' || key.kid === '') {
        problems.push({ path: `${path}.kid`, message: 'kid is a non-empty string' });
      } else if (kids.has(key.kid)) {
        problems.push({ path: `${path}.kid`, message: `kid "${key.kid}" is used by another key of this set` });
      } else {
        kids.add(key.kid);
      }
    }
  });
  return problems;
}

/** GS1 GLN: 13 digits, the last a mod-10 check digit over the first 12 (weights 1 and 3 from the left). */
export function isGln(value: string): boolean {
  if (!/^\d{13}$/.test(value)) {
    return false;
  }
  let sum = 0;
  for (let i = 0; i < 12; i++) {
    sum += Number(value[i]) * (i % 2 === 0 ? 1 : 3);
  }
  return (10 - (sum % 10)) % 10 === Number(value[12]);
}

function stringList(value: unknown, path: string, add: (path: string, message: string) => void): string[] | undefined {
  if (!Array.isArray(value)) {
    add(path, `${path} is required: a list of strings (may be empty)`);
    return undefined;
  }
  let ok = true;
  value.forEach((item, index) => {
    if (typeof item !== 'string' || item === '') {
      add(`${path}[${index}]`, 'a non-empty string is required');
      ok = false;
    }
  });
  return ok ? (value as string[]) : undefined;
}

function duplicates(
  list: string[] | undefined,
  path: string,
  what: string,
  add: (path: string, message: string) => void,
): void {
  list?.forEach((item, index) => {
    if (list.indexOf(item) !== index) {
      add(`${path}[${index}]`, `${what} "${item}" is listed twice`);
    }
  });
}

function knownDataServices(): string {
  return DATA_SERVICES.map((service) => service.id).join(', ');
}

function pickOrganization({ system, value }: { system: string; value: string }): { system: string; value: string } {
  return { system, value };
}

function absentIfNull(value: unknown): unknown {
  return value === null ? undefined : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
