import type { AuditEvent } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../server/contracts/principal.js';
import { renderAuditEvent } from '../../server/storage/audit-event-form.js';
import { buildAccessRecord, type EventFacts } from './access-record.js';
import { hideCriteria, ownLogView } from './own-log-view.js';

const A = 'Patient/a';
const B = 'Patient/b';
const hub = 'http://hub.test';
const recorded = new Date('2026-12-01T10:00:00Z');
const supplier: Principal = {
  kind: 'system',
  clientId: 'lev',
  role: 'supplier',
  organization: { system: 'https://www.gs1.org/gln', value: '1' },
  dataServices: [],
  tokenId: 't',
};

/** An access's AuditEvent as the log renders it. */
const buildAuditEvent = (facts: EventFacts): AuditEvent => renderAuditEvent(buildAccessRecord(facts, []));

function searchOfBoth(principal: Principal): AuditEvent {
  return buildAuditEvent({
    principal,
    interaction: 'search-type',
    method: 'GET',
    resourceType: 'SupplyRequest',
    query: `subject=${A},${B}&_count=50`,
    status: 200,
    rules: ['supply-requests', 'Consent/directive-of-b'],
    touched: ['SupplyRequest/sa/_history/1', 'SupplyRequest/sb/_history/1'],
    patients: [A, B],
    entityClients: new Map([
      ['SupplyRequest/sa/_history/1', [A]],
      ['SupplyRequest/sb/_history/1', [B]],
    ]),
    recorded,
    hub,
  });
}
const query = (event: AuditEvent) =>
  Buffer.from(event.entity!.find((e) => e.role?.code === '24')!.query!, 'base64').toString();
const references = (event: AuditEvent) => event.entity!.map((e) => e.what?.reference).filter(Boolean);

describe('ownLogView', () => {
  it("shows a client his part of another's search: his client entity and resources, the criteria without values", () => {
    const view = ownLogView(searchOfBoth(supplier), A);
    expect(references(view)).toEqual([A, 'SupplyRequest/sa/_history/1']);
    expect(query(view)).toBe('GET SupplyRequest?subject=*&_count=50');
    expect(view.agent[0].who?.identifier?.value).toBe('lev');
    expect(view.agent[0].policy).toEqual(['urn:zorghub:access-rule:supply-requests']);
  });

  it('shows a client the whole record of what his delegate did for him', () => {
    const delegate: Principal = {
      kind: 'delegate',
      clientId: 'pgo',
      patient: A,
      actor: 'RelatedPerson/dochter',
      dataServices: ['leveringen'],
      consent: 'Consent/grant-a',
      tokenId: 't',
    };
    const event = searchOfBoth(delegate);
    const view = ownLogView(event, A);
    expect(view.agent).toEqual(event.agent);
    expect(query(view)).toBe(`GET SupplyRequest?subject=${A},${B}&_count=50`);
  });

  it('hides another client who acted, and the Consent he acted on, from the client his attempt concerned', () => {
    const other: Principal = {
      kind: 'person',
      clientId: 'pgo',
      patient: B,
      dataServices: ['hulpmiddelen'],
      consent: 'Consent/grant-b',
      tokenId: 't',
    };
    const event = buildAuditEvent({
      principal: other,
      interaction: 'read',
      method: 'GET',
      resourceType: 'DeviceRequest',
      id: 'dra',
      status: 404,
      errorCode: 'HUB_ERR_STORE_NOT_FOUND',
      rules: [],
      touched: [],
      patients: [B, A],
      recorded,
      hub,
    });
    const text = JSON.stringify(ownLogView(event, A));
    expect(text).not.toContain(B);
    expect(text).not.toContain('grant-b');
    expect(text).toContain(A);
  });

  it('keeps result parameters and a query without criteria as they were', () => {
    const encoded = (text: string) => Buffer.from(text).toString('base64');
    expect(Buffer.from(hideCriteria(encoded('GET Coverage?_count=50&_sort=-date')), 'base64').toString()).toBe(
      'GET Coverage?_count=50&_sort=-date',
    );
    expect(hideCriteria(encoded('GET Coverage'))).toBe(encoded('GET Coverage'));
  });
});
