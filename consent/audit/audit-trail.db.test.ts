// The NEN 7513 audit trail end to end on the hub: every request recorded (allowed or refused) as an AuditEvent that
// meets the hub profile; a write and its record commit together; a failed record fails the request; the hash chain
// and its signed checkpoints reveal an altered, removed or rewritten record; pruning keeps the chain verifiable; a
// client finds in his own compartment who touched his data, and nothing of others.
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { ClientRegistry } from '../registry/client-registry.js';
import { buildConformance } from '../../server/fhir/profiles/conformance.js';
import { validateResource } from '../../server/fhir/validation/validate.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { principalClient } from '../../test/support/as-principal.js';
import { createTestApp, TEST_BASE_URL } from '../../test/support/app.js';
import { sealAudit } from '../../test/support/audit.js';
import { testAuditRecord } from '../../test/support/audit-record.js';
import { HubKeys } from '../keys/hub-keys.js';
import {
  auditContentHash,
  auditContents,
  auditEventText,
  auditRowSelect,
  sha256Hex,
} from '../../server/storage/pg/audit-log.js';
import { AUDIT_PROFILE } from '../../server/storage/audit-event-form.js';
import { AuditTrail } from './audit-trail.js';

const { app, anonymous, db, dataDir } = await createTestApp();
const registry = new ClientRegistry(db.sql);
const GLN = 'https://www.gs1.org/gln';
await registry.put(
  {
    clientId: 'logistiek.test',
    name: 'Logistiek',
    kind: 'system',
    role: 'logistics',
    organization: { system: GLN, value: '8712345000035' },
    redirectUris: [],
    publicClient: false,
    tokenEndpointAuthMethod: 'client_secret_basic',
    dataServices: ['leveringen'],
    active: true,
  },
  { secret: 'logistiek-secret-0123456789-abcdefghijkl' },
);
await registry.put(
  {
    clientId: 'audit.test',
    name: 'Audit',
    kind: 'system',
    role: 'auditor',
    organization: { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '87654321' },
    redirectUris: [],
    publicClient: false,
    tokenEndpointAuthMethod: 'client_secret_basic',
    dataServices: ['toegangslog'],
    active: true,
  },
  { secret: 'audit-secret-0123456789-abcdefghijklmnop' },
);
const tokenOf = async (clientId: string) =>
  `Bearer ${(await app.inject({ method: 'POST', url: `/admin/clients/${clientId}/$token` })).json().access_token}`;
const logistics = await tokenOf('logistiek.test');
const auditor = await tokenOf('audit.test');

const post = async (resource: object) =>
  (
    await app.inject({
      method: 'POST',
      url: `/${(resource as { resourceType: string }).resourceType}`,
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(resource),
    })
  ).json();
const org = await post({
  resourceType: 'Organization',
  name: 'Logistiek',
  identifier: [{ system: GLN, value: '8712345000035' }],
});
const client = await post({ resourceType: 'Patient', name: [{ family: 'Vries' }] });
const other = await post({ resourceType: 'Patient', name: [{ family: 'Bakker' }] });
const delivery = await post({
  resourceType: 'SupplyRequest',
  status: 'active',
  itemCodeableConcept: { text: 'hoog-laagbed' },
  quantity: { value: 1 },
  deliverTo: { reference: `Patient/${client.id}` },
  supplier: [{ reference: `Organization/${org.id}` }],
});
await post({
  resourceType: 'SupplyRequest',
  status: 'active',
  itemCodeableConcept: { text: 'stoel' },
  quantity: { value: 1 },
  deliverTo: { reference: `Patient/${other.id}` },
});

async function events(): Promise<AuditEvent[]> {
  await sealAudit(db.sql); // in chain order: the chain holds a record once it is sealed
  const rows = await db.sql<{ content: string }[]>`
    SELECT ${auditRowSelect(db.sql, 'l')} FROM audit_trail t JOIN audit_log l ON l.id::text = t.event_id ORDER BY t.seq`;
  return rows.map((row) => JSON.parse(auditEventText(row.content)));
}
const last = async () => (await events()).at(-1)!;
const verify = async (query = '') => {
  const response = await anonymous.inject({
    method: 'GET',
    url: `/AuditEvent/$verify${query}`,
    headers: { authorization: auditor },
  });
  expect(response.statusCode, response.body).toBe(200);
  return Object.fromEntries(
    (response.json().parameter as { name: string; [k: string]: unknown }[]).map((p) => [
      p.name,
      Object.entries(p).find(([k]) => k.startsWith('value'))![1],
    ]),
  );
};

