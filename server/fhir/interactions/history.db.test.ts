// history: GET [type]/[id]/_history, GET [type]/_history, GET /_history (http://hl7.org/fhir/R4/http.html#history)
import type { Bundle, BundleEntry, Device, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp, TEST_BASE_URL } from '../../../test/support/app.js';

const { app } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

function patient(family = 'van Dijk'): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: '999970010' }],
    name: [{ family, given: ['Emma'] }],
    gender: 'female',
    birthDate: '1995-07-19',
  };
}

function device(name: string): Device {
  return { resourceType: 'Device', status: 'active', deviceName: [{ name, type: 'user-friendly-name' }] };
}

async function post(body: Patient | Device): Promise<{ id: string; meta: { lastUpdated: string } }> {
  const res = await app.inject({
    method: 'POST',
    url: `/${body.resourceType}`,
    headers: JSON_HEADERS,
    payload: JSON.stringify(body),
  });
  expect(res.statusCode).toBe(201);
  return res.json();
}

async function put(id: string, body: Patient | Device): Promise<void> {
  const res = await app.inject({
    method: 'PUT',
    url: `/${body.resourceType}/${id}`,
    headers: JSON_HEADERS,
    payload: JSON.stringify({ ...body, id }),
  });
  expect(res.statusCode).toBe(200);
}

async function history(url: string): Promise<Bundle> {
  const res = await app.inject({ method: 'GET', url });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** A Patient created, updated and deleted: three versions. */
async function createdUpdatedDeleted(): Promise<string> {
  const { id } = await post(patient());
  await put(id, patient('van Dijk-de Boer'));
  await app.inject({ method: 'DELETE', url: `/Patient/${id}` });
  return id;
}

const key = (entry: BundleEntry) => `${entry.fullUrl}|${entry.response?.etag}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('instance history', () => {
  it('returns a Bundle of type history with the versions newest first', async () => {
    const id = await createdUpdatedDeleted();
    const bundle = await history(`/Patient/${id}/_history`);
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('history');
    expect(bundle.entry?.map((e) => e.response?.etag)).toEqual(['W/"3"', 'W/"2"', 'W/"1"']);
  });

  it('gives each entry the request.method of the interaction that made the version', async () => {
    const id = await createdUpdatedDeleted();
    const bundle = await history(`/Patient/${id}/_history`);
    expect(bundle.entry?.map((e) => e.request?.method)).toEqual(['DELETE', 'PUT', 'POST']);
  });

  it('gives the delete entry no resource and the other entries the resource as it was', async () => {
    const id = await createdUpdatedDeleted();
    const [deleted, updated, created] = (await history(`/Patient/${id}/_history`)).entry!;
    expect(deleted.resource).toBeUndefined();
    expect(deleted.request?.url).toBe(`Patient/${id}`);
    expect(updated.resource).toMatchObject({ id, meta: { versionId: '2' }, name: [{ family: 'van Dijk-de Boer' }] });
    expect(created.resource).toMatchObject({ id, meta: { versionId: '1' }, name: [{ family: 'van Dijk' }] });
  });

  it('gives each entry its fullUrl and response.lastModified', async () => {
    const id = await createdUpdatedDeleted();
    for (const entry of (await history(`/Patient/${id}/_history`)).entry!) {
      expect(entry.fullUrl).toBe(`${TEST_BASE_URL}/Patient/${id}`);
      expect(entry.response?.lastModified).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    }
  });

  it('returns 404 with an OperationOutcome for an unknown resource', async () => {
    const res = await app.inject({ method: 'GET', url: '/Patient/nooit-gezien/_history' });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });
});

describe('type history', () => {
  it('returns the versions of every resource of the type, newest first, and no other type', async () => {
    const a = await post(device('Rolstoel Küschall K-Series'));
    const b = await post(device('Rollator Dolomite Jazz'));
    await put(a.id, device('Rolstoel Küschall Advantage'));
    await post(patient());
    const entries = (await history('/Device/_history?_count=3')).entry!;
    expect(entries.map((e) => `${e.resource?.id}|${e.response?.etag}`)).toEqual([
      `${a.id}|W/"2"`,
      `${b.id}|W/"1"`,
      `${a.id}|W/"1"`,
    ]);
  });

  it('returns 404 with an OperationOutcome for an unknown resource type', async () => {
    const res = await app.inject({ method: 'GET', url: '/Hulpmiddel/_history' });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });
});

describe('system history', () => {
  it('returns the versions of all types, newest first', async () => {
    const p = await post(patient());
    const d = await post(device('Hoog-laagbed Thuiszorg'));
    // The hub's own audit records of these requests are versions too; the data versions come in order among them.
    const entries = (await history('/_history?_count=10')).entry!.filter((e) => !e.fullUrl!.includes('/AuditEvent/'));
    expect(entries.slice(0, 2).map((e) => e.fullUrl)).toEqual([
      `${TEST_BASE_URL}/Device/${d.id}`,
      `${TEST_BASE_URL}/Patient/${p.id}`,
    ]);
  });

  it('orders all entries by lastModified, newest first', async () => {
    const entries = (await history('/_history?_count=1000')).entry!;
    const times = entries.map((e) => new Date(e.response!.lastModified!).getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
  });
});

describe('history paging', () => {
  it('returns at most _count entries with a next link when there are more', async () => {
    for (let i = 0; i < 4; i++) {
      await post(device(`Douchestoel ${i}`));
    }
    const bundle = await history('/Device/_history?_count=3');
    expect(bundle.entry).toHaveLength(3);
    expect(bundle.link?.find((l) => l.relation === 'next')?.url).toMatch(
      new RegExp(`^${TEST_BASE_URL}/Device/_history\\?`),
    );
  });

  it('pages through everything without duplicates or gaps while new versions are written between pages', async () => {
    for (let i = 0; i < 7; i++) {
      await post(device(`Tillift ${i}`));
    }
    const snapshot = (await history('/Device/_history?_count=1000')).entry!.map(key);
    const seen: string[] = [];
    let url: string | undefined = '/Device/_history?_count=3';
    let pages = 0;
    while (url && pages++ < 100) {
      const bundle = await history(url);
      seen.push(...bundle.entry!.map(key));
      // A write between pages: a new resource and a new version of one already paged past.
      const created = await post(device(`Tillift extra ${pages}`));
      await put(created.id, device(`Tillift extra ${pages} (gewijzigd)`));
      url = bundle.link?.find((l) => l.relation === 'next')?.url?.slice(TEST_BASE_URL.length);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(snapshot);
  });

  it('returns no next link on the last page', async () => {
    const { id } = await post(device('Scootmobiel'));
    const bundle = await history(`/Device/${id}/_history?_count=5`);
    expect(bundle.link?.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it.each(['abc', '-1', '1.5', ''])('returns 400 with an OperationOutcome for _count=%s', async (count) => {
    const res = await app.inject({ method: 'GET', url: `/_history?_count=${count}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });
});

