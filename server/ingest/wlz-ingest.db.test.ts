// iWlz end to end over real HTTP with real tokens: an AW33 makes the Coverages of its toewijzingen, an AW35 adds a
// report that delivery began to the Coverage it names (of that client only), a later AW33 replacing the Coverage keeps
// the reports, and a provider outside the client's care finds no Coverage to report on, with the message kept.
import type { Coverage, Extension, OperationOutcome } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/app.js';
import { requireExternal } from '../../test/support/external-material.js';
import { adapterFixture, ingestAs } from '../../test/support/ingest.js';
import { type Headers, systemClients } from '../../test/support/system-clients.js';

const xsd = requireExternal('iwlz-xsd');
const fixture = (name: string) => adapterFixture('iwlz-toewijzing', name);
const CARE_START = 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-care-start';
const TOEWIJZING = 'https://zorghub.example.org/fhir/NamingSystem/iwlz-toewijzing';
const JUNE = '241045873 754 2025-06-01';
const FEBRUARY = '241045873 754 2025-02-01';

let server: TestServer;
let zorgkantoor: Headers;
let provider: Headers;

const ingest = (headers: Headers, body: string) =>
  ingestAs(server.baseUrl, headers, 'iwlz-toewijzing', body, { type: 'application/xml' });

async function coverage(toewijzing: string): Promise<Coverage> {
  const rows = await server.db.sql<{ content: string }[]>`SELECT content FROM "Coverage"`;
  const found = rows
    .map((row) => JSON.parse(row.content) as Coverage)
    .filter((c) => c.identifier?.some((i) => i.system === TOEWIJZING && i.value === toewijzing));
  expect(found, `Coverages of toewijzing ${toewijzing}`).toHaveLength(1);
  return found[0]!;
}

/** The aanvang zorg reports on a Coverage, each as its sub-extensions by url. */
function reports(resource: Coverage): Record<string, unknown>[] {
  return (resource.extension ?? [])
    .filter((e) => e.url === CARE_START)
    .map((e) =>
      Object.fromEntries(
        (e.extension ?? []).map((s: Extension) => [
          s.url,
          s.valueDate ?? s.valueDateTime ?? s.valueCoding?.code ?? s.valueIdentifier?.value,
        ]),
      ),
    );
}

describe.skipIf(!xsd.available)('iWlz through the ingest path', () => {
  beforeAll(async () => {
    server = await startTestServer();
    const clients = systemClients(server);
    // The zorgkantoor of the fixtures (5515) and the provider they allocate to (AGB 73730802).
    await clients.register('zk.5515', 'financier', { system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '5515' });
    await clients.register('wlz.73730802', 'care-provider', {
      system: 'http://fhir.nl/fhir/NamingSystem/agb-z',
      value: '73730802',
    });
    zorgkantoor = await clients.tokenOf('zk.5515');
    provider = await clients.tokenOf('wlz.73730802');
    const allocated = await ingest(zorgkantoor, fixture('aw33-complete.xml'));
    expect(allocated.status, allocated.text).toBe(200);
  });

  it('adds the AW35 report to the Coverage of the toewijzing it names, and changes nothing of who pays', async () => {
    const before = await coverage(JUNE);
    const answer = await ingest(zorgkantoor, fixture('aw35-aanvang.xml'));
    expect(answer.status, answer.text).toBe(200);
    const after = await coverage(JUNE);
    expect(reports(after)).toEqual([
      { start: '2025-06-03', status: '4', provider: '73730802', reported: '2025-06-04T00:00:00+02:00' },
    ]);
    const { extension: _a, meta: _m, ...rest } = after;
    const { extension: _b, meta: _n, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    expect(reports(await coverage(FEBRUARY))).toEqual([]);
  });

  it('keeps the reports when a later AW33 replaces the Coverage, and adds a later AW35 beside the first', async () => {
    const changed = await ingest(zorgkantoor, fixture('aw33-change.xml'));
    expect(changed.status, changed.text).toBe(200);
    const replaced = await coverage(JUNE);
    expect(replaced.period).toEqual({ start: '2025-06-01', end: '2025-12-31' });
    expect(reports(replaced)).toHaveLength(1);
    const later = await ingest(zorgkantoor, fixture('aw35-change.xml'));
    expect(later.status, later.text).toBe(200);
    expect(reports(await coverage(JUNE)).map((r) => [r.status, r.reported])).toEqual([
      ['4', '2025-06-04T00:00:00+02:00'],
      ['5', '2025-09-22T00:00:00+02:00'],
    ]);
  });

  it("quarantines an AW35 that names another client's toewijzing, and writes nothing", async () => {
    const before = await coverage(JUNE);
    // Another valid BSN (11-proof) with the same Besluitnummer, ZzpCode and date.
    const other = fixture('aw35-aanvang.xml').replace('AB-0000431', 'AB-0000999').replace('999990548', '999993653');
    const answer = await ingest(zorgkantoor, other);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    const outcome = JSON.parse(answer.text) as OperationOutcome;
    expect(outcome.issue?.[0]?.diagnostics).toMatch(/Coverage\?identifier=/);
    expect(await coverage(JUNE)).toEqual(before);
    const quarantine = await fetch(`${server.baseUrl}/$ingest/quarantine`, { headers: zorgkantoor });
    expect(JSON.stringify(await quarantine.json())).toContain('AB-0000999');
  });

  it('quarantines an AW35 from a provider without a care relation to the client: the Coverage is not in its view', async () => {
    const before = await coverage(JUNE);
    const fromProvider = fixture('aw35-aanvang.xml').replace('AB-0000431', 'AB-0000777');
    const answer = await ingest(provider, fromProvider);
    // Not found, as for a toewijzing that does not exist: the answer tells the provider nothing of the Coverage.
    expect(answer.status, answer.text).toBe(404);
    expect(await coverage(JUNE)).toEqual(before);
    const quarantine = await fetch(`${server.baseUrl}/$ingest/quarantine`, { headers: provider });
    expect(JSON.stringify(await quarantine.json())).toContain('AB-0000777');
  });
});
