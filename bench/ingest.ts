// npm run bench:ingest: what the adapters cost on top of storing what they produce (issue 23). HL7 v2 ORM^O01 orders
// (as a hospital) and iWmo WMO301 allocations (as a municipality), BENCH_INGEST_MESSAGES (1,000) distinct messages
// of each, sent by 8 concurrent senders:
//   ingest   POST /$ingest?adapter=<name> with the raw message: split, parse, map, the ingest log, Provenance, the
//            out-of-order check, then the transaction through the access seam
//   bundle   POST / with the transaction Bundle the adapter maps an equally shaped message to (mapped here,
//            beforehand), from the same client: the same resources written the same way, without the adapter
// Each arm takes messages no other arm sent (so none is a duplicate or an unchanged update); the ratio of their
// rates is what mapping costs. Target: the ingest arm at most 30% slower (rate ratio at least 1 / 1.3 = 0.77).
// Each arm's rate is paid in full: its messages over the time until the hub had sealed the audit records they
// caused (bench/harness/caught-up.ts); p95 per message beside it. BENCH_ROUNDS (2) rounds, each bundle, ingest,
// bundle again, so that the store grows under both arms alike; the verdict holds only when every round agrees.
// One fresh embedded PostgreSQL, the hub in a child process; the result is kept in bench/results/ingest/.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Adapter } from '../mappings/adapter.js';
import { hl7v2OrderAdapter } from '../mappings/hl7v2-order/adapter.js';
import { iwmoToewijzingAdapter } from '../mappings/iwmo-toewijzing/adapter.js';
import { openPool } from '../server/db/connect.js';
import { auditBacklog } from './audit-backlog.js';
import { machineLoad } from './cpu.js';
import { type Figure, figure } from './harness/figure.js';
import { latencyOf } from './harness/latency.js';
import { machineState, saveResult } from './harness/results.js';
import { startBenchDatabase } from './database.js';
import { bearerHeaders, hubTokens } from './hub-auth.js';
import { runJob } from './process-layout.js';

const MESSAGES = Number(process.env.BENCH_INGEST_MESSAGES ?? 1000);
const SENDERS = 8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const TARGET_RATIO = 1 / 1.3;

const log = (message: string) => process.stderr.write(`[bench:ingest] ${message}\n`);
const fixture = (adapter: string, name: string) =>
  readFileSync(new URL(`../mappings/${adapter}/fixtures/${name}`, import.meta.url), 'utf8');

/**
 * A BSN passing the 11-test, the n-th of a series, distinct for every n: each n has two blocks of ten numbers (the
 * same first eight digits) of its own, and of two neighbouring blocks at least one holds a valid BSN.
 */
function bsn(n: number): string {
  for (let candidate = 100_000_000 + n * 20; ; candidate++) {
    const digits = String(candidate).split('').map(Number);
    const sum = digits.slice(0, 8).reduce((acc, d, i) => acc + d * (9 - i), 0) - digits[8]!;
    if (sum % 11 === 0) return String(candidate);
  }
}

/** The n-th distinct HL7 order: its own message id, client and placer number. */
function hl7Order(template: string, n: number): string {
  return template
    .replace('ZA-2025031000017', `BENCH-${n}`)
    .replace('999931271', bsn(n))
    .replaceAll('ZA-ORD-88123', `BENCH-ORD-${n}`)
    .replace('184726395', String(200_000_000 + n));
}

/** The n-th distinct WMO301: its own message identity, clients and allocation numbers. */
function wmo301(template: string, n: number): string {
  let client = 0;
  return template
    .replace(/(<(?:[A-Za-z0-9]+:)?(?:IdentificatieBericht|Identificatie)>)[^<\s][^<]*</, (_m, tag) => `${tag}B${n}<`)
    .replace(/(Bsn>)(\d{9})</g, (_m, tag) => `${tag}${bsn(n * 4 + client++)}<`)
    .replace(/(ToewijzingNummer>)(\d+)</g, (_m, tag, number) => `${tag}${number}${n}<`);
}

