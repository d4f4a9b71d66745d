// The OAuth flow's state in PostgreSQL (migration 0007): pending authorization requests, grants, one-time codes,
// rotating refresh tokens and individually revoked access tokens. Codes and tokens are stored as SHA-256 hashes;
// the single-use rules are enforced by conditional UPDATEs, so two concurrent redemptions cannot both win.
import type { Sql, TransactionSql } from 'postgres';
import { hashSecret } from '../tokens/opaque.js';
import type { Consent } from '@medplum/fhirtypes';
import { type ConsentChanges, KeptAnswers } from '../consent-changes.js';
import { delegatedElements } from './delegation.js';

export interface PendingRequest {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state?: string;
  codeChallenge?: string;
  csrfToken: string;
  patient?: string;
  loginState?: Record<string, string>;
}

export interface Grant {
  consentId: string;
  clientId: string;
  patient: string;
  /** A delegate's grant: the acting RelatedPerson, and the delegation Consent she acts on. */
  actor?: string;
  delegationConsent?: string;
  readOnly?: boolean;
  dataServices: string[];
  scope: string;
  once: boolean;
  revokedAt?: Date;
}

const REQUEST_LIFETIME_MS = 10 * 60 * 1000;
const CODE_LIFETIME_MS = 60 * 1000;
/** A refresh token unused for six months lapses (MedMij). */
export const REFRESH_IDLE_MS = 183 * 24 * 60 * 60 * 1000;

// Rows as postgres.js returns them (migrations 0007, 0008): timestamptz as Date, text[] as string[], jsonb parsed.
interface RequestRow {
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  state: string | null;
  code_challenge: string | null;
  csrf_token: string;
  patient: string | null;
  login_state: Record<string, string> | null;
}

interface GrantRow {
  consent_id: string;
  client_id: string;
  patient: string;
  actor: string | null;
  delegation_consent: string | null;
  read_only: boolean;
  data_services: string[];
  scope: string;
  once: boolean;
  revoked_at: Date | null;
}

interface CodeRow {
  consent_id: string;
  client_id: string;
  redirect_uri: string;
  code_challenge: string | null;
  expires_at: Date;
}

interface RefreshTokenRow {
  consent_id: string;
  client_id: string;
  scope: string;
  last_used_at: Date;
  replaced_at: Date | null;
}

/** The columns of consentStanding(): NULL when a Consent row is missing. */
interface ConsentStanding {
  consented: boolean | null;
  delegated: boolean | null;
}

interface StandingRow extends ConsentStanding {
  granted: boolean;
  read_only: boolean;
  revoked: boolean;
  /** The delegation Consent's content (JSON text), for a delegate who may change. */
  delegation: string | null;
}

export interface Standing {
  stands: boolean;
  readOnly: boolean;
  /** A delegate who may change: the elements her delegation Consent names (delegation.ts), when it names any. */
  changeable?: string[];
}

export class OAuthStore {
  /** tokenStands / tokenRevoked answers kept between requests, when the store has ConsentChanges to listen to. */
  private readonly standing?: KeptAnswers<Standing>;

  constructor(
    private readonly sql: Sql,
    /** consent/setup.ts gives it the hub's listener; without one (tests of the store), every call asks. */
    private readonly changes?: ConsentChanges,
  ) {
    this.standing = changes ? new KeptAnswers<Standing>(changes) : undefined;
  }

  /** This process changed what decides whether tokens stand: every kept answer goes now. */
  private standingChanged(): void {
    this.changes?.changedHere();
  }

  async createRequest(id: string, session: string, request: PendingRequest, now: Date): Promise<void> {
    await this.sql`
      INSERT INTO oauth_requests (id_hash, client_id, redirect_uri, scopes, state, code_challenge, session_hash, csrf_token, created_at, expires_at)
      VALUES (${hashSecret(id)}, ${request.clientId}, ${request.redirectUri}, ${request.scopes}, ${request.state ?? null},
              ${request.codeChallenge ?? null}, ${hashSecret(session)}, ${request.csrfToken}, ${now}, ${new Date(now.getTime() + REQUEST_LIFETIME_MS)})`;
  }

