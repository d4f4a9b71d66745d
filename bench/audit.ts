// npm run bench:audit: the audit trail under sustained load, and the auditor's queries at scale (issue 22).
//   sustained reads    GET /Patient/<id>, 32 clients for BENCH_AUDIT_READ_SECONDS (120), audited and unaudited; the
//                      audited figure counts until the trail has caught up (its sealing backlog cleared) and then
//                      answers an AuditEvent search, so the rate is what the trail sustains, not what a burst shows
//   sustained creates  POST /Patient, 16 clients for BENCH_AUDIT_CREATE_SECONDS (60), audited and unaudited, the same way
//   bytes              the log's heap and index bytes per record after the load
//   auditor queries    BENCH_AUDIT_RECORDS (10,000,000) records generated in SQL over twelve months, then
//                      AuditEvent?patient=X&date=ge<30 days ago>&_sort=-date&_count=50 and the same by organisation
//                      (agent:identifier), each for 10 s through the hub (p95 per request) and as the hand-written
//                      SQL alone: one auditor at a time (judged) and eight at once
// One fresh embedded PostgreSQL; the hubs run in child processes; prints a JSON report and one summary line. The
// generated records are outside the hash chain (they are for the queries only); the run's own records are chained.
// BENCH_AUDIT_SETUP_SQL runs on the fresh database first: a variant of the schema to measure against the default.
import { performance } from 'node:perf_hooks';
import { openPool } from '../server/db/connect.js';
import { auditBacklog } from './audit-backlog.js';
import { machineLoad } from './cpu.js';
import { startBenchDatabase, statementCosts } from './database.js';
import { patientTexts } from './generate.js';
import { bearerHeaders, hubTokens } from './hub-auth.js';
import { runLoad, type LoadResult } from './load.js';
import { runJob } from './process-layout.js';
import { seedPatients } from './setup.js';

const READ_SECONDS = Number(process.env.BENCH_AUDIT_READ_SECONDS ?? 120);
const CREATE_SECONDS = Number(process.env.BENCH_AUDIT_CREATE_SECONDS ?? 60);
const RECORDS = Number(process.env.BENCH_AUDIT_RECORDS ?? 10_000_000);
const QUERY_SECONDS = Number(process.env.BENCH_AUDIT_QUERY_SECONDS ?? 10);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'sustained,queries').split(','));
/** SQL run on the fresh database before the load, to measure a variant of the schema (an index dropped, ...). */
const SETUP_SQL = process.env.BENCH_AUDIT_SETUP_SQL;
const TARGETS = { readRatio: 0.75, createRatio: 0.85, searchAfterMs: 1000, queryP95Ms: 20 };
const PATIENTS = 100_000;
const ORGANIZATIONS = 50;
const GLN = 'https://www.gs1.org/gln';

