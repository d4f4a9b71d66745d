// The limits of every call to the provider, against a loopback server that misbehaves at the HTTP level.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcLoginError } from './oidc-error.js';
import { fetchJson } from './oidc-http.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/json') res.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer":"x"}');
    else if (req.url === '/array') res.writeHead(200).end('[1]');
    else if (req.url === '/stall-after-headers') res.writeHead(200).write('{"a":');
    else if (req.url === '/big') res.writeHead(200).end(`"${'x'.repeat(1024 * 1024)}"`);
    else if (req.url === '/redirect') res.writeHead(302, { location: '/json' }).end();
    // any other path: never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// The timeout cases wait 200 ms; answers that should arrive get a generous limit (a loaded machine's first fetch is slow).
const get = (path: string, timeoutMs = 200) =>
  fetchJson({ fetch, timeoutMs }, `${base}${path}`, {}, { name: 'discovery', reason: 'discovery-failed' });

async function failure(path: string): Promise<string> {
  const err = await get(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OidcLoginError);
  expect((err as OidcLoginError).reason).toBe('discovery-failed');
  return (err as OidcLoginError).message;
}

describe('fetchJson', () => {
  it('returns a JSON object body with its status', async () => {
    expect(await get('/json', 5_000)).toEqual({ status: 200, ok: true, json: { issuer: 'x' } });
  });

  it('returns no json for a body that is JSON but not an object', async () => {
    expect((await get('/array', 5_000)).json).toBeUndefined();
  });

  it('times out on a server that never answers', async () => {
    expect(await failure('/silent')).toBe(`discovery timed out after 200 ms (${base}/silent)`);
  });

  it('times out on a server that stops halfway through the body', async () => {
    expect(await failure('/stall-after-headers')).toContain('timed out after 200 ms');
  });

  it('refuses a body over 1 MiB', async () => {
    expect(await failure('/big')).toContain('answered with more than 1048576 bytes');
  });

  it('refuses to follow a redirect', async () => {
    expect(await failure('/redirect')).toContain('unexpected redirect');
  });
});
