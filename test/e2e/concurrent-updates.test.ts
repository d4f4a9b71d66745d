// Optimistic concurrency under real parallel HTTP: many clients update one resource with the same If-Match.
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/app.js';

const { baseUrl, db, adminHeaders } = await startTestServer();
const auth = await adminHeaders();
const CLIENTS = 20;
const ROUNDS = 5;

async function put(id: string, body: Patient, ifMatch: string): Promise<number> {
  const response = await fetch(`${baseUrl}/Patient/${id}`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/fhir+json', 'if-match': ifMatch },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('concurrent updates with If-Match', () => {
  it(`lets exactly one of ${CLIENTS} clients win each version, loses no update and keeps a complete history`, async () => {
    const id = 'concurrency-target';
    const base: Patient = { resourceType: 'Patient', id, name: [{ family: 'Bakker' }] };
    expect(await put(id, base, 'W/"0"').catch(() => 0)).toBe(412); // no version 0: the If-Match guard holds for creation too
    const created = await fetch(`${baseUrl}/Patient/${id}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(base),
    });
    expect(created.status).toBe(201);

    const winners: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const statuses = await Promise.all(
        Array.from({ length: CLIENTS }, (_, client) =>
          put(
            id,
            { ...base, name: [{ family: 'Bakker', given: [`round${round}-client${client}`] }] },
            `W/"${round}"`,
          ).then((status) => ({ status, client })),
        ),
      );
      const won = statuses.filter((s) => s.status === 200);
      expect(won).toHaveLength(1);
      expect(statuses.filter((s) => s.status === 412)).toHaveLength(CLIENTS - 1);
      winners.push(`round${round}-client${won[0].client}`);
    }

    const history = (await (
      await fetch(`${baseUrl}/Patient/${id}/_history?_count=100`, { headers: auth })
    ).json()) as Bundle<Patient>;
    const versions = history.entry!.map((entry) => entry.resource!);
    expect(versions.map((v) => v.meta?.versionId)).toEqual(['6', '5', '4', '3', '2', '1']);
    // Every winner's content is a version of its own: nothing overwritten without a trace.
    expect(
      versions
        .slice(0, ROUNDS)
        .map((v) => v.name?.[0].given?.[0])
        .reverse(),
    ).toEqual(winners);
    const [{ count }] = await db.sql<{ count: number }[]>`
      SELECT count(*)::int AS count FROM resource_history WHERE resource_type = 'Patient' AND id = ${id}`;
    expect(count).toBe(ROUNDS + 1);
  });

  it('applies every one of 20 concurrent updates without If-Match as its own version', async () => {
    const id = 'last-writer';
    await fetch(`${baseUrl}/Patient/${id}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id }),
    });
    const statuses = await Promise.all(
      Array.from({ length: CLIENTS }, (_, client) =>
        fetch(`${baseUrl}/Patient/${id}`, {
          method: 'PUT',
          headers: { ...auth, 'content-type': 'application/fhir+json' },
          body: JSON.stringify({ resourceType: 'Patient', id, name: [{ family: `writer${client}` }] }),
        }).then((r) => r.status),
      ),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    const [{ count }] = await db.sql<{ count: number }[]>`
      SELECT count(*)::int AS count FROM resource_history WHERE resource_type = 'Patient' AND id = ${id}`;
    expect(count).toBe(CLIENTS + 1);
  });
});
