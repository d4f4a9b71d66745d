// HL7 v2 over a real TCP connection: framed messages in, framed ACKs out, in order, written as the listener's
// registered client; a listener whose client is not registered answers AE and writes nothing.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frame, MllpDecoder } from '../../mappings/hl7v2-order/mllp.js';
import { startTestServer, type TestServer } from '../../test/support/app.js';
import { systemClients } from '../../test/support/system-clients.js';
import { type MllpListener, startMllpListener } from './mllp-listener.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../mappings/hl7v2-order/fixtures/${name}`, import.meta.url), 'utf8');

let server: TestServer;
const listeners: MllpListener[] = [];

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function listener(clientId: string): Promise<MllpListener> {
  const started = await startMllpListener({
    service: server.app.ingest,
    port: 0,
    host: '127.0.0.1',
    clientId,
    adapter: 'hl7v2-order',
    log: quiet,
  });
  listeners.push(started);
  return started;
}

/** Sends `messages` in one write (so frames share TCP segments) and collects as many ACKs. */
async function exchange(port: number, messages: string[]): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  const decoder = new MllpDecoder();
  const acks: string[] = [];
  const done = new Promise<string[]>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      acks.push(...decoder.push(chunk));
      if (acks.length === messages.length) resolve(acks);
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`only ${acks.length} of ${messages.length} ACKs`)), 20_000).unref();
  });
  socket.write(Buffer.concat(messages.map((m) => frame(m))));
  try {
    return await done;
  } finally {
    socket.destroy();
  }
}

beforeAll(async () => {
  server = await startTestServer();
  await systemClients(server).register('ehr.amstelland', 'care-provider', {
    system: 'http://fhir.nl/fhir/NamingSystem/agb-z',
    value: '06010203',
  });
});

afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
});

describe('the MLLP listener', () => {
  it('answers each framed message with its framed ACK, in order, and writes as its client', async () => {
    const { port } = await listener('ehr.amstelland');
    const acks = await exchange(port, [
      fixture('orm-new-order-complete.hl7'),
      fixture('broken-wrong-type.hl7'),
      fixture('orm-cancel.hl7'),
    ]);
    expect(acks.map((ack) => /MSA\|(A[AER])\|([^|\r]*)/.exec(ack)?.slice(1))).toEqual([
      ['AA', 'ZA-2025031000017'],
      ['AR', expect.any(String)],
      ['AA', expect.any(String)],
    ]);
    const [row] = await server.db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM ingest_message WHERE client_id = 'ehr.amstelland' AND status = 'accepted'`;
    expect(row!.n).toBe(2);
  });

  it('answers AE and writes nothing when its client is not a registered system client', async () => {
    const { port } = await listener('nobody.registered');
    const [ack] = await exchange(port, [fixture('omg-minimal.hl7')]);
    expect(ack).toMatch(/MSA\|AE\|/);
    const rows = await server.db.sql`SELECT 1 FROM ingest_message WHERE client_id = 'nobody.registered'`;
    expect(rows).toHaveLength(0);
  });
});
