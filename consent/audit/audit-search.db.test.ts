// AuditEvent search over the audit log's columns (server/storage/pg/audit-search.ts), held to an oracle: records of
// varied callers, clients, rules and outcomes are written into the log, and for every parameter and every value
// they hold, the search must find exactly the records whose values say so (and render them as the AuditEvents
// that show those values). Plus time ranges, order, paging, totals, includes, _has, chains, and a clear 400 for
// what the log does not hold.
import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../server/contracts/audit-record.js';
import { loadDefinitions } from '../../server/fhir/definitions.js';
import { parseSearch } from '../../server/fhir/search/parse.js';
import { planSearch } from '../../server/fhir/search/plan.js';
import { compartmentKey } from '../../server/contracts/compartment-key.js';
import { appendAuditRecords } from '../../server/storage/pg/audit-log.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { storedResourceTypeSet } from '../../server/storage/pg/resource-tables.js';
import { newResourceId } from '../../server/storage/resource-id.js';
import { testAuditRecord } from '../../test/support/audit-record.js';
import { createTestDatabase } from '../../test/support/database.js';

loadDefinitions();
const db = await createTestDatabase(4);
const repository = new PgRepository(db.sql);
const patient = async (family: string) =>
  (await repository.create({ resourceType: 'Patient', name: [{ family }] } as Patient)).version.id;
const anna = await patient('de Vries');
const bram = await patient('Bakker');
const OAUTH = 'https://zorghub.example.org/fhir/NamingSystem/oauth-client';
const GLN = 'https://www.gs1.org/gln';
const URA = 'http://fhir.nl/fhir/NamingSystem/ura';

const base = Date.now() - 3_600_000;
const callers: Partial<AuditRecord>[] = [
  { clientId: 'lev', role: 'supplier', organization: `${GLN}|111`, purpose: 'HOPERAT', rules: ['supply-requests'] },
  { clientId: 'zk', role: 'financier', organization: `${URA}|222`, purpose: 'COVERAGE', rules: ['coverage-read'] },
  { clientId: 'pgo', role: 'person', organization: null, purpose: 'PATRQT', rules: [], consent: 'Consent/grant-a' },
  {
    clientId: 'pgo',
    role: 'delegate',
    organization: null,
    purpose: 'FAMRQT',
    rules: ['Consent/dir-b'],
    actor: 'RelatedPerson/dochter',
  },
];
const records: (AuditRecord & { id: string })[] = Array.from({ length: 24 }, (_, i) => {
  const recorded = new Date(base + i * 60_000);
  const client = i % 3 === 0 ? anna : i % 3 === 1 ? bram : undefined;
  const caller = callers[i % callers.length];
  const entity = i % 2 === 0 ? `SupplyRequest/s${i % 5}` : undefined;
  return {
    ...testAuditRecord({
      ...caller,
      recorded,
      subtype: i % 4 === 0 ? 'search-type' : 'read',
      interaction: i % 4 === 0 ? 'search-type' : 'read',
      action: i % 4 === 0 ? 'E' : 'R',
      outcome: i % 5 === 0 ? '4' : '0',
      patient: caller.role === 'person' || caller.role === 'delegate' ? (client ?? null) : null,
      patients: client ? [client] : [],
      compartments: client ? [compartmentKey(client)] : [],
      entities: entity ? [entity] : [],
      entityVersions: entity ? [String(1 + (i % 2))] : [],
      entityClients: entity ? [client ?? ''] : [],
      query: entity ? null : 'GET SupplyRequest',
      entrance: i % 6 === 0 ? 'ingest' : 'rest',
      address: `10.0.0.${i % 3}`,
    }),
    id: newResourceId(recorded.getTime()),
  };
});
await appendAuditRecords(db.sql, records);

async function search(query: string): Promise<string[]> {
  const plan = planSearch(parseSearch(['AuditEvent'], new URLSearchParams(query), storedResourceTypeSet()));
  return (await repository.search(plan)).matches.map((v) => v.id);
}
const expectFound = async (query: string, expected: (r: AuditRecord) => boolean) => {
  const want = records.filter(expected).map((r) => r.id);
  expect(want.length, `the oracle finds something for ${query}`).toBeGreaterThan(0);
  expect((await search(`${query}&_count=100`)).sort(), query).toEqual(want.sort());
};