const log = (message: string) => process.stderr.write(`[bench:audit] ${message}\n`);
const round = (n: number, digits = 0) => Number(n.toFixed(digits));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function main(): Promise<void> {
  const started = Date.now();
  const busyBefore = await machineLoad(2000);
  log(`starting embedded PostgreSQL (other work on the machine: ${busyBefore ?? '?'} cores)`);
  const db = await startBenchDatabase();
  const admin = openPool(db.url, 4);
  if (SETUP_SQL) await admin.unsafe(SETUP_SQL);
  const hub = await runJob({ kind: 'hub', databaseUrl: db.url }, 'child-process', process.env.BENCH_CPU_PROF);
  const unaudited = await runJob({ kind: 'hub', databaseUrl: db.url, unaudited: true }, 'child-process');
  const report: Record<string, unknown> = { machine: { busyCoresBefore: busyBefore } };
  const failures: string[] = [];
  const checkFailures = (what: string, result: LoadResult) => {
    if (result.failures || result.errors)
      failures.push(
        `${what}: ${result.failures} failed, ${result.errors} errors; ${JSON.stringify(result.firstFailure)}`,
      );
  };
  try {
    const base = `http://127.0.0.1:${hub.port}`;
    const tokens = hubTokens(hub);
    if (ONLY.has('sustained')) {
      const patients = patientTexts(1, 4000);
      await seedPatients(base, tokens, patients);
      const ids = (await admin<{ id: string }[]>`SELECT id FROM "Patient" ORDER BY random()`).map((r) => r.id);
      await admin`VACUUM ANALYZE "Patient"`;
      const load = async (job: typeof hub, method: 'GET' | 'POST', seconds: number, connections: number) => {
        let i = 0;
        return runLoad({
          port: job.port!,
          method,
          connections,
          expectStatus: method === 'GET' ? 200 : 201,
          warmupSeconds: 2,
          durationSeconds: seconds,
          pids: { hub: job.pid },
          authorization: hubTokens(job),
          next: () =>
            method === 'GET'
              ? { path: `/Patient/${ids[i++ % ids.length]}` }
              : { path: '/Patient', body: patients[i++ % patients.length] },
        });
      };
      /** The audited hub's figure paid in full: the window, then until the trail caught up, then an auditor's query. */
      const sustained = async (method: 'GET' | 'POST', seconds: number, connections: number) => {
        await admin`CHECKPOINT`;
        await statementCosts(admin);
        const result = await load(hub, method, seconds, connections);
        checkFailures(`${method} audited`, result);
        const backlog = await auditBacklog(admin);
        const statements = await statementCosts(admin);
        const headers = await bearerHeaders(tokens);
        const t0 = performance.now();
        const search = await fetch(`${base}/AuditEvent?_sort=-date&_count=50&_total=accurate`, { headers });
        const body = (await search.json()) as { total?: number };
        const searchMs = performance.now() - t0;
        if (search.status !== 200) failures.push(`AuditEvent search after the load answered ${search.status}`);
        const paid = result.seconds + backlog.drainMs / 1000 + searchMs / 1000;
        await admin`CHECKPOINT`;
        const plain = await load(unaudited, method, seconds, connections);
        checkFailures(`${method} unaudited`, plain);
        const unauditedStatements = await statementCosts(admin);
        const sustainedRate = result.ok / paid;
        return {
          burst: round(result.perSecond),
          sustained: round(sustainedRate),
          unaudited: round(plain.perSecond),
          ratio: round(sustainedRate / plain.perSecond, 3),
          p50Ms: result.p50,
          p99Ms: result.p99,
          backlogAtEnd: backlog.backlogAtEnd,
          catchUpMs: backlog.drainMs,
          searchAfterMs: round(searchMs, 1),
          recordsInLog: body.total,
          hubMsPerRequest: result.cpu?.msPerUnit,
          unauditedMsPerRequest: plain.cpu?.msPerUnit,
          ...(statements ? { statements, unauditedStatements } : {}),
        };
      };
      log(`sustained reads: ${READ_SECONDS} s at 32 connections, audited then unaudited`);
      const reads = await sustained('GET', READ_SECONDS, 32);
      log(`sustained creates: ${CREATE_SECONDS} s at 16 connections, audited then unaudited`);
      const creates = await sustained('POST', CREATE_SECONDS, 16);
      report.sustainedReads = { ...reads, target: TARGETS.readRatio, pass: reads.ratio >= TARGETS.readRatio };
      report.sustainedCreates = { ...creates, target: TARGETS.createRatio, pass: creates.ratio >= TARGETS.createRatio };
      report.searchAfterLoad = {
        ms: Math.max(reads.searchAfterMs, creates.searchAfterMs),
        target: TARGETS.searchAfterMs,
        pass: Math.max(reads.searchAfterMs, creates.searchAfterMs) < TARGETS.searchAfterMs,
      };
      report.bytes = await bytesPerRecord(admin);
    }
    if (ONLY.has('queries')) {
      report.queries = await auditorQueries(admin, base, tokens);
    }
    report.wallSeconds = round((Date.now() - started) / 1000, 1);
    report.failures = failures;
    console.log(JSON.stringify(report, null, 2));
    console.log(summary(report));
  } finally {
    await hub.stop().catch(() => undefined);
    await unaudited.stop().catch(() => undefined);
    await admin.end({ timeout: 5 });
    await db.stop();
  }
  if (failures.length) process.exitCode = 1;
}

