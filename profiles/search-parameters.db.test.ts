// The hub's own SearchParameters over the hub's own examples, stored in a hub that enforces its profiles: each
// search finds exactly the examples whose JSON says so (the oracle reads the example files directly).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  Bundle,
  Consent,
  Coverage,
  Device,
  DeviceRequest,
  Extension,
  Resource,
  SupplyDelivery,
  SupplyRequest,
} from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAuthorisationConsent } from '../consent/policy/authorisation-consents.js';
import { buildConformance } from '../server/fhir/profiles/conformance.js';
import { PgRepository } from '../server/storage/pg/pg-repository.js';
import { createTestApp, TEST_BASE_URL } from '../test/support/app.js';

const EXAMPLES = fileURLToPath(new URL('./examples/', import.meta.url));
const HUB = 'https://zorghub.example.org/fhir/';

const valid: Resource[] = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(`${EXAMPLES}${d.name}`)
      .filter((f) => f.startsWith('valid-'))
      .map((f) => JSON.parse(readFileSync(`${EXAMPLES}${d.name}/${f}`, 'utf8')) as Resource),
  );

const { app, db } = await createTestApp({ requiredProfiles: 'all' });

beforeAll(async () => {
  // A PGO authorisation or delegation is recorded by the authorization server, through the storage repository (the
  // API refuses to write one): stored so here, with the same profiles enforced.
  const storage = new PgRepository(db.sql, {
    baseUrl: TEST_BASE_URL,
    conformance: await buildConformance({ required: 'all' }),
  });
  for (const resource of valid) {
    // The API stores no AuditEvent (the audit log is the hub's own): AuditEvent-purpose is held to the log's columns
    // by consent/audit/audit-search.db.test.ts.
    if (resource.resourceType === 'AuditEvent') continue;
    if (isAuthorisationConsent(resource as Consent)) {
      expect((await storage.update(resource)).created, `${resource.resourceType}/${resource.id}`).toBe(true);
      continue;
    }
    const res = await app.inject({
      method: 'PUT',
      url: `/${resource.resourceType}/${resource.id}`,
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(resource),
    });
    expect(res.statusCode, `${resource.resourceType}/${resource.id}: ${res.body}`).toBe(201);
  }
});

async function ids(query: string): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: query });
  expect(res.statusCode).toBe(200);
  return ((res.json() as Bundle).entry ?? []).map((e) => e.resource!.id!).sort();
}

/** The ids of stored examples of a type whose extension (by url) or JSON satisfies the predicate. */
function expected<T extends Resource>(type: T['resourceType'], predicate: (r: T) => boolean): string[] {
  return valid
    .filter((r) => r.resourceType === type && predicate(r as T))
    .map((r) => r.id!)
    .sort();
}

const extensionValue = (r: { extension?: Extension[] }, name: string) =>
  r.extension?.find((e) => e.url === `${HUB}StructureDefinition/${name}`);

describe("the hub's SearchParameters", () => {
  it('stores every valid example in a hub that enforces its profiles', () => {
    expect(valid.length).toBeGreaterThanOrEqual(22);
  });

  it('finds Coverage by regime', async () => {
    for (const regime of ['zvw', 'wmo', 'wlz']) {
      const want = expected<Coverage>('Coverage', (r) =>
        r.type!.coding!.some((c) => c.code === regime && c.system === `${HUB}CodeSystem/financing-regime`),
      );
      expect(want.length, regime).toBeGreaterThan(0);
      expect(await ids(`/Coverage?regime=${regime}`)).toEqual(want);
    }
  });

  it('finds Device by lifecycle status and by holder', async () => {
    const statuses = [
      ...new Set(
        valid
          .filter((r): r is Device => r.resourceType === 'Device')
          .map((r) => extensionValue(r, 'hub-ext-device-lifecycle')?.valueCoding?.code),
      ),
    ];
    expect(statuses.length).toBeGreaterThan(1);
    for (const status of statuses) {
      expect(await ids(`/Device?lifecycle-status=${status}`)).toEqual(
        expected<Device>('Device', (r) => extensionValue(r, 'hub-ext-device-lifecycle')?.valueCoding?.code === status),
      );
    }
    const holders = valid
      .filter((r): r is Device => r.resourceType === 'Device')
      .map((r) => extensionValue(r, 'hub-ext-holder')?.valueReference?.reference)
      .filter(Boolean);
    expect(holders.length).toBeGreaterThan(0);
    for (const holder of new Set(holders)) {
      expect(await ids(`/Device?holder=${holder}`)).toEqual(
        expected<Device>('Device', (r) => extensionValue(r, 'hub-ext-holder')?.valueReference?.reference === holder),
      );
    }
  });

  it('finds SupplyRequest by direction and by time window, DeviceRequest by provision mode', async () => {
    for (const direction of ['delivery', 'return']) {
      const want = expected<SupplyRequest>(
        'SupplyRequest',
        (r) => extensionValue(r, 'hub-ext-supply-direction')?.valueCoding?.code === direction,
      );
      expect(await ids(`/SupplyRequest?direction=${direction}`)).toEqual(want);
    }
    // lt: the window starts before the given day (R4 range semantics: the range below the value overlaps it).
    const before = expected<SupplyRequest>(
      'SupplyRequest',
      (r) => Date.parse(r.occurrencePeriod!.start!) < Date.parse('2025-05-01T00:00:00Z'),
    );
    expect(before.length).toBeGreaterThan(0);
    expect(await ids('/SupplyRequest?occurrence=lt2025-05-01T00:00:00Z')).toEqual(before);
    for (const mode of ['purchase', 'rental', 'loan']) {
      expect(await ids(`/DeviceRequest?provision-mode=${mode}`)).toEqual(
        expected<DeviceRequest>(
          'DeviceRequest',
          (r) => extensionValue(r, 'hub-ext-provision-mode')?.valueCoding?.code === mode,
        ),
      );
    }
  });

  it('finds SupplyRequest and SupplyDelivery by the Device they are about (item)', async () => {
    const devices = valid.filter((r) => r.resourceType === 'Device').map((r) => `Device/${r.id}`);
    const requests = expected<SupplyRequest>('SupplyRequest', (r) => r.itemReference?.reference !== undefined);
    const deliveries = expected<SupplyDelivery>(
      'SupplyDelivery',
      (r) => r.suppliedItem?.itemReference?.reference !== undefined,
    );
    expect(requests.length).toBeGreaterThan(0);
    expect(deliveries.length).toBeGreaterThan(0);
    for (const device of devices) {
      expect(await ids(`/SupplyRequest?item=${device}`), device).toEqual(
        expected<SupplyRequest>('SupplyRequest', (r) => r.itemReference?.reference === device),
      );
      expect(await ids(`/SupplyDelivery?item=${device}`), device).toEqual(
        expected<SupplyDelivery>('SupplyDelivery', (r) => r.suppliedItem?.itemReference?.reference === device),
      );
    }
    // A coded item is no reference: the requests for a GTIN or ISO 9999 code are not found by item.
    expect(await ids('/SupplyRequest?item:missing=false')).toEqual(requests);
    expect(await ids('/SupplyDelivery?item:missing=false')).toEqual(deliveries);
  });
});
