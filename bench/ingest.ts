// npm run bench:ingest: what the adapters cost on top of storing what they produce (issue 23). HL7 v2 ORM^O01 orders
// (as a hospital) and iWmo WMO301 allocations (as a municipality), BENCH_INGEST_MESSAGES (1,000) distinct messages
// of each, sent by 8 concurrent senders:
//   ingest   POST /$ingest?adapter=<name> with the raw message: split, parse, map, the ingest log, Provenance, the
//            out-of-order check, then the transaction through the access seam
//   bundle   POST / with the transaction Bundle the adapter maps an equally shaped message to (mapped here,
//            beforehand), from the same client: the same resources written the same way, without the adapter
// Each arm takes messages no other arm sent (so none is a duplicate or an unchanged update); the ratio of their
// rates is what mapping costs. Target: the ingest arm at most 30% slower (rate ratio at least 1 / 1.3 = 0.77).
// One fresh embedded PostgreSQL, the hub in a child process; prints a JSON report and one summary line.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Adapter } from '../mappings/adapter.js';
import { hl7v2OrderAdapter } from '../mappings/hl7v2-order/adapter.js';
import { iwmoToewijzingAdapter } from '../mappings/iwmo-toewijzing/adapter.js';
import { machineLoad } from './cpu.js';
import { startBenchDatabase } from './database.js';
import { bearerHeaders, hubTokens } from './hub-auth.js';
import { runJob } from './process-layout.js';

const MESSAGES = Number(process.env.BENCH_INGEST_MESSAGES ?? 1000);
const SENDERS = 8;
const TARGET_RATIO = 1 / 1.3;

const log = (message: string) => process.stderr.write(`[bench:ingest] ${message}\n`);
const fixture = (adapter: string, name: string) =>
  readFileSync(new URL(`../mappings/${adapter}/fixtures/${name}`, import.meta.url), 'utf8');

/** A BSN passing the 11-test, the n-th of a series. */
function bsn(n: number): string {
  for (let candidate = 100_000_000 + n * 13; ; candidate++) {
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
  seconds: number;
  perSecond: number;
  failures: number;
  firstFailure?: string;
}

async function send(bodies: string[], request: (body: string) => Promise<Response>): Promise<Arm> {
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const response = await request(body);
        const text = await response.text();
        const quarantined = /quarantined=[1-9]/.test(response.headers.get('x-ingest-outcome') ?? '');
        if (!response.ok || quarantined) {
          failures++;
          firstFailure ??= `${response.status} ${text.slice(0, 400)}`;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    messages: bodies.length,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Number((bodies.length / seconds).toFixed(1)),
    failures,
    ...(firstFailure ? { firstFailure } : {}),
  };
}

async function main(): Promise<void> {
  const busyBefore = await machineLoad(2000);
  log(`starting embedded PostgreSQL (other work on the machine: ${busyBefore ?? '?'} cores)`);
  const db = await startBenchDatabase();
  const hub = await runJob({ kind: 'hub', databaseUrl: db.url }, 'child-process');
  const base = `http://127.0.0.1:${hub.port}`;
  const admin = await bearerHeaders(hubTokens(hub));
  const report: Record<string, unknown> = { machine: { busyCoresBefore: busyBefore }, messagesPerArm: MESSAGES };
  try {
    const tokenOf = async (clientId: string, role: string, organization: { system: string; value: string }) => {
      const put = await fetch(`${base}/admin/clients/${clientId}`, {
        method: 'PUT',
        headers: { ...admin, 'content-type': 'application/json' },
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
      const token = await fetch(`${base}/admin/clients/${clientId}/$token`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: '{}',
      });
      const { access_token } = (await token.json()) as { access_token: string };
      return { authorization: `Bearer ${access_token}` };
    };
    const kinds: { name: string; adapter: Adapter; headers: Record<string, string>; make: (n: number) => string }[] = [
      {
        name: 'hl7v2-order',
        adapter: hl7v2OrderAdapter,
        headers: await tokenOf('bench.ehr', 'care-provider', {
          system: 'http://fhir.nl/fhir/NamingSystem/agb-z',
          value: '06010203',
        }),
        make: (n) => hl7Order(fixture('hl7v2-order', 'orm-new-order-complete.hl7'), n),
      },
      {
        name: 'iwmo-toewijzing',
        adapter: iwmoToewijzingAdapter,
        headers: await tokenOf('bench.gemeente', 'financier', {
          system: 'urn:oid:2.16.840.1.113883.2.4.6.14',
          value: '0344',
        }),
        make: (n) => wmo301(fixture('iwmo-toewijzing', 'wmo301-complete.xml'), n),
      },
    ];
    for (const kind of kinds) {
      // Bundles first, then ingest, then Bundles again: the store grows under both arms alike.
      const bundle = async (from: number) => {
        const bodies: string[] = [];
        for (let n = from; n < from + MESSAGES; n++) {
          const raw = kind.make(n);
          const [message] = kind.adapter.split(raw);
          const parsed = await kind.adapter.parse(message!);
          bodies.push(JSON.stringify(kind.adapter.map(parsed, { receivedAt: new Date().toISOString() }).bundle));
        }
        return send(bodies, (body) =>
          fetch(`${base}/`, {
            method: 'POST',
            headers: { ...kind.headers, 'content-type': 'application/fhir+json' },
            body,
          }),
        );
      };
      const ingest = (from: number) =>
        send(
          Array.from({ length: MESSAGES }, (_, i) => kind.make(from + i)),
          (body) =>
            fetch(`${base}/$ingest?adapter=${kind.name}`, {
              method: 'POST',
              headers: { ...kind.headers, 'content-type': 'text/plain', accept: 'application/fhir+json' },
              body,
            }),
        );
      log(`${kind.name}: ${MESSAGES} messages per arm, ${SENDERS} senders`);
      const bundlesBefore = await bundle(0);
      const ingested = await ingest(MESSAGES);
      const bundlesAfter = await bundle(2 * MESSAGES);
      const bundleRate = (bundlesBefore.perSecond + bundlesAfter.perSecond) / 2;
      const ratio = Number((ingested.perSecond / bundleRate).toFixed(3));
      report[kind.name] = {
        ingest: ingested,
        bundleBefore: bundlesBefore,
        bundleAfter: bundlesAfter,
        ratio,
        overheadPercent: Number(((bundleRate / ingested.perSecond - 1) * 100).toFixed(1)),
        target: Number(TARGET_RATIO.toFixed(3)),
        pass: ratio >= TARGET_RATIO && !ingested.failures && !bundlesBefore.failures && !bundlesAfter.failures,
      };
    }
  } finally {
    await hub.stop();
    await db.stop();
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const line = ['hl7v2-order', 'iwmo-toewijzing']
    .map((name) => {
      const r = report[name] as { ingest: Arm; ratio: number; overheadPercent: number; pass: boolean } | undefined;
      return r
        ? `${name} ${r.ingest.perSecond}/s ingest, ratio ${r.ratio} (+${r.overheadPercent}%) ${r.pass ? 'PASS' : 'MISS'}`
        : `${name} not run`;
    })
    .join('; ');
  process.stdout.write(`bench:ingest: ${line}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench:ingest failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
