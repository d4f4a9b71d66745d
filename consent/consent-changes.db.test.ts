// The consent layer's caches on a real database: answers are kept between requests, dropped when PostgreSQL
// announces a change to what decides them (migrations 0012 and 0014, whoever writes), dropped at once by this
// process's own revocations, never kept across a change announced while they were asked, and not kept at all while
// the listener's connection is down.
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test/support/database.js';
import { ConsentChanges, KeptAnswers } from './consent-changes.js';
import { OAuthStore, type Standing } from './oauth/oauth-store.js';
import { CallerDirectiveCache } from './access/directive-source.js';
import type { Principal } from '../server/contracts/principal.js';
import { newSecret } from './tokens/opaque.js';

const db = await createTestDatabase(4);
const changes = new ConsentChanges(db.sql);
await changes.start();
afterAll(() => changes.close());
const cache = new KeptAnswers<Standing>(changes);

const STANDS: Standing = { stands: true, readOnly: false };

/** An ask() that counts how often it was called. */
function counted(answer: Standing = STANDS) {
  const ask = async () => {
    ask.calls++;
    return answer;
  };
  ask.calls = 0;
  return ask;
}

async function eventually(check: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('KeptAnswers on ConsentChanges', () => {
  it('keeps an answer until a change is announced', async () => {
    const ask = counted();
    expect(changes.active).toBe(true);
    await cache.get('a', ask);
    await cache.get('a', ask);
    expect(ask.calls).toBe(1);
    await db.sql`SELECT pg_notify('zorghub_standing', '')`;
    await eventually(async () => {
      await cache.get('a', ask);
      return ask.calls === 2;
    });
    await cache.get('a', ask);
    expect(ask.calls).toBe(2);
  });

  it('hears of changes made by SQL by hand to grants, revoked tokens, Consents and Organizations', async () => {
    for (const change of [
      () =>
        db.sql`INSERT INTO oauth_revoked_tokens (jti, expires_at) VALUES (${newSecret(16)}, now() + interval '1 hour')`,
      () => db.sql`UPDATE oauth_grants SET read_only = read_only`,
      () => db.sql`UPDATE "Consent" SET version = version`,
      () => db.sql`UPDATE "Organization" SET version = version`,
    ]) {
      const ask = counted();
      const key = newSecret(16);
      await cache.get(key, ask);
      await cache.get(key, ask);
      expect(ask.calls).toBe(1);
      await change();
      await eventually(async () => {
        await cache.get(key, ask);
        return ask.calls === 2;
      });
    }
  });

  it('does not keep an answer asked while a change was announced', async () => {
    let calls = 0;
    const racing = async () => {
      calls++;
      changes.changedHere(); // the change lands while the question is out
      return STANDS;
    };
    await cache.get('c', racing);
    await cache.get('c', racing);
    expect(calls).toBe(2);
  });

  it('keeps nothing while its connection is down, and listens again', async () => {
    const ask = counted();
    await db.sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'LISTEN zorghub_standing%' AND pid <> pg_backend_pid()`;
    await eventually(() => !changes.active);
    await cache.get('d', ask);
    await cache.get('d', ask);
    expect(ask.calls).toBe(2);
    await eventually(() => changes.active);
    await cache.get('d', ask);
    await cache.get('d', ask);
    expect(ask.calls).toBe(3);
  });
});

describe('OAuthStore with the standing cache', () => {
  // Its listener hears no announcement (a channel nobody notifies): only the store's own drop can apply a revocation.
  const deaf = new ConsentChanges(db.sql, undefined, 'zorghub_test_silence');
  afterAll(() => deaf.close());
  const store = new OAuthStore(db.sql, deaf);

  it("applies this process's revocations to the very next question, without waiting for PostgreSQL's announcement", async () => {
    await deaf.start();
    expect(deaf.active).toBe(true);
    const consentId = newSecret(16);
    await store.createGrant(
      {
        consentId,
        clientId: 'pgo',
        patient: 'Patient/p1',
        dataServices: ['hulpmiddelen'],
        scope: 'zorghub~hulpmiddelen',
        once: false,
      },
      newSecret(),
      'https://pgo.example/cb',
      undefined,
      new Date(),
    );
    await db.sql`INSERT INTO "Consent" (id, version, last_updated, deleted, content, compartments, tokens)
                 VALUES (${consentId}, 1, now(), false, ${JSON.stringify({ resourceType: 'Consent', status: 'active' })}, '{}', '{}')`;
    await eventually(async () => (await store.tokenStands(consentId, 'jti-1')).stands);
    expect((await store.tokenStands(consentId, 'jti-1')).stands).toBe(true);
    // The answer is kept: a change nobody announces to this store is not seen...
    await db.sql`UPDATE "Consent" SET content = ${JSON.stringify({ resourceType: 'Consent', status: 'inactive' })} WHERE id = ${consentId}`;
    expect((await store.tokenStands(consentId, 'jti-1')).stands).toBe(true);
    await db.sql`UPDATE "Consent" SET content = ${JSON.stringify({ resourceType: 'Consent', status: 'active' })} WHERE id = ${consentId}`;
    // ...but the store's own revocation is, at once.
    await store.revokeAccessToken('jti-1', new Date(Date.now() + 60_000));
    expect((await store.tokenStands(consentId, 'jti-1')).stands).toBe(false);
    expect((await store.tokenStands(consentId, 'jti-2')).stands).toBe(true);
    await store.revokeGrant(consentId, 'test', new Date());
    expect((await store.tokenStands(consentId, 'jti-2')).stands).toBe(false);

    expect(await store.tokenRevoked('jti-3')).toBe(false);
    await store.revokeAccessToken('jti-3', new Date(Date.now() + 60_000));
    expect(await store.tokenRevoked('jti-3')).toBe(true);
  });
});

describe('CallerDirectiveCache', () => {
  it("keeps the facts of one role of one organisation, apart from another's", async () => {
    const directives = new CallerDirectiveCache(changes);
    const facts = { known: { categories: [], organizationIds: [] }, consents: [] };
    let calls = 0;
    const ask = async () => {
      calls++;
      return facts;
    };
    const caller = (value: string, role: 'care-provider' | 'logistics' = 'care-provider') =>
      ({
        kind: 'system',
        role,
        clientId: 'c',
        tokenId: 't',
        scopes: [],
        organization: { system: 'http://fhir.nl/fhir/NamingSystem/ura', value },
      }) as unknown as Principal;
    await directives.facts(caller('1'), ask);
    await directives.facts(caller('1'), ask);
    expect(calls).toBe(1);
    await directives.facts(caller('2'), ask);
    await directives.facts(caller('1', 'logistics'), ask);
    expect(calls).toBe(3);
    changes.changedHere();
    await directives.facts(caller('1'), ask);
    expect(calls).toBe(4);
  });
});