  /** The pending request, only for the browser session that started it, while it is open and fresh. */
  async request(id: string, session: string | undefined, now: Date): Promise<PendingRequest | undefined> {
    if (!session) {
      return undefined;
    }
    const [row] = await this.sql<RequestRow[]>`
      SELECT * FROM oauth_requests
      WHERE id_hash = ${hashSecret(id)} AND session_hash = ${hashSecret(session)} AND finished_at IS NULL AND expires_at > ${now}`;
    return row ? toRequest(row) : undefined;
  }

  /** Merges into the request's login state (OIDC nonce and verifier; the delegate's choice). */
  async setLoginState(id: string, state: Record<string, string>): Promise<void> {
    await this
      .sql`UPDATE oauth_requests SET login_state = coalesce(login_state, '{}'::jsonb) || ${this.sql.json(state)} WHERE id_hash = ${hashSecret(id)}`;
  }

  async setScopes(id: string, scopes: string[]): Promise<void> {
    await this.sql`UPDATE oauth_requests SET scopes = ${scopes} WHERE id_hash = ${hashSecret(id)}`;
  }

  async setPatient(id: string, patient: string): Promise<void> {
    await this.sql`UPDATE oauth_requests SET patient = ${patient} WHERE id_hash = ${hashSecret(id)}`;
  }

  /** Closes the request; true only for the first caller, so a decision cannot be submitted twice. */
  async finishRequest(id: string, now: Date): Promise<boolean> {
    const rows = await this
      .sql`UPDATE oauth_requests SET finished_at = ${now} WHERE id_hash = ${hashSecret(id)} AND finished_at IS NULL RETURNING 1`;
    return rows.length === 1;
  }

