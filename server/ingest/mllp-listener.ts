// HL7 v2 over MLLP: a TCP listener per configured sending client (HUB_MLLP_LISTENERS). Each framed message goes
// through the ingest path as that registered client (its role and organisation decide what it may write), one at a
// time per connection so that a sender's order is kept, and is answered with its ACK in a frame. A message the hub
// could not take in at all (its database away) is answered AE, so that the sender sends it again.
import net from 'node:net';
import { frame, MllpDecoder } from '../../mappings/hl7v2-order/mllp.js';
import type { AccessLog } from '../contracts/access.js';
import type { IngestService } from './ingest-service.js';

export interface MllpListenerOptions {
  service: IngestService;
  port: number;
  host: string;
  /** The registered system client every message on this port is from. */
  clientId: string;
  adapter: string;
  log: AccessLog & { info(facts: object, message: string): void };
}

export interface MllpListener {
  port: number;
  close(): Promise<void>;
}

export async function startMllpListener(options: MllpListenerOptions): Promise<MllpListener> {
  const adapter = options.service.adapter(options.adapter);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const decoder = new MllpDecoder();
    // Framing faults are the sender's: logged without content, the stream goes on at the next frame.
    decoder.on('error', (error) =>
      options.log.warn({ port: options.port, reason: error.message }, 'MLLP framing fault'),
    );
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      for (const message of decoder.push(chunk)) {
        queue = queue.then(async () => {
          const reply = await answer(message, socket.remoteAddress);
          if (!socket.destroyed) socket.write(frame(reply));
        });
      }
    });
  });

  const answer = async (message: string, address: string | undefined): Promise<string> => {
    try {
      const outcomes = await options.service.ingest({
        adapter: options.adapter,
        body: message,
        mediaType: adapter.mediaTypes[0],
        credentials: { registeredClient: options.clientId },
        address,
        log: options.log,
      });
      return outcomes.map((o) => o.reply?.body ?? '').join('\r');
    } catch (error) {
      options.log.error(
        { err: { message: (error as Error).message }, port: options.port },
        'MLLP message not taken in',
      );
      const text =
        (error as { statusCode?: number }).statusCode === 401
          ? `the listener's client ${options.clientId} is not an active registered system client`
          : 'the hub could not take the message in now; send it again';
      return (
        adapter.respond?.({ raw: message, location: 'message 1' }, undefined, { status: 'error', text }).body ?? ''
      );
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  options.log.info({ port, client: options.clientId }, 'MLLP listener started');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.end();
        server.close(() => resolve());
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, 2000).unref();
      }),
  };
}
