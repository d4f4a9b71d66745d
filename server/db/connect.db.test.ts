import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/database.js';
import { connectionTarget, openPool } from './connect.js';

describe('connectionTarget', () => {
  it('takes a libpq-style socket folder out of the URL and names the socket by port', () => {
    expect(connectionTarget('postgres://hub:pw@127.0.0.1:5599/hub?host=%2Ftmp')).toEqual({
      url: 'postgres://hub:pw@127.0.0.1:5599/hub',
      path: '/tmp/.s.PGSQL.5599',
    });
    expect(connectionTarget('postgres://hub@localhost/hub?host=/var/run/postgresql/&sslmode=disable')).toEqual({
      url: 'postgres://hub@localhost/hub?sslmode=disable',
      path: '/var/run/postgresql/.s.PGSQL.5432',
    });
  });

  it('leaves a TCP URL, and a host parameter that is not a folder, as they are', () => {
    for (const url of ['postgres://hub:pw@db.example:5432/hub', 'postgres://hub@x/hub?host=db.example'])
      expect(connectionTarget(url)).toEqual({ url });
  });
});

const db = await createTestDatabase(1);

describe('the embedded PostgreSQL', () => {
  it.skipIf(Boolean(process.env.DATABASE_URL))(
    'is reached over its Unix socket (skipped on an external DATABASE_URL, whose transport is the operator’s)',
    async () => {
      expect(connectionTarget(db.url).path).toMatch(/\/\.s\.PGSQL\.\d+$/);
      const sql = openPool(db.url, 1);
      try {
        // inet_server_addr() is NULL on a Unix-socket connection and the server's address over TCP.
        const [row] = await sql<{ addr: string | null }[]>`SELECT inet_server_addr()::text AS addr`;
        expect(row.addr).toBeNull();
      } finally {
        await sql.end();
      }
    },
  );
});
