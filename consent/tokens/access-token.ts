// The hub's access tokens: JWTs of type at+jwt (RFC 9068), signed by HubKeys, living 15 minutes. The claims carry
// the whole Principal, so the resource server needs no lookup to know who asks (it still checks revocation). The
// same rules check the claims when a token is issued and when it comes back: a token the hub would refuse is
// never issued. `sub` is pseudonymous (a FHIR reference by default), never the BSN.
import type { HubKeys } from '../keys/hub-keys.js';
import { TokenError } from '../keys/token-error.js';
import type { Principal, PrincipalKind, SystemRole } from '../../server/contracts/principal.js';
import { epochSeconds, type Instant } from './instant.js';
import { newSecret } from './opaque.js';

export { TokenError, type TokenErrorReason } from '../keys/token-error.js';

const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenClaims {
  iss: string;
  /** The hub issues one audience; an array holding the expected one is accepted too (RFC 7519 4.1.3). */
  aud: string | string[];
  /** person: the patient reference; delegate: the actor reference (or a given pseudonym); system: the client id. */
  sub: string;
  exp: number;
  iat: number;
  nbf?: number;
  /** 128 random bits, base64url: the Principal's tokenId, for revocation and the audit trail. */
  jti: string;
  client_id: string;
  /** Space separated; the data services are read from it (see dataServicesOf). */
  scope: string;
  kind: PrincipalKind;
  patient?: string;
  actor?: string;
  consent?: string;
  role?: SystemRole;
  org?: { system: string; value: string };
}

export interface IssueAccessTokenOptions {
  issuer: string;
  audience: string;
  /** Default 900 (15 minutes, as MedMij expects); never more than the keys keep a retired key. */
  lifetimeSeconds?: number;
  now: Instant;
  principal: Omit<Principal, 'tokenId'>;
  /** The granted scope; its data services must be those of the principal. */
  scope: string;
  /** person / delegate: a pseudonymous subject instead of the patient / actor reference. */
  subject?: string;
}

export interface VerifyAccessTokenOptions {
  issuer: string;
  audience: string;
  now: Instant;
  clockSkewSeconds?: number;
}

/** A Record, so the compiler says when principal.ts gains a role this file does not know. */
const SYSTEM_ROLES: Record<SystemRole, true> = {
  'care-provider': true,
  supplier: true,
  logistics: true,
  financier: true,
  auditor: true,
  admin: true,
};
const KINDS: readonly PrincipalKind[] = ['person', 'delegate', 'system'];
const FHIR_ID = '[A-Za-z0-9\\-.]{1,64}';
const reference = (type: string) => new RegExp(`^${type}/${FHIR_ID}$`);
const PATIENT = reference('Patient');
const RELATED_PERSON = reference('RelatedPerson');
const CONSENT = reference('Consent');
/** Nine digits is what a BSN looks like; no subject may. */
const LOOKS_LIKE_BSN = /^\d{9}$/;

export async function issueAccessToken(
  keys: HubKeys,
  options: IssueAccessTokenOptions,
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const { principal } = options;
  const lifetime = options.lifetimeSeconds ?? 900;
  if (!Number.isInteger(lifetime) || lifetime <= 0 || lifetime > keys.maxTokenLifetimeSeconds) {
    throw new RangeError(
      `lifetimeSeconds must be a whole number from 1 to ${keys.maxTokenLifetimeSeconds}, not ${lifetime}`,
    );
  }
  const iat = epochSeconds(options.now);
  const scope = options.scope.split(' ').filter(Boolean).join(' ');
  const claims: AccessTokenClaims = {
    iss: options.issuer,
    aud: options.audience,
    sub: subjectOf(principal, options.subject),
    iat,
    exp: iat + lifetime,
    jti: newSecret(16),
    client_id: principal.clientId,
    scope,
    kind: principal.kind,
    ...(principal.patient !== undefined ? { patient: principal.patient } : {}),
    ...(principal.actor !== undefined ? { actor: principal.actor } : {}),
    ...(principal.consent !== undefined ? { consent: principal.consent } : {}),
    ...(principal.role !== undefined ? { role: principal.role } : {}),
    ...(principal.organization !== undefined
      ? { org: { system: principal.organization.system, value: principal.organization.value } }
      : {}),
  };
  const problem = kindProblem(claims) ?? dataServicesProblem(principal.dataServices, scope);
  if (problem) {
    throw new Error(`cannot issue an access token: ${problem}`);
  }
  return { token: await keys.sign(claims, { typ: ACCESS_TOKEN_TYP }), claims };
}

export async function verifyAccessToken(
  keys: HubKeys,
  token: string,
  options: VerifyAccessTokenOptions,
): Promise<{ claims: AccessTokenClaims; principal: Principal }> {
  const { payload } = await keys.verify(token, { typ: ACCESS_TOKEN_TYP });
  const shapeProblem = claimShapeProblem(payload);
  if (shapeProblem) {
    throw new TokenError('invalid-claims', shapeProblem);
  }
  const claims = payload as unknown as AccessTokenClaims;
  if (claims.iss !== options.issuer) {
    throw new TokenError('wrong-issuer', 'the token was issued by another issuer');
  }
  if (!(Array.isArray(claims.aud) ? claims.aud.includes(options.audience) : claims.aud === options.audience)) {
    throw new TokenError('wrong-audience', 'the token is meant for another audience');
  }
  const now = epochSeconds(options.now);
  const skew = options.clockSkewSeconds ?? 30;
  if (now - skew >= claims.exp) {
    throw new TokenError('expired', `the token expired at ${new Date(claims.exp * 1000).toISOString()}`);
  }
  if (claims.nbf !== undefined && claims.nbf > now + skew) {
    throw new TokenError('not-yet-valid', `the token is valid from ${new Date(claims.nbf * 1000).toISOString()}`);
  }
  if (claims.iat > now + skew) {
    throw new TokenError(
      'not-yet-valid',
      `the token was issued in the future (${new Date(claims.iat * 1000).toISOString()})`,
    );
  }
  const problem = kindProblem(claims);
  if (problem) {
    throw new TokenError('invalid-claims', problem);
  }
  return { claims, principal: principalOf(claims) };
}

