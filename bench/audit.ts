// npm run bench:audit: the audit trail under sustained load, and the auditor's queries at scale (issue 22), on the
// bench harness (bench/harness/): rounds with a verdict only when they agree, results kept in bench/results/audit/.
//   sustained reads    GET /Patient/<id>, 32 clients for BENCH_AUDIT_READ_SECONDS (120), audited and unaudited, in
//                      BENCH_ROUNDS (2) rounds after a warm-up to a steady rate; the audited figure counts until the
//                      trail has caught up (its sealing backlog cleared) and then answers an AuditEvent search, so
//                      the rate is what the trail sustains, not what a burst shows
//   sustained creates  POST /Patient, 16 clients for BENCH_AUDIT_CREATE_SECONDS (60), audited and unaudited, the same way
//   bytes              the log's heap and index bytes per record after the load
//   auditor queries    BENCH_AUDIT_RECORDS (10,000,000) records generated in SQL over twelve months, then
//                      AuditEvent?patient=X&date=ge<30 days ago>&_sort=-date&_count=50 and the same by organisation
//                      (agent:identifier): the closed-loop maximum (8 callers), an open-loop sweep at 25/50/75/100%
//                      of it for BENCH_WINDOW_SECONDS (30) each, latency from the intended send time; judged: p95
//                      at 75% of the maximum (twice: two rounds); beside it one auditor at a time and the
//                      hand-written SQL alone
// One fresh embedded PostgreSQL; the hubs run in child processes; prints a JSON report and one summary line. The
// generated records are outside the hash chain (they are for the queries only); the run's own records are chained.
// BENCH_AUDIT_SETUP_SQL runs on the fresh database first: a variant of the schema to measure against the default.
import { performance } from 'node:perf_hooks';
import { openPool } from '../server/db/connect.js';
import { auditBacklog } from './audit-backlog.js';
import { machineLoad } from './cpu.js';
import { figure, warmUntilSteady, type Figure } from './harness/figure.js';
import { closedLoop, openLoop, sweepRates } from './harness/open-loop.js';
import { machineState, saveResult } from './harness/results.js';
import { startBenchDatabase, statementCosts } from './database.js';
import { patientTexts } from './generate.js';
import { bearerHeaders, hubTokens } from './hub-auth.js';
import { runLoad, type LoadResult } from './load.js';
import { runJob } from './process-layout.js';
import { seedPatients } from './setup.js';

const READ_SECONDS = Number(process.env.BENCH_AUDIT_READ_SECONDS ?? 120);
const CREATE_SECONDS = Number(process.env.BENCH_AUDIT_CREATE_SECONDS ?? 60);
const RECORDS = Number(process.env.BENCH_AUDIT_RECORDS ?? 10_000_000);
const WINDOW_SECONDS = Number(process.env.BENCH_WINDOW_SECONDS ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'sustained,queries').split(','));
/** SQL run on the fresh database before the load, to measure a variant of the schema (an index dropped, ...). */
const SETUP_SQL = process.env.BENCH_AUDIT_SETUP_SQL;
const TARGETS = { readRatio: 0.75, createRatio: 0.85, searchAfterMs: 1000, queryP95Ms: 20 };
const PATIENTS = 100_000;
const ORGANIZATIONS = 50;
const GLN = 'https://www.gs1.org/gln';