/** Heap (with TOAST) and index bytes of the log per record. */
async function bytesPerRecord(sql: ReturnType<typeof openPool>) {
  const [row] = await sql<{ records: string; heap: string; indexes: string }[]>`
    SELECT (SELECT count(*) FROM audit_log) AS records,
      sum(pg_table_size(c.oid)) AS heap, sum(pg_indexes_size(c.oid)) AS indexes
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_log'::regclass`;
  const records = Number(row.records);
  return {
    records,
    heapBytesPerRecord: round(Number(row.heap) / records),
    indexBytesPerRecord: round(Number(row.indexes) / records),
  };
}

/** Fills the log with generated records (SQL alone), then times the two auditor queries through the hub and alone. */
async function auditorQueries(sql: ReturnType<typeof openPool>, base: string, tokens: ReturnType<typeof hubTokens>) {
  const now = new Date();
  for (let m = 0; m <= 12; m++) {
    const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - m, 1)).toISOString().slice(0, 10);
    await sql`SELECT audit_log_partition(${month}::date)`;
  }
  const chunk = 1_000_000;
  const t0 = performance.now();
  for (let done = 0; done < RECORDS; done += chunk) {
    const n = Math.min(chunk, RECORDS - done);
    // A year of reads by 100 OAuth clients of 50 organisations, of 100,000 clients' data; one in 50 refused.
    await sql`
      INSERT INTO audit_log (recorded, id, type, subtype, interaction, action, outcome, purpose, client_id, role,
        organization, rules, entrance, source, patients, entities, entity_versions, entity_clients, compartments)
      SELECT t, gen_random_uuid(), 'rest', 'read', 'read', 'R', CASE WHEN g % 50 = 0 THEN '4' ELSE '0' END, 'HOPERAT',
        'client-' || (g % 100), 'supplier', ${`${GLN}|`} || (8712345000000 + g % ${ORGANIZATIONS}), ARRAY['supply-requests'],
        'rest', 'http://bench.invalid', ARRAY[p::text], ARRAY['SupplyRequest/' || g], ARRAY['1'], ARRAY[p::text], ARRAY[p]
      FROM (
        SELECT g, ${now}::timestamptz - random() * interval '365 days' AS t,
          md5('patient-' || (hashint8(g) % ${PATIENTS} + ${PATIENTS}) % ${PATIENTS})::uuid AS p
        FROM generate_series(${done + 1}::bigint, ${done + n}::bigint) g
      ) s`;
    log(`auditor queries: ${done + n} of ${RECORDS} records generated (${round((performance.now() - t0) / 1000)} s)`);
  }
  const generateSeconds = round((performance.now() - t0) / 1000);
  await sql`ANALYZE audit_log`;
  const since = new Date(now.getTime() - 30 * 86_400_000).toISOString();
  const patients = (
    await sql<{ p: string }[]>`
      SELECT md5('patient-' || g)::uuid::text AS p FROM generate_series(0, 999) g`
  ).map((r) => r.p);
  const organizations = Array.from({ length: ORGANIZATIONS }, (_, i) => `${GLN}|${8712345000000 + i}`);
  const queries = {
    patient: {
      path: (i: number) =>
        `/AuditEvent?patient=Patient/${patients[i % patients.length]}&date=ge${since}&_sort=-date&_count=50`,
      sql: (i: number) => sql`
        SELECT id, recorded FROM audit_log WHERE compartments @> ARRAY[${patients[i % patients.length]}]::uuid[]
          AND recorded >= ${since} ORDER BY recorded DESC LIMIT 51`,
    },
    organization: {
      path: (i: number) =>
        `/AuditEvent?agent:identifier=${encodeURIComponent(organizations[i % ORGANIZATIONS])}&date=ge${since}&_sort=-date&_count=50`,
      sql: (i: number) => sql`
        SELECT id, recorded FROM audit_log WHERE organization = ${organizations[i % ORGANIZATIONS]}
          AND recorded >= ${since} ORDER BY recorded DESC LIMIT 51`,
    },
  };
  const out: Record<string, unknown> = { records: RECORDS, generateSeconds };
  for (const [name, query] of Object.entries(queries)) {
    const headers = await bearerHeaders(tokens);
    const viaHub = async (i: number) => {
      const response = await fetch(`${base}${query.path(i)}`, { headers });
      if (response.status !== 200) throw new Error(`${name} answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    };
    const alone = async (i: number) => {
      await query.sql(i);
    };
    await statementCosts(sql);
    // One auditor at a time: the latency an auditor sees, judged against the target. Eight at once on two cores:
    // the rate the hub answers at, whose latency is mostly the queue behind the seven others.
    const hub = await timed(viaHub, 1);
    const statements = await statementCosts(sql);
    const hubEight = await timed(viaHub, 8);
    const sqlOne = await timed(alone, 1);
    const sqlEight = await timed(alone, 8);
    out[name] = {
      hub,
      sql: sqlOne,
      eightAtOnce: { hub: hubEight, sql: sqlEight },
      ...(statements && { statements }),
      target: TARGETS.queryP95Ms,
      pass: hub.p95Ms < TARGETS.queryP95Ms,
    };
    log(
      `auditor queries: ${name} p95 ${hub.p95Ms} ms through the hub, ${sqlOne.p95Ms} ms as SQL (eight at once: ${hubEight.p95Ms} ms at ${hubEight.perSecond}/s, SQL ${sqlEight.p95Ms} ms)`,
    );
  }
  return out;
}

/** `workers` callers of `call` for QUERY_SECONDS after 1 s of warm-up: latency percentiles per call. */
async function timed(call: (i: number) => Promise<void>, workers: number) {
  let i = 0;
  const run = async (seconds: number, latencies: number[]) => {
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await call(i++);
          latencies.push(performance.now() - t);
        }
      }),
    );
  };
  await run(1, []);
  const latencies: number[] = [];
  await run(QUERY_SECONDS, latencies);
  latencies.sort((a, b) => a - b);
  return {
    workers,
    calls: latencies.length,
    perSecond: round(latencies.length / QUERY_SECONDS),
    p50Ms: round(percentile(latencies, 0.5), 2),
    p95Ms: round(percentile(latencies, 0.95), 2),
    p99Ms: round(percentile(latencies, 0.99), 2),
  };
}

function summary(report: Record<string, unknown>): string {
  const parts: string[] = [];
  const r = report.sustainedReads as Record<string, number | boolean> | undefined;
  const c = report.sustainedCreates as Record<string, number | boolean> | undefined;
  const mark = (pass: unknown) => (pass ? 'pass' : 'MISS');
  if (r)
    parts.push(
      `sustained reads ${r.sustained}/s (${r.ratio}x unaudited ${r.unaudited}/s, burst ${r.burst}/s; target ${r.target}: ${mark(r.pass)})`,
    );
  if (c)
    parts.push(
      `sustained creates ${c.sustained}/s (${c.ratio}x unaudited ${c.unaudited}/s; target ${c.target}: ${mark(c.pass)})`,
    );
  const s = report.searchAfterLoad as { ms: number; pass: boolean } | undefined;
  if (s) parts.push(`AuditEvent search after the load ${s.ms} ms (${mark(s.pass)})`);
  const b = report.bytes as { heapBytesPerRecord: number; indexBytesPerRecord: number } | undefined;
  if (b) parts.push(`${b.heapBytesPerRecord} B + ${b.indexBytesPerRecord} B index per record`);
  const q = report.queries as
    | Record<
        string,
        { hub: { p95Ms: number }; sql: { p95Ms: number }; eightAtOnce: { hub: { p95Ms: number } }; pass: boolean }
      >
    | undefined;
  if (q) {
    for (const name of ['patient', 'organization'])
      parts.push(
        `${name} query p95 ${q[name].hub.p95Ms} ms one at a time (SQL ${q[name].sql.p95Ms} ms; ${mark(q[name].pass)}), ${q[name].eightAtOnce.hub.p95Ms} ms eight at once`,
      );
  }
  return `audit: ${parts.join(' | ')}`;
}

await main();