describe('the audit trail', () => {
  it('records a read with who, for which organisation, why, on which rule, from where, and what', async () => {
    const response = await anonymous.inject({
      method: 'GET',
      url: `/SupplyRequest/${delivery.id}`,
      headers: { authorization: logistics },
    });
    expect(response.statusCode).toBe(200);
    const event = await last();
    expect(event).toMatchObject({
      action: 'R',
      outcome: '0',
      subtype: [{ code: 'read' }],
      purposeOfEvent: [{ coding: [{ code: 'HOPERAT' }] }],
    });
    expect(event.agent[0]).toMatchObject({
      requestor: true,
      who: { identifier: { value: 'logistiek.test' } },
      role: [{ text: 'logistics' }],
      policy: ['urn:zorghub:access-rule:logistics-requests'],
    });
    expect(event.agent[0].network?.address).toBeTruthy();
    expect(event.agent[1]).toMatchObject({
      who: { type: 'Organization', identifier: { system: GLN, value: '8712345000035' } },
    });
    expect(event.entity).toContainEqual(
      expect.objectContaining({ what: { reference: `SupplyRequest/${delivery.id}/_history/1` } }),
    );
    expect(event.source.observer.identifier?.value).toBe(TEST_BASE_URL);
    // Never the content of what was read (a text no id, code or hex digest can hold: 'bed' alone is hex).
    expect(JSON.stringify(event)).not.toContain('laagbed');
  });

  it('records refusals too: no token, a type the role may not read, a resource outside its scope', async () => {
    await anonymous.inject({ method: 'GET', url: `/Patient/${client.id}` });
    expect(await last()).toMatchObject({
      outcome: '4',
      outcomeDesc: expect.stringMatching(/^HUB_ERR_AUTH_INVALID_TOKEN: /),
      entity: expect.arrayContaining([expect.objectContaining({ what: { reference: `Patient/${client.id}` } })]),
    });
    await anonymous.inject({ method: 'GET', url: '/CarePlan', headers: { authorization: logistics } });
    expect(await last()).toMatchObject({
      outcome: '4',
      outcomeDesc: expect.stringMatching(
        /^HUB_ERR_AUTH_INSUFFICIENT_SCOPE: Not allowed: the role logistics may not search CarePlan/,
      ),
      action: 'E',
    });
    await anonymous.inject({ method: 'GET', url: `/Patient/${other.id}`, headers: { authorization: logistics } });
    expect(await last()).toMatchObject({ outcome: '4', outcomeDesc: 'HUB_ERR_STORE_NOT_FOUND' });
  });

  it('records a search with its query and every resource it returned', async () => {
    await anonymous.inject({
      method: 'GET',
      url: '/SupplyRequest?status=active&_include=SupplyRequest:subject',
      headers: { authorization: logistics },
    });
    const event = await last();
    const query = event.entity!.find((e) => e.role?.code === '24')!;
    expect(Buffer.from(query.query!, 'base64').toString()).toBe(
      'GET SupplyRequest?status=active&_include=SupplyRequest:subject',
    );
    const what = event.entity!.map((e) => e.what?.reference);
    expect(what).toContain(`SupplyRequest/${delivery.id}/_history/1`);
    expect(what).toContain(`Patient/${client.id}`);
    expect(what.join()).not.toContain(other.id);
  });

  it.each(['batch', 'transaction'])('records a %s Bundle with that subtype', async (type) => {
    const bundle = {
      resourceType: 'Bundle',
      type,
      entry: [{ request: { method: 'GET', url: `SupplyRequest/${delivery.id}` } }],
    };
    const response = await anonymous.inject({
      method: 'POST',
      url: '/',
      headers: { authorization: logistics, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(bundle),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect((await last()).subtype).toEqual([expect.objectContaining({ code: type })]);
  });

  it('records token requests, issued and refused, without a secret', async () => {
    const basic = (secret: string) => `Basic ${Buffer.from(`logistiek.test:${secret}`).toString('base64')}`;
    const ask = (secret: string) =>
      anonymous.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { authorization: basic(secret), 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=client_credentials',
      });
    expect((await ask('logistiek-secret-0123456789-abcdefghijkl')).statusCode).toBe(200);
    const issued = await last();
    expect(issued).toMatchObject({ type: { code: '110114' }, outcome: '0' });
    expect(issued.agent[0]).toMatchObject({ who: { identifier: { value: 'logistiek.test' } }, requestor: true });
    expect(issued.agent[1]).toMatchObject({ who: { type: 'Organization', identifier: { value: '8712345000035' } } });
    expect((await ask('fout-fout-fout-fout-fout-fout-fout-fout')).statusCode).toBe(401);
    const refused = await last();
    expect(refused).toMatchObject({ type: { code: '110114' }, outcome: '4', outcomeDesc: 'invalid_client' });
    expect(JSON.stringify(refused)).not.toContain('fout-fout');
  });

  it('writes AuditEvents that meet the hub-AuditEvent profile and the base specification', async () => {
    const conformance = await buildConformance({ required: 'all' });
    for (const event of (await events()).slice(-12)) {
      expect(validateResource(event).ok).toBe(true);
      expect(
        conformance.validator.validate(event, AUDIT_PROFILE).filter((i) => i.severity === 'error'),
        JSON.stringify(event),
      ).toEqual([]);
    }
  });

  it('lets a client find who touched his data in his own access log, and nothing of others', async () => {
    const as = await principalClient(new PgRepository(db.sql, { baseUrl: TEST_BASE_URL }), TEST_BASE_URL);
    const person = as({
      kind: 'person',
      clientId: 'pgo',
      patient: `Patient/${client.id}`,
      dataServices: ['toegangslog'],
      tokenId: 't',
    });
    const log = (await person('GET', '/AuditEvent?_count=1000')).body as Bundle<AuditEvent>;
    const readers = log.entry!.map((e) => e.resource!.agent[0].who?.identifier?.value);
    expect(readers).toContain('logistiek.test');
    for (const entry of log.entry!) {
      expect(JSON.stringify(entry.resource)).not.toContain(other.id);
    }
    const otherPerson = as({
      kind: 'person',
      clientId: 'pgo',
      patient: `Patient/${other.id}`,
      dataServices: ['toegangslog'],
      tokenId: 't',
    });
    // The other client sees that the logistics provider tried to read him and was refused, and nothing it read.
    const otherLog = (await otherPerson('GET', '/AuditEvent?_count=1000')).body as Bundle<AuditEvent>;
    const byLogistics = (otherLog.entry ?? [])
      .map((e) => e.resource!)
      .filter((e) => e.agent[0].who?.identifier?.value === 'logistiek.test');
    expect(byLogistics.length).toBeGreaterThan(0);
    expect(byLogistics.every((e) => e.outcome === '4')).toBe(true);
  });

  it('keeps every AuditEvent out of reach to change or delete, even for the admin', async () => {
    const [event] = await events();
    const put = await app.inject({
      method: 'PUT',
      url: `/AuditEvent/${event.id}`,
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ ...event, outcome: '0' }),
    });
    expect(put.statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: `/AuditEvent/${event.id}` })).statusCode).toBe(403);
  });

  it('fails the request when its record cannot be written, and then writes nothing', async () => {
    await db.sql`ALTER TABLE audit_unsealed ADD CONSTRAINT test_refuse CHECK (position < 0) NOT VALID`;
    try {
      const created = await app.inject({
        method: 'POST',
        url: '/Patient',
        headers: { 'content-type': 'application/fhir+json' },
        payload: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Onzichtbaar' }] }),
      });
      expect(created.statusCode).toBe(500);
      expect((await db.sql`SELECT count(*)::int AS n FROM "Patient" WHERE content LIKE '%Onzichtbaar%'`)[0].n).toBe(0);
      expect(
        (
          await anonymous.inject({
            method: 'GET',
            url: `/SupplyRequest/${delivery.id}`,
            headers: { authorization: logistics },
          })
        ).statusCode,
      ).toBe(500);
    } finally {
      await db.sql`ALTER TABLE audit_unsealed DROP CONSTRAINT test_refuse`;
    }
  });

  it('verifies an intact chain, for auditors and admins only', async () => {
    expect(await verify()).toMatchObject({ intact: true, unverifiable: 0 });
    expect(
      (await anonymous.inject({ method: 'GET', url: '/AuditEvent/$verify', headers: { authorization: logistics } }))
        .statusCode,
    ).toBe(403);
    expect((await anonymous.inject({ method: 'GET', url: '/AuditEvent/$verify' })).statusCode).toBe(401);
    expect(
      (
        await anonymous.inject({
          method: 'GET',
          url: '/AuditEvent/$verify?start=gisteren',
          headers: { authorization: auditor },
        })
      ).statusCode,
    ).toBe(400);
  });

  it('names the first altered record', async () => {
    await sealAudit(db.sql);
    const [target] = await db.sql<{ seq: string; event_id: string; outcome: string }[]>`
      SELECT t.seq, t.event_id, l.outcome FROM audit_trail t JOIN audit_log l ON l.id::text = t.event_id ORDER BY t.seq OFFSET 3 LIMIT 1`;
    await db.sql`UPDATE audit_log SET outcome = '1' WHERE id = ${target.event_id}::uuid`;
    expect(await verify()).toMatchObject({
      intact: false,
      'break-seq': Number(target.seq),
      'break-reason': 'the AuditEvent was altered after it was recorded',
      'break-event': { reference: `AuditEvent/${target.event_id}` },
    });
    await db.sql`UPDATE audit_log SET outcome = ${target.outcome} WHERE id = ${target.event_id}::uuid`;
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('names a removed record', async () => {
    await sealAudit(db.sql);
    const [row] = await db.sql`SELECT * FROM audit_trail ORDER BY seq OFFSET 5 LIMIT 1`;
    await db.sql`DELETE FROM audit_trail WHERE seq = ${row.seq}`;
    expect(await verify()).toMatchObject({
      intact: false,
      'break-seq': Number(row.seq),
      'break-reason': `record ${row.seq} is missing from the chain`,
    });
    await db.sql`INSERT INTO audit_trail ${db.sql(row as Record<string, unknown>)}`;
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('catches a rewritten chain at its signed checkpoint', async () => {
    await sealAudit(db.sql);
    await signCheckpoint(dataDir, db.sql);
    // Rewrite one record and every chain hash after it, as a forger without the hub's key would.
    const rows = await db.sql<{ seq: string; event_id: string; previous_hash: string }[]>`
      SELECT seq, event_id, previous_hash FROM audit_trail ORDER BY seq OFFSET 2`;
    await db.sql`UPDATE audit_log SET outcome = '1' WHERE id = ${rows[0].event_id}::uuid`;
    const contents = await auditContents(
      db.sql,
      rows.map((row) => row.event_id),
    );
    let previous = rows[0].previous_hash;
    for (const row of rows) {
      const contentHash = auditContentHash(contents.get(row.event_id)!);
      const chainHash = sha256Hex(previous + contentHash);
      await db.sql`UPDATE audit_trail SET content_hash = ${contentHash}, previous_hash = ${previous}, chain_hash = ${chainHash} WHERE seq = ${row.seq}`;
      previous = chainHash;
    }
    expect(await verify()).toMatchObject({
      intact: false,
      'break-reason': 'the chain differs from what a signed checkpoint says: the log was rewritten',
    });
  });
});

describe('retention', () => {
  it('prunes records past the retention period with a signed checkpoint, and the chain still verifies', async () => {
    const hub = await createTestApp();
    const keys = await HubKeys.open({ dataDir: hub.dataDir });
    const longAgo = new Date(Date.now() - 40 * 30 * 24 * 3600 * 1000);
    const old = new AuditTrail(hub.db.sql, new PgRepository(hub.db.sql, { now: () => longAgo }), keys, () => longAgo);
    await Promise.all([1, 2, 3].map(() => old.record(testAuditRecord({ recorded: longAgo }))));
    await old.checkpoint();
    await hub.app.inject({ method: 'GET', url: '/Patient' });
    await hub.app.inject({ method: 'GET', url: '/Coverage' });
    const count = async () => {
      await sealAudit(hub.db.sql);
      return (await hub.db.sql`SELECT count(*)::int AS n FROM audit_trail`)[0].n as number;
    };
    const before = await count();
    const pruned = await hub.app.inject({ method: 'POST', url: '/admin/audit/$prune' });
    expect(pruned.statusCode, pruned.body).toBe(200);
    expect(pruned.json()).toMatchObject({ removed: 3, resumesAfter: 3 });
    expect(await count()).toBe(before - 3 + 1); // the prune is itself recorded
    expect((await hub.db.sql`SELECT count(*)::int AS n FROM audit_log WHERE recorded = ${longAgo}`)[0].n).toBe(0);
    const verified = await hub.app.inject({ method: 'GET', url: '/AuditEvent/$verify' });
    const result = Object.fromEntries(
      verified.json().parameter.map((p: { name: string; valueBoolean?: boolean }) => [p.name, p.valueBoolean]),
    );
    expect(result.intact).toBe(true);
    expect((await hub.anonymous.inject({ method: 'POST', url: '/admin/audit/$prune' })).statusCode).toBe(401);
  });
});

/** Signs a checkpoint of the chain's head now, as the hub's timer does (HUB_AUDIT_CHECKPOINT_SECONDS). */
async function signCheckpoint(folder: string, sql: typeof db.sql): Promise<void> {
  const trail = new AuditTrail(sql, new PgRepository(sql, {}), await HubKeys.open({ dataDir: folder }));
  expect(await trail.checkpoint()).toBeGreaterThan(0);
}
