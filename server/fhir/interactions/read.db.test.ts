import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';

const { app } = await createTestApp();

describe('read', () => {
  it('returns the created Patient with ETag and Last-Modified', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/Patient',
      headers: { 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Patient', name: [{ family: 'Jansen' }] },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    const res = await app.inject({ method: 'GET', url: `/Patient/${body.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers['last-modified']).toBe(new Date(body.meta.lastUpdated).toUTCString());
    expect(res.json()).toEqual(body);
  });
});