describe('history _since', () => {
  it('includes only versions created at or after the instant', async () => {
    const { id } = await post(patient());
    await sleep(20);
    const since = new Date().toISOString();
    await sleep(5);
    await put(id, patient('de Boer'));
    const bundle = await history(`/Patient/${id}/_history?_since=${since}`);
    expect(bundle.entry?.map((e) => e.response?.etag)).toEqual(['W/"2"']);
  });

  it('includes a version written exactly at the instant', async () => {
    const created = await post(patient());
    const bundle = await history(`/Patient/${created.id}/_history?_since=${created.meta.lastUpdated}`);
    expect(bundle.entry).toHaveLength(1);
  });

  it('keeps _since on the next link', async () => {
    for (let i = 0; i < 3; i++) {
      await post(device(`Looprek ${i}`));
    }
    const since = '2020-01-01T00:00:00Z';
    const bundle = await history(`/Device/_history?_count=1&_since=${since}`);
    const next = new URL(bundle.link!.find((l) => l.relation === 'next')!.url!);
    expect(next.searchParams.get('_since')).toBe(since);
  });

  it.each(['gisteren', '2024-13-01', '2024-01-01T25:00:00Z', '2024-02-30T10:00:00Z'])(
    'returns 400 with an OperationOutcome for _since=%s',
    async (since) => {
      const res = await app.inject({ method: 'GET', url: `/_history?_since=${since}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().resourceType).toBe('OperationOutcome');
    },
  );
});
