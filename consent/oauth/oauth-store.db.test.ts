// The single-use and lapse rules of the OAuth state, on a real database with a controlled clock: a code works
// once and its replay revokes the grant; a refresh token rotates, a replaced one revokes the grant, one idle for
// six months lapses and ends its grant; an expired request or code is refused; withdrawal through the Consent row
// is seen by access tokens and refresh tokens alike.
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/database.js';
import { newSecret } from '../tokens/opaque.js';
import { CHANGEABLE_ELEMENT_SYSTEM } from './delegation.js';
import { OAuthStore, REFRESH_IDLE_MS } from './oauth-store.js';

const db = await createTestDatabase(4);
const store = new OAuthStore(db.sql);
const T0 = new Date('2026-06-01T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

/** A Consent row as the FHIR API stores it: status in the content, a delete as deleted = true. */
async function consentRow(id: string, status: string) {
  await db.sql`INSERT INTO "Consent" (id, version, last_updated, deleted, content, compartments, tokens)
               VALUES (${id}, 1, now(), false, ${JSON.stringify({ resourceType: 'Consent', status })}, '{}', '{}')`;
}

/** A grant resting on an active Consent (as an approval on the consent screen records it). */
async function grant(consentId = newSecret(16), delegationConsent?: string) {
  const code = newSecret();
  await store.createGrant(
    {
      consentId,
      clientId: 'pgo',
      patient: 'Patient/p1',
      dataServices: ['hulpmiddelen'],
      scope: 'zorghub~hulpmiddelen',
      once: false,
      ...(delegationConsent ? { actor: 'RelatedPerson/r1', delegationConsent } : {}),
    },
    code,
    'https://pgo.example/cb',
    undefined,
    T0,
  );
  await consentRow(consentId, 'active');
  return { consentId, code };
}

/** A grant resting on an active Consent, with a refresh token issued at T0. */
async function standingGrant(delegationConsent?: string) {
  const { consentId } = await grant(undefined, delegationConsent);
  const token = newSecret();
  await store.issueRefreshToken(token, consentId, 'pgo', 'zorghub~hulpmiddelen', T0);
  return { consentId, token };
}

describe('OAuthStore', () => {
  it('redeems a code once; a replay revokes the grant', async () => {
    const { consentId, code } = await grant();
    expect((await store.redeemCode(code, at(1000))).status).toBe('ok');
    expect((await store.redeemCode(code, at(2000))).status).toBe('replayed');
    expect((await store.grant(consentId))?.revokedAt).toBeInstanceOf(Date);
    expect((await store.redeemCode(newSecret(), at(2000))).status).toBe('unknown');
  });

  it('refuses a code after its minute', async () => {
    const { code } = await grant();
    expect((await store.redeemCode(code, at(61_000))).status).toBe('expired');
  });

  it('rotates refresh tokens; reuse of a replaced one revokes the grant', async () => {
    const { consentId } = await grant();
    const first = newSecret();
    await store.issueRefreshToken(first, consentId, 'pgo', 'zorghub~hulpmiddelen', T0);
    const second = newSecret();
    expect((await store.rotateRefreshToken(first, second, at(1000), 'pgo')).status).toBe('ok');
    expect((await store.rotateRefreshToken(first, newSecret(), at(2000), 'pgo')).status).toBe('reused');
    expect((await store.rotateRefreshToken(second, newSecret(), at(3000), 'pgo')).status).toBe('revoked');
    expect((await store.grant(consentId))?.revokedAt).toBeInstanceOf(Date);
  });

  it('lets a refresh token lapse after six months without use, and keeps it alive while it is used', async () => {
    const { consentId } = await grant();
    const token = newSecret();
    await store.issueRefreshToken(token, consentId, 'pgo', 'zorghub~hulpmiddelen', T0);
    const next = newSecret();
    expect((await store.rotateRefreshToken(token, next, at(REFRESH_IDLE_MS - 1000), 'pgo')).status).toBe('ok');
    // Used just before the lapse, the new token counts from then.
    expect((await store.rotateRefreshToken(next, newSecret(), at(2 * REFRESH_IDLE_MS + 1000), 'pgo')).status).toBe(
      'lapsed',
    );
    // The lapse ends the grant: nothing issued under it stands any more.
    expect((await store.grant(consentId))?.revokedAt).toBeInstanceOf(Date);
    expect((await store.rotateRefreshToken(next, newSecret(), at(2 * REFRESH_IDLE_MS + 2000), 'pgo')).status).toBe(
      'revoked',
    );
  });

  it.each([
    [
      'set inactive',
      (id: string) =>
        db.sql`UPDATE "Consent" SET content = ${JSON.stringify({ resourceType: 'Consent', status: 'inactive' })} WHERE id = ${id}`,
    ],
    ['deleted', (id: string) => db.sql`UPDATE "Consent" SET deleted = true WHERE id = ${id}`],
    ['gone', (id: string) => db.sql`DELETE FROM "Consent" WHERE id = ${id}`],
  ])('refuses a refresh once the Consent is %s, and ends the grant for good', async (_how, withdraw) => {
    const { consentId, token } = await standingGrant();
    await withdraw(consentId);
    const refused = await store.rotateRefreshToken(token, newSecret(), at(1000), 'pgo');
    expect(refused).toMatchObject({ status: 'withdrawn', patient: 'Patient/p1' });
    expect((await store.grant(consentId))?.revokedAt).toBeInstanceOf(Date);
    // The token was not used, yet it stays refused: even a Consent set active again does not revive the grant.
    await db.sql`DELETE FROM "Consent" WHERE id = ${consentId}`;
    await consentRow(consentId, 'active');
    expect((await store.rotateRefreshToken(token, newSecret(), at(2000), 'pgo')).status).toBe('revoked');
  });

  it("refuses a delegate's refresh once the delegation Consent is withdrawn", async () => {
    const delegation = newSecret(16);
    await consentRow(delegation, 'active');
    const { consentId, token } = await standingGrant(delegation);
    const next = newSecret();
    expect((await store.rotateRefreshToken(token, next, at(1000), 'pgo')).status).toBe('ok');
    await db.sql`UPDATE "Consent" SET content = ${JSON.stringify({ resourceType: 'Consent', status: 'inactive' })} WHERE id = ${delegation}`;
    expect((await store.rotateRefreshToken(next, newSecret(), at(2000), 'pgo')).status).toBe('withdrawn');
    expect((await store.grant(consentId))?.revokedAt).toBeInstanceOf(Date);
    expect((await store.rotateRefreshToken(next, newSecret(), at(3000), 'pgo')).status).toBe('revoked');
  });

  it('refuses a refresh after the revocation endpoint revoked the grant', async () => {
    const { token } = await standingGrant();
    expect(await store.revokeRefreshToken(token, 'pgo', at(1000))).toBe(true);
    expect((await store.rotateRefreshToken(token, newSecret(), at(2000), 'pgo')).status).toBe('revoked');
  });

  it("refuses another client's refresh token without using it, and a scope beyond the grant", async () => {
    const { consentId } = await grant();
    const token = newSecret();
    await store.issueRefreshToken(token, consentId, 'pgo', 'zorghub~hulpmiddelen', T0);
    expect((await store.rotateRefreshToken(token, newSecret(), at(1000), 'other-pgo')).status).toBe('other-client');
    expect((await store.rotateRefreshToken(token, newSecret(), at(1000), 'pgo', () => false)).status).toBe('scope');
    expect((await store.rotateRefreshToken(token, newSecret(), at(2000), 'pgo')).status).toBe('ok');
  });

  it("names with a delegate token's standing the elements her delegation lets her change, and none for an older delegation", async () => {
    const correct = { coding: [{ code: 'correct' }] };
    const named = newSecret(16);
    await db.sql`INSERT INTO "Consent" (id, version, last_updated, deleted, content, compartments, tokens) VALUES (${named}, 1, now(), false, ${JSON.stringify(
      {
        resourceType: 'Consent',
        status: 'active',
        provision: {
          type: 'permit',
          action: [correct],
          provision: [
            {
              type: 'permit',
              action: [correct],
              code: [{ coding: [{ system: CHANGEABLE_ELEMENT_SYSTEM, code: 'SupplyRequest.occurrence[x]' }] }],
            },
          ],
        },
      },
    )}, '{}', '{}')`;
    const { consentId } = await grant(undefined, named);
    expect(await store.tokenStands(consentId, 'jti-d')).toEqual({
      stands: true,
      readOnly: false,
      changeable: ['SupplyRequest.occurrence[x]'],
    });
    const older = newSecret(16);
    await consentRow(older, 'active');
    expect(await store.tokenStands((await grant(undefined, older)).consentId, 'jti-e')).toEqual({
      stands: true,
      readOnly: false,
    });
  });

  it('lets a token stand only while its grant stands and its Consent is active', async () => {
    const { consentId } = await grant();
    expect((await store.tokenStands(consentId, 'jti-1')).stands).toBe(true);
    await store.revokeAccessToken('jti-1', at(900_000));
    expect((await store.tokenStands(consentId, 'jti-1')).stands).toBe(false);
    expect((await store.tokenStands(consentId, 'jti-2')).stands).toBe(true);
    await db.sql`UPDATE "Consent" SET content = ${JSON.stringify({ resourceType: 'Consent', status: 'inactive' })} WHERE id = ${consentId}`;
    expect((await store.tokenStands(consentId, 'jti-2')).stands).toBe(false);
  });

  it('keeps a pending request to the browser session that started it, until it expires or is finished', async () => {
    const id = newSecret();
    const session = newSecret();
    await store.createRequest(
      id,
      session,
      { clientId: 'pgo', redirectUri: 'https://pgo.example/cb', scopes: ['hulpmiddelen'], csrfToken: 'c' },
      T0,
    );
    expect(await store.request(id, session, at(1000))).toMatchObject({ clientId: 'pgo' });
    expect(await store.request(id, newSecret(), at(1000))).toBeUndefined();
    expect(await store.request(id, undefined, at(1000))).toBeUndefined();
    expect(await store.request(id, session, at(11 * 60_000))).toBeUndefined();
    expect(await store.finishRequest(id, at(2000))).toBe(true);
    expect(await store.finishRequest(id, at(3000))).toBe(false);
    expect(await store.request(id, session, at(4000))).toBeUndefined();
  });
});
