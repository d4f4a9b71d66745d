// Hostile and malformed input: the hub must answer each with a 4xx OperationOutcome, never a 500, never a crash,
// and must leave the database as it was.
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../support/app.js';

const { app, db } = await createTestApp({ maxBodyBytes: 256 * 1024 });

async function send(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: string,
  contentType = 'application/fhir+json',
) {
  const response = await app.inject({
    method,
    url,
    payload,
    headers: payload !== undefined ? { 'content-type': contentType } : {},
  });
  return {
    status: response.statusCode,
    body: response.body ? (JSON.parse(response.body) as { resourceType?: string }) : undefined,
  };
}

function expectClientError(result: { status: number; body?: { resourceType?: string } }): void {
  expect(result.status).toBeGreaterThanOrEqual(400);
  expect(result.status).toBeLessThan(500);
  expect(result.body?.resourceType).toBe('OperationOutcome');
}

/** A small seeded generator, so a failure can be replayed. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

describe('abusive requests', () => {
  it.each([
    ['SQL in an id', 'GET', "/Patient/1';DROP TABLE resource_history;--"],
    ['SQL in a type name', 'GET', '/Patient";DROP TABLE x;--/1'],
    ['a catalog table as type', 'GET', '/pg_catalog/1'],
    ['the migrations table as type', 'GET', '/schema_migrations/1'],
    ['path traversal in an id', 'GET', '/Patient/..%2F..%2Fetc%2Fpasswd'],
    ['an id of 65 characters', 'GET', `/Patient/${'a'.repeat(65)}`],
    ['a version that is not a number', 'GET', '/Patient/x/_history/1e9'],
    ['a criterion the type does not have', 'DELETE', '/Patient?shoe-size=42'],
    ['a malformed date criterion', 'DELETE', '/Patient?_lastUpdated=gt2024-13-45'],
    ['a forged history cursor', 'GET', '/_history?_cursor=eyJhIjoxfQ'],
    ['a negative _count', 'GET', '/Patient/_history?_count=-1'],
  ] as const)('answers %s with a 4xx OperationOutcome', async (_name, method, url) => {
    expectClientError(await send(method, url));
  });

  it('treats SQL in conditional criteria as a plain value that matches nothing', async () => {
    await send('POST', '/Patient', JSON.stringify({ resourceType: 'Patient', identifier: [{ value: 'x' }] }));
    const result = await send('DELETE', "/Patient?identifier=x'%20OR%20'1'='1");
    expect(result.status).toBe(200);
    const [{ count }] = await db.sql<
      { count: number }[]
    >`SELECT count(*)::int AS count FROM "Patient" WHERE NOT deleted`;
    expect(count).toBe(1);
  });

  it.each([
    ['prototype pollution', '{"resourceType":"Patient","__proto__":{"admin":true}}'],
    ['constructor pollution', '{"resourceType":"Patient","constructor":{"prototype":{"admin":true}}}'],
    ['a JSON array', '[{"resourceType":"Patient"}]'],
    ['a JSON string', '"Patient"'],
    ['JSON null', 'null'],
    ['truncated JSON', '{"resourceType":"Patient","name":[{"family":"Jan'],
    ['a deeply nested object', `{"resourceType":"Patient","extension":${'['.repeat(5000)}${']'.repeat(5000)}}`],
    ['a resourceType that is not a string', '{"resourceType":{"$ne":null}}'],
    ['an unknown element', '{"resourceType":"Patient","isAdmin":true}'],
    ['a contained resource of another kind', '{"resourceType":"Patient","contained":[{"resourceType":"Nope"}]}'],
  ])('refuses a body with %s', async (_name, payload) => {
    expectClientError(await send('POST', '/Patient', payload));
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('refuses a body over the size limit with 413 before parsing it', async () => {
    const result = await send(
      'POST',
      '/Patient',
      JSON.stringify({ resourceType: 'Patient', text: { status: 'generated', div: 'x'.repeat(300 * 1024) } }),
    );
    expect(result.status).toBe(413);
  });

  it('refuses XML with 415', async () => {
    expect(
      (await send('POST', '/Patient', '<Patient xmlns="http://hl7.org/fhir"/>', 'application/fhir+xml')).status,
    ).toBe(415);
  });

  it('survives 300 seeded random mutations of a valid Patient with 2xx or 4xx only, and stores nothing invalid', async () => {
    const random = prng(7513);
    const valid = JSON.stringify({
      resourceType: 'Patient',
      name: [{ family: 'Jansen', given: ['Anna'] }],
      birthDate: '1941-03-12',
      gender: 'female',
    });
    const alphabet = '{}[]":,0123456789abcdefnulltrue\\ \u0000\u00ff\ud83d';
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const chars = [...valid];
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * chars.length);
        const kind = random();
        if (kind < 0.33) {
          chars.splice(at, 1);
        } else if (kind < 0.66) {
          chars.splice(at, 0, alphabet[Math.floor(random() * alphabet.length)]);
        } else {
          chars[at] = alphabet[Math.floor(random() * alphabet.length)];
        }
      }
      const response = await app.inject({
        method: 'POST',
        url: '/Patient',
        payload: chars.join(''),
        headers: { 'content-type': 'application/fhir+json' },
      });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      expect(response.statusCode, `mutation ${i}: ${chars.join('')}`).toBeLessThan(500);
    }
    // Whatever was accepted must read back as valid R4.
    const stored = await db.sql<{ id: string }[]>`SELECT id FROM "Patient"`;
    for (const { id } of stored) {
      const read = await app.inject({ method: 'GET', url: `/Patient/${id}` });
      const check = await app.inject({
        method: 'POST',
        url: '/Patient/$validate',
        payload: read.body,
        headers: { 'content-type': 'application/fhir+json' },
      });
      expect(check.json().issue.some((issue: { severity: string }) => issue.severity === 'error')).toBe(false);
    }
    expect(statuses.get(400)).toBeGreaterThan(100);
  });

  it.each([
    ['SQL in a token value', "/Patient?identifier=x'%20OR%201=1--"],
    ['SQL in a string value', '/Patient?name=%27)%3B%20DROP%20TABLE%20%22Patient%22%3B--'],
    ['LIKE wildcards in a string value', '/Patient?name=%25&name:contains=_'],
    ['SQL in a chained type', '/DeviceRequest?subject:Patient%22;DROP%20TABLE%20x;--.name=x'],
    ['SQL in a _has type', '/Patient?_has:Observation%22--:subject:code=x'],
    ['SQL in an _include', "/Patient?_include=Patient:general-practitioner:Practitioner'--"],
  ])('treats %s as a value, refused or matching nothing', async (_name, url) => {
    const result = await send('GET', url);
    expect(result.status).toBeLessThan(500);
    if (result.status === 200) {
      expect(
        (result.body as { entry?: { search: { mode: string } }[] }).entry?.filter((e) => e.search.mode === 'match') ??
          [],
      ).toEqual([]);
    }
  });

  it.each([
    ['a chain deeper than four levels', '/DeviceRequest?subject:Patient.organization.partof.partof.partof.name=x'],
    [
      'a _has deeper than four levels',
      `/Patient?${'_has:Observation:subject:'.repeat(1)}_has:Observation:subject:_has:Observation:subject:_has:Observation:subject:_has:Observation:subject:code=x`,
    ],
    ['a _cursor of another search shape', '/Patient?_sort=birthdate&_cursor=WyJuIixbXSwiUGF0aWVudCIsImEiXQ'],
    ['a _cursor with a forged type', '/Patient?_cursor=WyJuIixbXSwiUGF0aWVudFwiOyIsImEiXQ'],
    ['a date far out of range', '/Patient?birthdate=99999-01-01'],
    ['an impossible date', '/Patient?birthdate=2024-02-30'],
    ['a number with an exponent out of range', '/Observation?value-quantity=1e99999'],
  ])('refuses %s with a 4xx OperationOutcome', async (_name, url) => {
    expectClientError(await send('GET', url));
  });

  it('ignores SQL in _sort as an unknown sort key, with a warning', async () => {
    const result = await send('GET', '/Patient?_sort=birthdate;DROP%20TABLE%20x');
    expect(result.status).toBe(200);
    expect(JSON.stringify(result.body)).toContain('cannot sort Patient');
  });

  it('answers a _count above the limit with at most 1000 entries', async () => {
    const result = await send('GET', '/Patient?_count=100000000');
    expect(result.status).toBe(200);
  });

  it('survives 300 seeded random search query strings with 2xx or 4xx only', async () => {
    const random = prng(9999);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const names = [
      'name',
      'birthdate',
      'identifier',
      'gender',
      'general-practitioner',
      '_id',
      '_lastUpdated',
      '_has',
      '_sort',
      '_count',
      '_include',
      '_cursor',
      'address',
      '_total',
      '_summary',
      'nope',
    ];
    const modifiers = [
      '',
      ':missing',
      ':exact',
      ':contains',
      ':not',
      ':text',
      ':Practitioner',
      ':identifier',
      ':below',
      ':of-type',
      ':iterate',
      ':',
    ];
    const values = [
      '',
      'x',
      'ge2024',
      'gt',
      '1,2',
      'a|b',
      '|',
      '\\,',
      'Patient/1',
      'true',
      'Patient:link',
      '-name',
      '%00',
      '%E2%82',
      "'",
      '$',
      '..',
      'ap1e3',
      '1e-999',
    ];
    for (let i = 0; i < 300; i++) {
      const parts = Array.from(
        { length: 1 + Math.floor(random() * 4) },
        () => `${pick(names)}${pick(modifiers)}${random() < 0.3 ? `.${pick(names)}` : ''}=${pick(values)}`,
      );
      const url = `/Patient?${parts.join('&')}`;
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBeLessThan(500);
      expect(JSON.parse(response.body).resourceType, url).toMatch(/^(Bundle|OperationOutcome)$/);
    }
  });

  it('still has every table after all of the above', async () => {
    const [{ count }] = await db.sql<{ count: number }[]>`
      SELECT count(*)::int AS count FROM information_schema.tables WHERE table_name IN ('resource_history', 'schema_migrations', 'Patient')`;
    expect(count).toBe(3);
  });
});
