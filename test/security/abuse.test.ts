// Hostile and malformed input: the hub must answer each with a 4xx OperationOutcome, never a 500, never a crash,
// and must leave the database as it was.
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../support/app.js';

const { app, db } = await createTestApp({ maxBodyBytes: 256 * 1024 });

async function send(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: string, contentType = 'application/fhir+json') {
  const response = await app.inject({ method, url, payload, headers: payload !== undefined ? { 'content-type': contentType } : {} });
  return { status: response.statusCode, body: response.body ? (JSON.parse(response.body) as { resourceType?: string }) : undefined };
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
    ['an unsupported criterion', 'DELETE', '/Patient?name=Jansen'],
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
    const [{ count }] = await db.sql<{ count: number }[]>`SELECT count(*)::int AS count FROM "Patient" WHERE NOT deleted`;
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
    const result = await send('POST', '/Patient', JSON.stringify({ resourceType: 'Patient', text: { status: 'generated', div: 'x'.repeat(300 * 1024) } }));
    expect(result.status).toBe(413);
  });

  it('refuses XML with 415', async () => {
    expect((await send('POST', '/Patient', '<Patient xmlns="http://hl7.org/fhir"/>', 'application/fhir+xml')).status).toBe(415);
  });

  it('survives 300 seeded random mutations of a valid Patient with 2xx or 4xx only, and stores nothing invalid', async () => {
    const random = prng(7513);
    const valid = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Jansen', given: ['Anna'] }], birthDate: '1941-03-12', gender: 'female' });
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
      const response = await app.inject({ method: 'POST', url: '/Patient', payload: chars.join(''), headers: { 'content-type': 'application/fhir+json' } });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      expect(response.statusCode, `mutation ${i}: ${chars.join('')}`).toBeLessThan(500);
    }
    // Whatever was accepted must read back as valid R4.
    const stored = await db.sql<{ id: string }[]>`SELECT id FROM "Patient"`;
    for (const { id } of stored) {
      const read = await app.inject({ method: 'GET', url: `/Patient/${id}` });
      const check = await app.inject({ method: 'POST', url: '/Patient/$validate', payload: read.body, headers: { 'content-type': 'application/fhir+json' } });
      expect(check.json().issue.some((issue: { severity: string }) => issue.severity === 'error')).toBe(false);
    }
    expect(statuses.get(400)).toBeGreaterThan(100);
  });

  it('still has every table after all of the above', async () => {
    const [{ count }] = await db.sql<{ count: number }[]>`
      SELECT count(*)::int AS count FROM information_schema.tables WHERE table_name IN ('resource_history', 'schema_migrations', 'Patient')`;
    expect(count).toBe(3);
  });
});
