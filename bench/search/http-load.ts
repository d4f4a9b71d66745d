// The hub side of a search figure: autocannon GETs at a fixed number of connections, each request taking the next
// path of a rotation, a warm-up run first. Latencies come from autocannon's per-response event (its summary has
// no p95); only 200 responses count as done, anything else is a failure whose first body is kept. Every request
// to the hub carries its admin client's bearer token (asked for before each run and renewed while it lasts, ../hub-auth.ts).
import autocannon from 'autocannon';
import { liveBearer, type LiveBearer, type TokenSource } from '../hub-auth.js';
import { measureWindow, type Timing } from './stats.js';

export interface HttpLoadOptions {
  port: number;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Processes whose CPU time to account over the measured run (this process is added as `loadgen`). */
  pids?: Record<string, number>;
  nextPath: () => string;
  /** Where the `Authorization: Bearer <token>` of every request comes from (none: the bare baseline route). */
  authorization?: TokenSource;
}

/** `header`: the current Authorization value, read per request (autocannon's setupRequest cannot wait). */
type RunOptions = HttpLoadOptions & { header: () => string };

function run(options: RunOptions, seconds: number, latencies: number[] | undefined) {
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
            setupRequest: (request) => ({
              ...request,
              path: options.nextPath(),
              headers: options.authorization
                ? { ...request.headers, authorization: options.header() }
                : request.headers,
            }),
            onResponse: (status, body) => {
              if (status !== 200) {
                failures++;
                firstFailure ??= `${status}: ${body.slice(0, 1000)}`;
              }
            },
          },
        ],
      },
      (error, result) =>
        error
          ? reject(error)
          : resolve({ failures: failures + result.errors + result.timeouts, firstFailure, seconds: result.duration }),
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      if (status === 200) latencies?.push(responseTime);
    });
  });
}

export async function runHttpLoad(options: HttpLoadOptions): Promise<Timing> {
  // A fresh token before each run (warm-up and measured), outside the measured window's CPU accounting.
  let bearer: LiveBearer | undefined;
  const source = options.authorization;
  const prepare = async () => {
    bearer?.stop();
    if (source) bearer = await liveBearer(source);
  };
  try {
    return await measureWindow<RunOptions>({ ...options, header: () => bearer?.value() ?? '' }, run, prepare);
  } finally {
    bearer?.stop();
  }
}
