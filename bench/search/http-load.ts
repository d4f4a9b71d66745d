// The hub side of a search figure: autocannon GETs at a fixed number of connections, each request taking the next
// path of a rotation, a warm-up run first. Latencies come from autocannon's per-response event (its summary has
// no p95); only 200 responses count as done, anything else is a failure whose first body is kept.
import autocannon from 'autocannon';
import { measureWindow, type Timing } from './stats.js';

export interface HttpLoadOptions {
  port: number;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Processes whose CPU time to account over the measured run (this process is added as `loadgen`). */
  pids?: Record<string, number>;
  nextPath: () => string;
}

function run(options: HttpLoadOptions, seconds: number, latencies: number[] | undefined) {
  let failures = 0;
  let firstFailure: string | undefined;
  return new Promise<{ failures: number; firstFailure?: string; seconds: number }>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${options.port}`,
        connections: options.connections,
        duration: seconds,
        timeout: 60,
        headers: { accept: 'application/fhir+json' },
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => ({ ...request, path: options.nextPath() }),
            onResponse: (status, body) => {
              if (status !== 200) {
                failures++;
                firstFailure ??= `${status}: ${body.slice(0, 1000)}`;
              }
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve({ failures: failures + result.errors + result.timeouts, firstFailure, seconds: result.duration })),
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      if (status === 200) latencies?.push(responseTime);
    });
  });
}

export function runHttpLoad(options: HttpLoadOptions): Promise<Timing> {
  return measureWindow(options, run);
}