  async createGrant(
    grant: Grant,
    code: string,
    redirectUri: string,
    codeChallenge: string | undefined,
    now: Date,
  ): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`
        INSERT INTO oauth_grants (consent_id, client_id, patient, actor, delegation_consent, read_only, data_services, scope, once, created_at)
        VALUES (${grant.consentId}, ${grant.clientId}, ${grant.patient}, ${grant.actor ?? null}, ${grant.delegationConsent ?? null},
                ${grant.readOnly ?? false}, ${grant.dataServices}, ${grant.scope}, ${grant.once}, ${now})`;
      await tx`
        INSERT INTO oauth_codes (code_hash, consent_id, client_id, redirect_uri, code_challenge, expires_at)
        VALUES (${hashSecret(code)}, ${grant.consentId}, ${grant.clientId}, ${redirectUri}, ${codeChallenge ?? null}, ${new Date(now.getTime() + CODE_LIFETIME_MS)})`;
    });
  }

  /**
   * Redeems a code once. A code presented a second time revokes its grant (RFC 6749 4.1.2: tokens issued from
   * it must stop working) and answers `replayed`.
   */
  async redeemCode(
    code: string,
    now: Date,
  ): Promise<
    | { status: 'ok'; grant: Grant; redirectUri: string; codeChallenge?: string; clientId: string }
    | { status: 'unknown' | 'expired' | 'replayed' }
  > {
    const hash = hashSecret(code);
    const [used] = await this.sql<
      CodeRow[]
    >`UPDATE oauth_codes SET used_at = ${now} WHERE code_hash = ${hash} AND used_at IS NULL RETURNING *`;
    if (!used) {
      const [seen] = await this.sql<
        Pick<CodeRow, 'consent_id'>[]
      >`SELECT consent_id FROM oauth_codes WHERE code_hash = ${hash}`;
      if (!seen) {
        return { status: 'unknown' };
      }
      await this.revokeGrant(seen.consent_id, 'authorization code replayed', now);
      return { status: 'replayed' };
    }
    if (used.expires_at <= now) {
      return { status: 'expired' };
    }
    const grant = await this.grant(used.consent_id);
    if (!grant || grant.revokedAt) {
      return { status: 'unknown' };
    }
    return {
      status: 'ok',
      grant,
      redirectUri: used.redirect_uri,
      codeChallenge: used.code_challenge ?? undefined,
      clientId: used.client_id,
    };
  }

  async grant(consentId: string): Promise<Grant | undefined> {
    const [row] = await this.sql<GrantRow[]>`SELECT * FROM oauth_grants WHERE consent_id = ${consentId}`;
    return row ? toGrant(row) : undefined;
  }

  async revokeGrant(consentId: string, reason: string, now: Date): Promise<void> {
    await this
      .sql`UPDATE oauth_grants SET revoked_at = ${now}, revoked_reason = ${reason} WHERE consent_id = ${consentId} AND revoked_at IS NULL`;
    this.standingChanged();
  }

  async issueRefreshToken(token: string, consentId: string, clientId: string, scope: string, now: Date): Promise<void> {
    await this.sql`
      INSERT INTO oauth_refresh_tokens (token_hash, consent_id, client_id, scope, last_used_at)
      VALUES (${hashSecret(token)}, ${consentId}, ${clientId}, ${scope}, ${now})`;
  }

  /**
   * Uses a refresh token once: it is replaced by `next`. A replaced token presented again means it was stolen or
   * copied, so the whole grant is revoked. The refresh needs the same standing as an access token (tokenStands):
   * the grant not revoked, its Consent (and a delegate's delegation Consent) active and not deleted. A withdrawn
   * Consent and a token idle for six months end the grant, so that no later change (a Consent set active again)
   * brings its tokens back. Refusals of the client's own token name the grant's patient, for the audit trail.
   */
  async rotateRefreshToken(
    token: string,
    next: string,
    now: Date,
    /** The client presenting the token: another client's token is refused without being used. */
    clientId: string,
    /** Refuses (without using the token) when this returns false for the grant's scope. */
    acceptsScope: (grantedScope: string) => boolean = () => true,
  ): Promise<
    | { status: 'ok'; grant: Grant; scope: string; clientId: string }
    | { status: 'unknown' | 'other-client' }
    | { status: 'lapsed' | 'reused' | 'revoked' | 'withdrawn' | 'scope'; patient: string }
  > {
    const hash = hashSecret(token);
    const rotated = await this.sql.begin(async (tx) => {
      const [row] = await tx<
        RefreshTokenRow[]
      >`SELECT * FROM oauth_refresh_tokens WHERE token_hash = ${hash} FOR UPDATE`;
      if (!row) {
        return { status: 'unknown' as const };
      }
      if (row.client_id !== clientId) {
        return { status: 'other-client' as const };
      }
      const [grantRow] = await tx<
        (GrantRow & ConsentStanding)[]
      >`SELECT g.*, ${consentStanding(tx)} FROM oauth_grants g WHERE g.consent_id = ${row.consent_id} FOR UPDATE OF g`;
      const patient = grantRow?.patient as string;
      const end = async (reason: string) => {
        await tx`UPDATE oauth_grants SET revoked_at = ${now}, revoked_reason = ${reason} WHERE consent_id = ${row.consent_id} AND revoked_at IS NULL`;
      };
      if (!grantRow || grantRow.revoked_at) {
        return { status: 'revoked' as const, patient };
      }
      if (row.replaced_at) {
        await end('refresh token reused');
        return { status: 'reused' as const, patient };
      }
      if (now.getTime() - row.last_used_at.getTime() > REFRESH_IDLE_MS) {
        await end('refresh token lapsed');
        return { status: 'lapsed' as const, patient };
      }
      if (grantRow.consented !== true || grantRow.delegated !== true) {
        await end(grantRow.consented !== true ? 'consent withdrawn' : 'delegation withdrawn');
        return { status: 'withdrawn' as const, patient };
      }
      if (!acceptsScope(row.scope)) {
        return { status: 'scope' as const, patient };
      }
      await tx`UPDATE oauth_refresh_tokens SET replaced_at = ${now} WHERE token_hash = ${hash}`;
      await tx`
        INSERT INTO oauth_refresh_tokens (token_hash, consent_id, client_id, scope, last_used_at)
        VALUES (${hashSecret(next)}, ${row.consent_id}, ${row.client_id}, ${row.scope}, ${now})`;
      return {
        status: 'ok' as const,
        grant: toGrant(grantRow),
        scope: row.scope as string,
        clientId: row.client_id as string,
      };
    });
    if (rotated.status === 'reused' || rotated.status === 'lapsed' || rotated.status === 'withdrawn')
      this.standingChanged(); // the grant was ended
    return rotated;
  }

  /** Revocation endpoint: a refresh token revokes its grant; returns false when the token is not one of ours. */
  async revokeRefreshToken(token: string, clientId: string, now: Date): Promise<boolean> {
    const [row] = await this.sql<
      Pick<RefreshTokenRow, 'consent_id'>[]
    >`SELECT consent_id FROM oauth_refresh_tokens WHERE token_hash = ${hashSecret(token)} AND client_id = ${clientId}`;
    if (!row) {
      return false;
    }
    await this.revokeGrant(row.consent_id, 'refresh token revoked', now);
    return true;
  }

  async revokeAccessToken(jti: string, expiresAt: Date): Promise<void> {
    await this
      .sql`INSERT INTO oauth_revoked_tokens (jti, expires_at) VALUES (${jti}, ${expiresAt}) ON CONFLICT DO NOTHING`;
    this.standingChanged();
  }

  /**
   * Whether a person's or delegate's token still stands: its grant is not revoked, the Consent it rests on (and a
   * delegate's delegation Consent) still exists and is active, and the token itself was not revoked. One indexed
   * round trip, unless the standing cache still holds the answer; also says whether the grant is read-only.
   */
  async tokenStands(consentId: string, jti: string): Promise<Standing> {
    return this.standing
      ? this.standing.get(`${consentId} ${jti}`, () => this.#tokenStands(consentId, jti))
      : this.#tokenStands(consentId, jti);
  }

  async #tokenStands(consentId: string, jti: string): Promise<Standing> {
    const [row] = await this.sql<StandingRow[]>`
      SELECT g.revoked_at IS NULL AS granted, g.read_only, ${consentStanding(this.sql)},
             EXISTS (SELECT 1 FROM oauth_revoked_tokens r WHERE r.jti = ${jti}) AS revoked,
             (SELECT d.content FROM "Consent" d WHERE d.id = g.delegation_consent AND NOT g.read_only) AS delegation
      FROM oauth_grants g WHERE g.consent_id = ${consentId}`;
    const stands = !!row && row.granted && row.consented === true && row.delegated === true && !row.revoked;
    // Read with the standing and kept with it: the delegation Consent changes only by withdrawal (consent/policy/authorisation-consents.ts).
    const changeable = stands && row.delegation ? delegatedElements(JSON.parse(row.delegation) as Consent) : undefined;
    return { stands, readOnly: !!row?.read_only, ...(changeable ? { changeable } : {}) };
  }

  /** A token whose jti is revoked (system tokens have no grant). */
  async tokenRevoked(jti: string): Promise<boolean> {
    const ask = async () => ({
      stands: (await this.sql`SELECT 1 FROM oauth_revoked_tokens WHERE jti = ${jti}`).length === 0,
      readOnly: false,
    });
    return !(this.standing ? await this.standing.get(` ${jti}`, ask) : await ask()).stands;
  }
}

