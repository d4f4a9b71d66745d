// Requests and counts that route tests share: create a resource through the API, count stored versions.
import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import type { Sql } from 'postgres';
import { expect } from 'vitest';

/** POSTs a resource and returns what the hub stored (asserting 201). */
export async function createResource<T extends Resource>(
  app: FastifyInstance,
  resource: T,
): Promise<T & { id: string }> {
  const response = await app.inject({
    method: 'POST',
    url: `/${resource.resourceType}`,
    headers: { 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(resource),
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** How many versions (deletes included) resource_history holds for one resource. */
export async function historyCount(sql: Sql, resourceType: string, id: string): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    SELECT count(*)::int AS count FROM resource_history WHERE resource_type = ${resourceType} AND id = ${id}`;
  return row.count;
}
