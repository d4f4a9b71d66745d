// The PostgreSQL repository under concurrency and failure: versions, history rows, conditional writes and
// transactions, checked against the tables themselves.
import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.js';
import { loadDefinitions } from '../../fhir/definitions.js';
import type { HubError } from '../../errors.js';
import { CONDITIONAL_DELETE_LIMIT } from '../conditional-writes.js';
import { PgRepository } from './pg-repository.js';

loadDefinitions();
const db = await createTestDatabase(20);
const repository = new PgRepository(db.sql);

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
let seq = 0;
const nextBsn = () => String(999_500_000 + ++seq);

function patient(bsn = nextBsn(), extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: bsn }],
    name: [{ family: 'Peters', given: ['Luuk'] }],
    gender: 'male',
    birthDate: '1963-01-31',
    ...extra,
  };
}

async function settled<T>(work: Promise<T>[]): Promise<{ ok: T[]; failed: HubError[] }> {
  const results = await Promise.allSettled(work);
  return {
    ok: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    failed: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as HubError] : [])),
  };
}

async function historyOf(id: string) {
  return db.sql<{ version: number; method: string; content: string }[]>`
    SELECT version, method, content FROM resource_history WHERE resource_type = 'Patient' AND id = ${id} ORDER BY version`;
}

describe('PgRepository writes', () => {
  it('answers every write with the compartments it stored, so the audit record need not compute them again', async () => {
    const owner = (await repository.create(patient())).version;
    const device = {
      resourceType: 'Coverage',
      status: 'active',
      beneficiary: { reference: `Patient/${owner.id}` },
      payor: [{ display: 'Gemeente Zwolle' }],
    } as never;
    const [row] = await db.sql<{ compartments: string[] }[]>`SELECT compartments FROM "Patient" WHERE id = ${owner.id}`;
    expect(owner.compartments).toEqual(row.compartments);
    for (const outcome of [await repository.create(device), ...(await repository.createMany([device, device]))]) {
      const [stored] = await db.sql<
        { compartments: string[] }[]
      >`SELECT compartments FROM "Coverage" WHERE id = ${outcome.version.id}`;
      expect(outcome.version.compartments, 'create').toEqual(stored.compartments);
      expect(stored.compartments).toEqual(row.compartments);
    }
    const updated = await repository.update({ ...patient(), id: owner.id, gender: 'female' });
    expect(updated.version.compartments).toEqual(row.compartments);
  });

  it('writes the current row and its history row with the same content', async () => {
    const { version } = await repository.create(patient());
    const [current] = await db.sql`SELECT version, content FROM "Patient" WHERE id = ${version.id}`;
    const history = await historyOf(version.id);
    expect(history).toEqual([{ version: 1, method: 'POST', content: current.content }]);
  });

  it('gives 10 concurrent updates without If-Match 10 consecutive versions', async () => {
    const { version } = await repository.create(patient());
    const { ok, failed } = await settled(
      Array.from({ length: 10 }, (_, i) =>
        repository.update({ ...patient(), id: version.id, name: [{ family: `Peters-${i}` }] }),
      ),
    );
    expect(failed).toEqual([]);
    expect(ok.map((o) => Number(o.version.versionId)).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect((await historyOf(version.id)).map((h) => h.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('lets exactly one of 5 concurrent updates with the same If-Match win; the others fail with 412', async () => {
    const { version } = await repository.create(patient());
    const { ok, failed } = await settled(
      Array.from({ length: 5 }, (_, i) =>
        repository.update({ ...patient(), id: version.id, name: [{ family: `Janssen-${i}` }] }, { ifMatch: 'W/"1"' }),
      ),
    );
    expect(ok).toHaveLength(1);
    expect(failed.map((e) => e.statusCode)).toEqual([412, 412, 412, 412]);
    expect(await historyOf(version.id)).toHaveLength(2);
  });

  it('creates exactly one resource for 10 concurrent conditional updates that match nothing', async () => {
    const bsn = nextBsn();
    const { ok, failed } = await settled(
      Array.from({ length: 10 }, (_, i) =>
        repository.conditionalUpdate(patient(bsn, { name: [{ family: `Peters-${i}` }] }), `identifier=${BSN}|${bsn}`),
      ),
    );
    expect(failed).toEqual([]);
    expect(ok.filter((o) => o.created)).toHaveLength(1);
    expect(new Set(ok.map((o) => o.version.id)).size).toBe(1);
  });

  it('no longer finds a deleted resource by its identifier', async () => {
    const bsn = nextBsn();
    const { version } = await repository.create(patient(bsn));
    await repository.delete('Patient', version.id);
    expect(await repository.findIds('Patient', `identifier=${BSN}|${bsn}`, 2)).toEqual([]);
  });

  it('refuses a conditional delete matching more than the limit with 412 and deletes nothing', async () => {
    const bsn = nextBsn();
    await repository.createMany(Array.from({ length: CONDITIONAL_DELETE_LIMIT + 1 }, () => patient(bsn)));
    await expect(repository.conditionalDelete('Patient', `identifier=${BSN}|${bsn}`)).rejects.toMatchObject({
      statusCode: 412,
    });
    expect(await repository.findIds('Patient', `identifier=${BSN}|${bsn}`, 1000)).toHaveLength(
      CONDITIONAL_DELETE_LIMIT + 1,
    );
  });
});

describe('PgRepository.transaction', () => {
  it('commits every write of the work together', async () => {
    const bsn = nextBsn();
    await repository.transaction(async (tx) => {
      await tx.create(patient(bsn));
      await tx.create(patient(bsn));
    });
    expect(await repository.findIds('Patient', `identifier=${BSN}|${bsn}`, 10)).toHaveLength(2);
  });

  it('rolls back every write when the work fails', async () => {
    const bsn = nextBsn();
    const [before] =
      await db.sql`SELECT count(*)::int AS count FROM resource_history WHERE resource_type <> 'AuditEvent'`;
    await expect(
      repository.transaction(async (tx) => {
        await tx.create(patient(bsn));
        await tx.create(patient(bsn, { gender: 'foo' as Patient['gender'] }));
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
    const [after] =
      await db.sql`SELECT count(*)::int AS count FROM resource_history WHERE resource_type <> 'AuditEvent'`;
    expect(after.count).toBe(before.count);
  });

  it('does not show uncommitted writes to readers outside the transaction', async () => {
    const bsn = nextBsn();
    let seenOutside: string[] | undefined;
    await repository.transaction(async (tx) => {
      await tx.create(patient(bsn));
      seenOutside = await repository.findIds('Patient', `identifier=${BSN}|${bsn}`, 10);
    });
    expect(seenOutside).toEqual([]);
  });
});

describe('PgRepository.history', () => {
  it('pages with a cursor that stays stable while new versions are written', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) {
      created.push((await repository.create({ resourceType: 'Device', status: 'active' })).version.id);
    }
    const first = await repository.history({ resourceType: 'Device' }, { count: 2 });
    await repository.create({ resourceType: 'Device', status: 'inactive' });
    const second = await repository.history({ resourceType: 'Device' }, { count: 10, cursor: first.next });
    const ids = [...first.entries, ...second.entries].map((e) => e.id);
    expect(ids.sort()).toEqual([...created].sort());
  });

  it('refuses a cursor it did not issue with 400', async () => {
    await expect(repository.history({}, { count: 5, cursor: 'niet-van-ons' })).rejects.toMatchObject({
      statusCode: 400,
    });
  });
});