/**
 * The data services a scope grants: the part after `~` of each MedMij scope (`<provider>~<data-service>`), or the
 * whole value for a system client's plain data-service ids; each once, in scope order.
 */
export function dataServicesOf(scope: string): string[] {
  const services = scope
    .split(' ')
    .filter(Boolean)
    .map((part) => part.slice(part.indexOf('~') + 1));
  return [...new Set(services)];
}

function subjectOf(principal: Omit<Principal, 'tokenId'>, subject: string | undefined): string {
  if (principal.kind === 'system') {
    return principal.clientId;
  }
  return subject ?? (principal.kind === 'delegate' ? principal.actor : principal.patient) ?? '';
}

function principalOf(claims: AccessTokenClaims): Principal {
  return {
    kind: claims.kind,
    clientId: claims.client_id,
    ...(claims.patient !== undefined ? { patient: claims.patient } : {}),
    ...(claims.actor !== undefined ? { actor: claims.actor } : {}),
    dataServices: dataServicesOf(claims.scope),
    ...(claims.consent !== undefined ? { consent: claims.consent } : {}),
    ...(claims.role !== undefined ? { role: claims.role } : {}),
    ...(claims.org !== undefined ? { organization: { system: claims.org.system, value: claims.org.value } } : {}),
    tokenId: claims.jti,
  };
}

/** Types of the registered and hub claims, whatever the kind. */
function claimShapeProblem(payload: Record<string, unknown>): string | undefined {
  for (const name of ['iss', 'sub', 'jti', 'client_id', 'scope'] as const) {
    if (typeof payload[name] !== 'string' || payload[name] === '') {
      return `${name} must be a non-empty string`;
    }
  }
  const aud = payload.aud;
  if (
    !(
      typeof aud === 'string' ||
      (Array.isArray(aud) && aud.length > 0 && aud.every((entry) => typeof entry === 'string'))
    )
  ) {
    return 'aud must be a string or an array of strings';
  }
  for (const name of ['exp', 'iat'] as const) {
    if (!Number.isFinite(payload[name])) {
      return `${name} must be a number`;
    }
  }
  if (payload.nbf !== undefined && !Number.isFinite(payload.nbf)) {
    return 'nbf must be a number';
  }
  if (!KINDS.includes(payload.kind as PrincipalKind)) {
    return `kind must be one of ${KINDS.join(', ')}`;
  }
  for (const name of ['patient', 'actor', 'consent', 'role'] as const) {
    if (payload[name] !== undefined && typeof payload[name] !== 'string') {
      return `${name} must be a string`;
    }
  }
  const org = payload.org as { system?: unknown; value?: unknown } | undefined;
  if (
    org !== undefined &&
    (org === null ||
      typeof org !== 'object' ||
      typeof org.system !== 'string' ||
      !org.system ||
      typeof org.value !== 'string' ||
      !org.value)
  ) {
    return 'org must be { system, value } with non-empty strings';
  }
  return undefined;
}

/** What each kind must and must not carry. */
function kindProblem(claims: AccessTokenClaims): string | undefined {
  const present = (name: 'patient' | 'actor' | 'consent' | 'role' | 'org') => claims[name] !== undefined;
  if (claims.kind === 'system') {
    if (present('patient') || present('actor') || present('consent')) {
      return 'a system token carries no patient, actor or consent';
    }
    if (!claims.role || !Object.hasOwn(SYSTEM_ROLES, claims.role)) {
      return `a system token needs a role (${Object.keys(SYSTEM_ROLES).join(', ')})`;
    }
    if (claims.sub !== claims.client_id) {
      return 'the sub of a system token is its client id';
    }
    return undefined;
  }
  if (present('role') || present('org')) {
    return `a ${claims.kind} token carries no role or organisation`;
  }
  if (!claims.patient || !PATIENT.test(claims.patient)) {
    return `a ${claims.kind} token needs patient as Patient/<id>`;
  }
  if (!claims.consent || !CONSENT.test(claims.consent)) {
    return `a ${claims.kind} token needs consent as Consent/<id>`;
  }
  if (claims.kind === 'delegate' ? !claims.actor || !RELATED_PERSON.test(claims.actor) : present('actor')) {
    return claims.kind === 'delegate'
      ? 'a delegate token needs actor as RelatedPerson/<id>'
      : 'a person token has no actor (that is a delegate)';
  }
  if (!claims.sub || LOOKS_LIKE_BSN.test(claims.sub)) {
    return 'sub must be a pseudonymous subject, never a BSN';
  }
  return undefined;
}

function dataServicesProblem(dataServices: readonly string[], scope: string): string | undefined {
  const granted = new Set(dataServicesOf(scope));
  const asked = new Set(dataServices);
  const same = granted.size === asked.size && [...asked].every((service) => granted.has(service));
  return same
    ? undefined
    : `the principal's data services (${[...asked].join(' ')}) are not those of the scope (${scope})`;
}
