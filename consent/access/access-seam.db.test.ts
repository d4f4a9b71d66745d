// The access seam by itself, without HTTP: what an entrance that holds its principal (a subscription delivery, an
// MLLP link) gets. Every access is recorded once, refusals too; a record that cannot be written fails the access.
import { renderAuditEvent } from '../../server/storage/audit-event-form.js';
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { AccessFacts } from '../../server/contracts/access.js';
import type { AuditRecord, AuditSink } from '../../server/contracts/audit-record.js';
import type { Principal } from '../../server/contracts/principal.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { createTestDatabase } from '../../test/support/database.js';
import type { Authenticator } from '../authenticate.js';
import { AccessSeam } from './access-seam.js';

/** A sink that keeps what it is given, or refuses it: the seam's side of the contract, not a database. */
class KeptRecords implements AuditSink {
  records: AuditRecord[] = [];
  refuse = false;
  async record(record: AuditRecord): Promise<void> {
    if (this.refuse) throw new Error('the audit store is down');
    this.records.push(record);
  }
  sealSoon(): void {}
  async sealPending(): Promise<void> {}
}

const GLN = 'https://www.gs1.org/gln';
const supplier: Principal = {
  kind: 'system',
  clientId: 'leverancier',
  role: 'supplier',
  organization: { system: GLN, value: '8712345000011' },
  dataServices: [],
  tokenId: 't',
};
const read = (id: string): AccessFacts => ({
  entrance: 'subscription',
  interaction: 'read',
  method: 'GET',
  resourceType: 'SupplyRequest',
  id,
  attempt: { params: { resourceType: 'SupplyRequest', id }, query: new URLSearchParams() },
});

describe('the access seam', async () => {
  const { sql } = await createTestDatabase();
  const storage = new PgRepository(sql, { baseUrl: 'http://hub.test' });
  await storage.createMany([
    { resourceType: 'Patient', id: 'p1' },
    {
      resourceType: 'SupplyRequest',
      id: 'mine',
      status: 'active',
      deliverTo: { reference: 'Patient/p1' },
      supplier: [{ identifier: { system: GLN, value: '8712345000011' } }],
      itemCodeableConcept: { text: 'rolstoel' },
      quantity: { value: 1 },
    },
  ] as Resource[]);
  const sink = new KeptRecords();
  // No token is verified here: the entrance holds its principal; the authenticator is never asked.
  const seam = new AccessSeam({
    storage,
    authenticator: { issuer: 'http://hub.test' } as Authenticator,
    audit: sink,
    hub: 'http://hub.test',
  });

  it("runs the work on the caller's repository and records the access once, with its rule, entrance and client", async () => {
    sink.records = [];
    const version = await seam.access(
      read('mine'),
      { principal: supplier },
      (repository) => repository.read('SupplyRequest', 'mine'),
      () => 200,
    );
    expect(version.id).toBe('mine');
    expect(sink.records).toHaveLength(1);
    const event = renderAuditEvent(sink.records[0]);
    expect(event.outcome).toBe('0');
    expect(event.source.site).toBe('subscription');
    expect(JSON.stringify(event)).toContain('urn:zorghub:access-rule:supply-requests');
    expect(sink.records[0].compartments).toHaveLength(1); // filed under the client's log
  });

  it('records a refusal as such, and rethrows it', async () => {
    sink.records = [];
    const financier = { ...supplier, role: 'financier' as const };
    await expect(
      seam.access(
        read('mine'),
        { principal: financier },
        (r) => r.read('SupplyRequest', 'mine'),
        () => 200,
      ),
    ).rejects.toMatchObject({ statusCode: 403 });
    expect(sink.records.map((r) => r.outcome)).toEqual(['4']);
    expect(sink.records[0].compartments).toHaveLength(1); // the client it was aimed at still sees the attempt
  });

  it('decides a hub operation by its rule before any work runs', async () => {
    sink.records = [];
    let ran = false;
    const verify: AccessFacts = {
      entrance: 'audit',
      interaction: 'operation:verify',
      method: 'GET',
      resourceType: 'AuditEvent',
    };
    await expect(
      seam.access(
        verify,
        { principal: supplier },
        async () => {
          ran = true;
        },
        () => 200,
      ),
    ).rejects.toMatchObject({ statusCode: 403 });
    expect(ran).toBe(false);
    await seam.access(
      verify,
      { principal: { ...supplier, role: 'auditor' } },
      async () => {
        ran = true;
      },
      () => 200,
    );
    expect(ran).toBe(true);
    expect(sink.records[1].rules).toContain('audit-verify');
  });

  it('fails the access when its record cannot be written', async () => {
    sink.refuse = true;
    try {
      await expect(
        seam.access(
          read('mine'),
          { principal: supplier },
          (r) => r.read('SupplyRequest', 'mine'),
          () => 200,
        ),
      ).rejects.toThrow('the audit store is down');
    } finally {
      sink.refuse = false;
    }
  });
});