describe('AuditEvent search over the audit log', () => {
  const cases: [string, (r: AuditRecord) => boolean][] = [
    [`patient=Patient/${anna}`, (r) => r.patients.includes(anna)],
    [`patient=${bram}`, (r) => r.patients.includes(bram)],
    [`agent:identifier=${OAUTH}|lev`, (r) => r.clientId === 'lev'],
    [`agent:identifier=${OAUTH}|pgo`, (r) => r.clientId === 'pgo'],
    [`agent:identifier=${GLN}|111`, (r) => r.organization === `${GLN}|111`],
    [`agent:identifier=${URA}|`, (r) => r.organization?.startsWith(URA) ?? false],
    ['agent=RelatedPerson/dochter', (r) => r.actor === 'RelatedPerson/dochter'],
    [`agent=Patient/${anna}`, (r) => r.patient === anna],
    ['agent-role=financier', (r) => r.role === 'financier'],
    ['agent-role=person,delegate', (r) => r.role === 'person' || r.role === 'delegate'],
    ['entity=SupplyRequest/s2', (r) => r.entities.includes('SupplyRequest/s2')],
    ['entity=SupplyRequest/s0/_history/1', (r) => r.entities[0] === 'SupplyRequest/s0' && r.entityVersions[0] === '1'],
    ['entity-role=24', (r) => r.query !== null],
    ['entity-type=1', (r) => r.patients.length > 0],
    ['type=rest', () => true],
    ['type=http://terminology.hl7.org/CodeSystem/audit-event-type|rest', () => true],
    ['subtype=search-type', (r) => r.subtype === 'search-type'],
    ['subtype:not=search-type', (r) => r.subtype !== 'search-type'],
    ['action=R', (r) => r.action === 'R'],
    ['outcome=4', (r) => r.outcome === '4'],
    ['outcome=http://hl7.org/fhir/audit-event-outcome|0', (r) => r.outcome === '0'],
    ['purpose=COVERAGE', (r) => r.purpose === 'COVERAGE'],
    ['policy=urn:zorghub:access-rule:supply-requests', (r) => r.rules.includes('supply-requests')],
    ['policy=Consent/grant-a', (r) => r.consent === 'Consent/grant-a'],
    ['policy=Consent/dir-b', (r) => r.rules.includes('Consent/dir-b')],
    ['site=ingest', (r) => r.entrance === 'ingest'],
    ['address=10.0.0.1', (r) => r.address === '10.0.0.1'],
    [`date=ge${new Date(base + 10 * 60_000).toISOString()}`, (r) => r.recorded.getTime() >= base + 10 * 60_000],
    [
      `date=lt${new Date(base + 5 * 60_000).toISOString()}&date=ge${new Date(base + 60_000).toISOString()}`,
      (r) => r.recorded.getTime() < base + 5 * 60_000 && r.recorded.getTime() >= base + 60_000,
    ],
    [`_id=${records[3].id},${records[7].id}`, (r) => r.id === records[3].id || r.id === records[7].id],
    [
      `patient=Patient/${anna}&outcome=0&agent-role=supplier`,
      (r) => r.patients.includes(anna) && r.outcome === '0' && r.role === 'supplier',
    ],
  ];
  it.each(cases)('finds exactly the records %s names', async (query, expected) => {
    await expectFound(query, expected);
  });

  it('renders each found record with the values it was found by', async () => {
    const [id] = await search(`agent:identifier=${GLN}|111&outcome=4&_count=1`);
    const event = JSON.parse((await repository.read('AuditEvent', id)).json);
    expect(event.outcome).toBe('4');
    expect(event.agent).toContainEqual(
      expect.objectContaining({ who: { type: 'Organization', identifier: { system: GLN, value: '111' } } }),
    );
  });

  it('sorts by date both ways and pages without losing or repeating a record', async () => {
    const newest = records.map((r) => r.id).reverse();
    expect(await search('_sort=-date&_count=100')).toEqual(newest);
    expect(await search('_sort=date&_count=100')).toEqual([...newest].reverse());
    const seen: string[] = [];
    let plan = planSearch(
      parseSearch(['AuditEvent'], new URLSearchParams('_sort=-date&_count=5'), storedResourceTypeSet()),
    );
    for (;;) {
      const page = await repository.search(plan);
      seen.push(...page.matches.map((v) => v.id));
      if (!page.next) break;
      plan = { ...plan, cursor: page.next };
    }
    expect(seen).toEqual(newest);
  });

  it('counts with _total and _summary=count', async () => {
    const plan = planSearch(
      parseSearch(['AuditEvent'], new URLSearchParams('outcome=4&_summary=count'), storedResourceTypeSet()),
    );
    expect((await repository.search(plan)).total).toBe(records.filter((r) => r.outcome === '4').length);
  });

  it('includes the clients a record names, and finds the records naming a client from him', async () => {
    const plan = (type: string, query: string) =>
      planSearch(parseSearch([type], new URLSearchParams(query), storedResourceTypeSet()));
    const included = await repository.search(
      plan('AuditEvent', `patient=Patient/${anna}&_include=AuditEvent:patient&_count=2`),
    );
    expect(included.included.map((v) => `${v.resourceType}/${v.id}`)).toEqual([`Patient/${anna}`]);
    const reverse = await repository.search(plan('Patient', `_id=${bram}&_revinclude=AuditEvent:patient`));
    expect(reverse.included.map((v) => v.id).sort()).toEqual(
      records
        .filter((r) => r.patients.includes(bram))
        .map((r) => r.id)
        .sort(),
    );
    const refusedOf = await repository.search(plan('Patient', '_has:AuditEvent:patient:outcome=4'));
    const expected = new Set(records.filter((r) => r.outcome === '4').flatMap((r) => r.patients));
    expect(refusedOf.matches.map((v) => v.id).sort()).toEqual([...expected].sort());
    const chained = await search('patient.name=Bakker&_count=100');
    expect(chained.sort()).toEqual(
      records
        .filter((r) => r.patients.includes(bram))
        .map((r) => r.id)
        .sort(),
    );
  });

  it.each(['agent-name=x', 'altid=x', 'entity-name=x', '_sort=outcome', '_tag=x'])(
    'answers %s with a 400 that names it',
    async (query) => {
      await expect(search(query)).rejects.toMatchObject({ statusCode: 400 });
    },
  );
});