interface Arm {
  messages: number;
  /** The sending window alone. */
  seconds: number;
  /** Records left to seal when the window ended, and the time until none was. */
  auditBacklogAtEnd: number;
  auditDrainMs: number;
  /** Messages per second over the window plus the audit's catching up. */
  perSecond: number;
  burstPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  failures: number;
  firstFailure?: string;
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

async function send(
  bodies: string[],
  request: (body: string) => Promise<Response>,
  drained: () => Promise<{ backlogAtEnd: number; drainMs: number }>,
): Promise<Arm> {
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const sent = performance.now();
        const response = await request(body);
        const text = await response.text();
        latencies.push(performance.now() - sent);
        const quarantined = /quarantined=[1-9]/.test(response.headers.get('x-ingest-outcome') ?? '');
        if (!response.ok || quarantined) {
          failures++;
          firstFailure ??= `${response.status} ${text.slice(0, 400)}`;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const audit = await drained();
  const latency = latencyOf(latencies);
  return {
    messages: bodies.length,
    seconds: round(seconds, 2),
    auditBacklogAtEnd: audit.backlogAtEnd,
    auditDrainMs: audit.drainMs,
    perSecond: round(bodies.length / (seconds + audit.drainMs / 1000)),
    burstPerSecond: round(bodies.length / seconds),
    p50Ms: latency.p50Ms,
    p95Ms: latency.p95Ms,
    failures,
    ...(firstFailure ? { firstFailure } : {}),
  };
}

async function main(): Promise<void> {
  const wallStarted = Date.now();
  const busyBefore = await machineLoad(2000);
  log(`starting embedded PostgreSQL (other work on the machine: ${busyBefore ?? '?'} cores)`);
  const db = await startBenchDatabase();
  const hub = await runJob({ kind: 'hub', databaseUrl: db.url }, 'child-process');
  const sql = openPool(db.url, 2);
  const base = `http://127.0.0.1:${hub.port}`;
  const adminTokens = hubTokens(hub);
  const report: Record<string, unknown> = { messagesPerArm: MESSAGES, senders: SENDERS, rounds: ROUNDS };
  const figures: Figure[] = [];
  const failures: string[] = [];
  try {
    const tokenOf = async (clientId: string, role: string, organization: { system: string; value: string }) => {
      const put = await fetch(`${base}/admin/clients/${clientId}`, {
        method: 'PUT',
        headers: { ...(await bearerHeaders(adminTokens)), 'content-type': 'application/json' },
        body: JSON.stringify({
          clientId,
          name: clientId,
          kind: 'system',
          role,
          organization,
          redirectUris: [],
          publicClient: false,
          tokenEndpointAuthMethod: 'client_secret_basic',
          dataServices: ['system/*.read'],
          active: true,
          secret: 'bench-ingest-secret-0123456789-abcdefgh',
        }),
      });
      if (!put.ok) throw new Error(`registering ${clientId}: ${put.status} ${await put.text()}`);
      // A sender's token lasts 15 minutes and a run lasts longer: each arm asks for a fresh one (senderHeaders).
      return async () => {
        const token = await fetch(`${base}/admin/clients/${clientId}/$token`, {
          method: 'POST',
          headers: { ...(await bearerHeaders(adminTokens)), 'content-type': 'application/json' },
          body: '{}',
        });
        if (!token.ok) throw new Error(`a token for ${clientId}: ${token.status} ${await token.text()}`);
        const { access_token } = (await token.json()) as { access_token: string };
        return { authorization: `Bearer ${access_token}` };
      };
    };
    const kinds: {
      name: string;
      adapter: Adapter;
      senderHeaders: () => Promise<Record<string, string>>;
      make: (n: number) => string;
    }[] = [
      {
        name: 'hl7v2-order',
        adapter: hl7v2OrderAdapter,
        senderHeaders: await tokenOf('bench.ehr', 'care-provider', {
          system: 'http://fhir.nl/fhir/NamingSystem/agb-z',
          value: '06010203',
        }),
        make: (n) => hl7Order(fixture('hl7v2-order', 'orm-new-order-complete.hl7'), n),
      },
      {
        name: 'iwmo-toewijzing',
        adapter: iwmoToewijzingAdapter,
        senderHeaders: await tokenOf('bench.gemeente', 'financier', {
          system: 'urn:oid:2.16.840.1.113883.2.4.6.14',
          value: '0344',
        }),
        make: (n) => wmo301(fixture('iwmo-toewijzing', 'wmo301-complete.xml'), n),
      },
    ];
    const drained = () => auditBacklog(sql);
    let n = 0; // every arm of every round takes messages no other arm sent
    const take = () => {
      const from = n;
      n += MESSAGES;
      return from;
    };
    for (const kind of kinds) {
      const bundle = async (from: number) => {
        const bodies: string[] = [];
        for (let i = from; i < from + MESSAGES; i++) {
          const [message] = kind.adapter.split(kind.make(i));
          const parsed = await kind.adapter.parse(message!);
          bodies.push(JSON.stringify(kind.adapter.map(parsed, { receivedAt: new Date().toISOString() }).bundle));
        }
        await drained(); // the mapping above is not the bundle arm's work, nor any earlier arm's records
        const headers = await kind.senderHeaders();
        return send(
          bodies,
          (body) =>
            fetch(`${base}/`, {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/fhir+json' },
              body,
            }),
          drained,
        );
      };
      const ingest = async (from: number) => {
        await drained();
        const headers = await kind.senderHeaders();
        return send(
          Array.from({ length: MESSAGES }, (_, i) => kind.make(from + i)),
          (body) =>
            fetch(`${base}/$ingest?adapter=${kind.name}`, {
              method: 'POST',
              headers: { ...headers, 'content-type': 'text/plain', accept: 'application/fhir+json' },
              body,
            }),
          drained,
        );
      };
      const rounds = [];
      for (let r = 1; r <= ROUNDS; r++) {
        log(`${kind.name}: round ${r} of ${ROUNDS}, ${MESSAGES} messages per arm, ${SENDERS} senders`);
        const bundleBefore = await bundle(take());
        const ingested = await ingest(take());
        const bundleAfter = await bundle(take());
        const bundleRate = (bundleBefore.perSecond + bundleAfter.perSecond) / 2;
        for (const [arm, result] of Object.entries({ bundleBefore, ingested, bundleAfter })) {
          if (result.failures)
            failures.push(`${kind.name} ${arm}: ${result.failures} failed, first ${result.firstFailure}`);
        }
        rounds.push({ bundleBefore, ingest: ingested, bundleAfter, ratio: round(ingested.perSecond / bundleRate, 3) });
      }
      report[kind.name] = rounds;
      figures.push(
        figure(
          `ingest.${kind.name}.ratio`,
          `${kind.name}: messages ingested per second against their transaction Bundles`,
          'x',
          rounds.map((r) => r.ratio),
          { atLeast: round(TARGET_RATIO, 2) },
          { overheadPercent: rounds.map((r) => round((1 / r.ratio - 1) * 100)) },
        ),
        figure(
          `ingest.${kind.name}.rate`,
          `${kind.name}: messages ingested per second, audit sealed`,
          'msg/s',
          rounds.map((r) => r.ingest.perSecond),
          undefined,
          {
            burstPerSecond: rounds.map((r) => r.ingest.burstPerSecond),
            bundlePerSecond: rounds.map((r) => [r.bundleBefore.perSecond, r.bundleAfter.perSecond]),
          },
        ),
        figure(
          `ingest.${kind.name}.p95`,
          `${kind.name}: one message ingested, p95 at ${SENDERS} senders`,
          'ms',
          rounds.map((r) => r.ingest.p95Ms),
          undefined,
          { bundleP95Ms: rounds.map((r) => [r.bundleBefore.p95Ms, r.bundleAfter.p95Ms]) },
        ),
      );
    }
  } finally {
    await sql.end({ timeout: 5 });
    await hub.stop();
    await db.stop();
  }
  const invalid = [...failures];
  if (busyBefore !== undefined && busyBefore > 0.2)
    invalid.push(`the machine was busy before the run (${busyBefore} cores)`);
  const result = {
    benchmark: 'ingest',
    date: new Date().toISOString(),
    machine: machineState(busyBefore),
    settings: { MESSAGES, SENDERS, ROUNDS },
    figures,
    invalid,
    wallSeconds: round((Date.now() - wallStarted) / 1000),
    report,
  };
  log(`result kept in ${saveResult(result)}`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const line = figures
    .filter((f) => f.target)
    .map((f) => `${f.id} ${f.median} (${f.rounds.join(', ')}) ${f.verdict.toUpperCase()}`)
    .join('; ');
  process.stdout.write(`bench:ingest: ${line}${invalid.length ? `; INVALID RUN: ${invalid.join('; ')}` : ''}\n`);
  if (failures.length) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`bench:ingest failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