/**
 * The Consent columns of a grant `g`, shared by access tokens (tokenStands) and refresh tokens (rotateRefreshToken)
 * so that both stand on the same: `consented` (its Consent exists, is not deleted and is active) and `delegated`
 * (no delegation, or the delegation Consent likewise). NULL when a Consent row is missing, which is not true.
 */
function consentStanding(sql: Sql | TransactionSql) {
  return sql`
    (SELECT NOT c.deleted AND (c.content::jsonb ->> 'status') = 'active' FROM "Consent" c WHERE c.id = g.consent_id) AS consented,
    (g.delegation_consent IS NULL OR
      (SELECT NOT d.deleted AND (d.content::jsonb ->> 'status') = 'active' FROM "Consent" d WHERE d.id = g.delegation_consent)) AS delegated`;
}

function toRequest(row: RequestRow): PendingRequest {
  return {
    clientId: row.client_id,
    redirectUri: row.redirect_uri,
    scopes: row.scopes,
    state: row.state ?? undefined,
    codeChallenge: row.code_challenge ?? undefined,
    csrfToken: row.csrf_token,
    patient: row.patient ?? undefined,
    loginState: row.login_state ?? undefined,
  };
}

function toGrant(row: GrantRow): Grant {
  return {
    consentId: row.consent_id,
    clientId: row.client_id,
    patient: row.patient,
    actor: row.actor ?? undefined,
    delegationConsent: row.delegation_consent ?? undefined,
    readOnly: row.read_only ?? false,
    dataServices: row.data_services,
    scope: row.scope,
    once: row.once,
    revokedAt: row.revoked_at ?? undefined,
  };
}
