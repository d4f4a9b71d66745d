// The HTTP load generator: autocannon, used programmatically, with a warm-up run before the measured run. Each
// request takes its path and body from `next()` (rotating ids or bodies); every response whose status is not the
// expected one counts as a failure, and the first one is kept (status and body) so that a failed run can show why.
// Requests to the hub carry a bearer token (`authorization`, asked for before each run and renewed while it lasts,
// bench/hub-auth.ts); requests to a bare baseline carry none.
import autocannon from 'autocannon';
import { cpuUse, sampleCpu, type CpuUse } from './cpu.js';
import { latencyOf } from './harness/latency.js';
import { liveBearer, type LiveBearer, type TokenSource } from './hub-auth.js';

export interface LoadOptions {
  port: number;
  method: 'GET' | 'POST';
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  expectStatus: number;
  next: () => { path: string; body?: string };
  /** Processes whose CPU time to account over the measured run (the load generator, this process, is added). */
  pids?: Record<string, number>;
  /** Units of work per request, for CPU time per unit (100 for 100-entry Bundles). */
  unitsPerRequest?: number;
  /** Send `Authorization: Bearer <token>` with every request, tokens from this source (the hub; not a baseline). */
  authorization?: TokenSource;
  /** More headers for every request. */
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  ok: number;
  seconds: number;
  /** Expected-status responses per second. */
  perSecond: number;
  /** Latency in ms (autocannon's own histogram has no p95: these are from every response's time). */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  failures: number;
  errors: number;
  firstFailure?: { status: number; body: string };
  cpu?: CpuUse;
}

async function run(
  options: LoadOptions,
  seconds: number,
  bearer: LiveBearer | undefined,
  onFailure: (status: number, body: string) => void,
  latencies?: number[],
) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${options.port}`,
        connections: options.connections,
        duration: seconds,
        timeout: 60,
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...options.headers },
        requests: [
          {
            method: options.method,
            setupRequest: (request) => {
              const next = { ...request, ...options.next() };
              return bearer ? { ...next, headers: { ...next.headers, authorization: bearer.value() } } : next;
            },
            onResponse: (status, body) => {
              if (status !== options.expectStatus) onFailure(status, body);
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (latencies) instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let failures = 0;
  let firstFailure: LoadResult['firstFailure'];
  const onFailure = (status: number, body: string) => {
    failures++;
    firstFailure ??= { status, body: body.slice(0, 2000) };
  };
  // A fresh token before each run, outside the measured window.
  const bearer = () => (options.authorization ? liveBearer(options.authorization) : Promise.resolve(undefined));
  if (options.warmupSeconds > 0) {
    const warm = await bearer();
    await run(options, options.warmupSeconds, warm, onFailure).finally(() => warm?.stop());
  }
  const pids = { ...options.pids, loadgen: process.pid };
  const measured = await bearer();
  const before = sampleCpu(pids);
  const latencies: number[] = [];
  const result = await run(options, options.durationSeconds, measured, onFailure, latencies).finally(() =>
    measured?.stop(),
  );
  const latency = latencyOf(latencies);
  const after = sampleCpu(pids);
  const ok = (result.statusCodeStats?.[String(options.expectStatus) as `${number}`]?.count ?? 0) as number;
  return {
    requests: result.requests.total,
    ok,
    seconds: result.duration,
    perSecond: ok / result.duration,
    p50: latency.p50Ms,
    p95: latency.p95Ms,
    p99: latency.p99Ms,
    max: latency.maxMs,
    failures,
    errors: result.errors,
    firstFailure,
    cpu: cpuUse(before, after, ok * (options.unitsPerRequest ?? 1)),
  };
}