const log = (message: string) => process.stderr.write(`[bench:audit] ${message}\n`);
const round = (n: number, digits = 0) => Number(n.toFixed(digits));

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
  const figures: Figure[] = [];
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
          warmupSeconds: 0,
          durationSeconds: seconds,
          pids: { hub: job.pid },
          authorization: hubTokens(job),
          next: () =>
            method === 'GET'
              ? { path: `/Patient/${ids[i++ % ids.length]}` }
              : { path: '/Patient', body: patients[i++ % patients.length] },
        });
      };
      /** Warm-up windows of 5 s until the rate is steady (bench/harness/figure.ts), then the trail catches up. */
      const warm = async (job: typeof hub, method: 'GET' | 'POST', connections: number) => {
        const steady = await warmUntilSteady(
          async (seconds) => (await load(job, method, seconds, connections)).perSecond,
        );
        await auditBacklog(admin);
        return steady;
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
      for (const [what, method, seconds, connections] of [
        ['reads', 'GET', READ_SECONDS, 32],
        ['creates', 'POST', CREATE_SECONDS, 16],
      ] as const) {
        log(`sustained ${what}: warm-up to a steady rate, audited and unaudited`);
        const warmUp = {
          audited: await warm(hub, method, connections),
          unaudited: await warm(unaudited, method, connections),
        };
        const rounds = [];
        for (let r = 1; r <= ROUNDS; r++) {
          log(
            `sustained ${what}: round ${r} of ${ROUNDS}, ${seconds} s at ${connections} connections, audited then unaudited`,
          );
          rounds.push(await sustained(method, seconds, connections));
        }
        report[what === 'reads' ? 'sustainedReads' : 'sustainedCreates'] = { warmUp, rounds };
        const target = what === 'reads' ? TARGETS.readRatio : TARGETS.createRatio;
        figures.push(
          figure(
            `audit.${what}.ratio`,
            `sustained ${what} (${connections} clients, ${seconds} s, until the trail caught up) against the unaudited hub`,
            'x',
            rounds.map((x) => x.ratio),
            { atLeast: target },
            {
              sustainedPerSecond: rounds.map((x) => x.sustained),
              burstPerSecond: rounds.map((x) => x.burst),
              unauditedPerSecond: rounds.map((x) => x.unaudited),
              backlogAtEnd: rounds.map((x) => x.backlogAtEnd),
              catchUpMs: rounds.map((x) => x.catchUpMs),
            },
          ),
          figure(
            `audit.${what}.search-after`,
            `AuditEvent search right after the ${what} load`,
            'ms',
            rounds.map((x) => x.searchAfterMs),
            { atMost: TARGETS.searchAfterMs },
          ),
        );
      }
      const bytes = await bytesPerRecord(admin);
      report.bytes = bytes;
      figures.push(
        figure('audit.bytes.heap', 'stored bytes per record (heap with TOAST)', 'B', [bytes.heapBytesPerRecord]),
        figure('audit.bytes.index', 'index bytes per record', 'B', [bytes.indexBytesPerRecord]),
      );
    }
    if (ONLY.has('queries')) {
      const queries = await auditorQueries(admin, base, tokens);
      report.queries = queries;
      for (const [name, q] of Object.entries(queries.byQuery)) {
        figures.push(
          figure(
            `audit.query.${name}.p95`,
            `auditor query by ${name} at ${(RECORDS / 1e6).toLocaleString('en-US')}M records, p95 at 75% of the maximum rate (open loop)`,
            'ms',
            q.atThreeQuarters.map((x) => x.p95Ms),
            { atMost: TARGETS.queryP95Ms },
            { maximumPerSecond: q.maximum.perSecond, sweep: q.sweep, oneAtATime: q.oneAtATime, sql: q.sql },
          ),
          figure(`audit.query.${name}.one`, `auditor query by ${name}, one auditor at a time, p95`, 'ms', [
            q.oneAtATime.p95Ms,
          ]),
        );
      }
    }
    const invalid = [...failures];
    if (busyBefore !== undefined && busyBefore > 0.2)
      invalid.push(`the machine was busy before the run (${busyBefore} cores)`);
    const wallSeconds = round((Date.now() - started) / 1000, 1);
    const result = {
      benchmark: 'audit',
      date: new Date().toISOString(),
      machine: machineState(busyBefore),
      settings: { READ_SECONDS, CREATE_SECONDS, RECORDS, WINDOW_SECONDS, ROUNDS, only: [...ONLY], setupSql: SETUP_SQL },
      figures,
      invalid,
      wallSeconds,
      report,
    };
    const file = saveResult(result);
    log(`result kept in ${file}`);
    console.log(JSON.stringify(result, null, 2));
    console.log(summary(figures, invalid));
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
  type Measured = Awaited<ReturnType<typeof openLoop>>;
  const byQuery: Record<
    string,
    {
      maximum: Awaited<ReturnType<typeof closedLoop>>;
      sweep: Measured[];
      atThreeQuarters: Measured[];
      oneAtATime: Awaited<ReturnType<typeof closedLoop>>;
      sql: { oneAtATime: Awaited<ReturnType<typeof closedLoop>>; maximum: Awaited<ReturnType<typeof closedLoop>> };
      statements?: unknown[];
    }
  > = {};
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
    log(`auditor queries: ${name}: warm-up, then the closed-loop maximum (8 callers)`);
    await warmUntilSteady(async (seconds) => (await closedLoop(8, seconds, viaHub)).perSecond);
    await statementCosts(sql);
    const maximum = await closedLoop(8, WINDOW_SECONDS / 3, viaHub);
    const statements = await statementCosts(sql);
    const sweep: Measured[] = [];
    for (const rate of sweepRates(maximum.perSecond)) {
      const point = await openLoop({ rate, seconds: WINDOW_SECONDS, call: viaHub });
      sweep.push(point);
      log(`auditor queries: ${name} at ${rate}/s: p95 ${point.p95Ms} ms, ${point.achievedPerSecond}/s answered`);
    }
    const threeQuarters = sweep[2];
    const again = await openLoop({ rate: threeQuarters.offeredPerSecond, seconds: WINDOW_SECONDS, call: viaHub });
    const oneAtATime = await closedLoop(1, WINDOW_SECONDS / 3, viaHub);
    const sqlOne = await closedLoop(1, WINDOW_SECONDS / 3, alone);
    const sqlMax = await closedLoop(8, WINDOW_SECONDS / 3, alone);
    byQuery[name] = {
      maximum,
      sweep,
      atThreeQuarters: [threeQuarters, again],
      oneAtATime,
      sql: { oneAtATime: sqlOne, maximum: sqlMax },
      ...(statements && { statements }),
    };
    log(
      `auditor queries: ${name}: maximum ${maximum.perSecond}/s; p95 at 75% ${threeQuarters.p95Ms} and ${again.p95Ms} ms; one at a time ${oneAtATime.p95Ms} ms; SQL alone ${sqlOne.p95Ms} ms`,
    );
  }
  return { records: RECORDS, generateSeconds, byQuery };
}

function summary(figures: Figure[], invalid: string[]): string {
  const parts = figures.map((f) => {
    const value = f.rounds.length > 1 ? `${f.median} (${f.min} to ${f.max})` : `${f.median}`;
    return `${f.id} ${value} ${f.unit}${f.verdict === 'report' ? '' : `: ${f.verdict.toUpperCase()}`}`;
  });
  if (invalid.length) parts.push(`INVALID RUN: ${invalid.join('; ')}`);
  return `audit: ${parts.join(' | ')}`;
}

await main();
