// npm run ingest -- --adapter <name> --client <client-id> [--url <hub>] <files or folders...>
// npm run ingest -- quarantine [--adapter <name>]         what could not be taken in (as the admin: every sender's)
// npm run ingest -- replay <message-id>                    takes a quarantined message in again, as its sender
// Sends each file to the running hub's POST /$ingest as the client named (a token the admin API issues for it, as
// `npm run token` does), so every message takes the same path as one a sender posts: the access seam decides,
// validates and audits. Shows a progress bar with counts and rate on stderr; prints a summary on stdout.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hubAddress } from '../../consent/bootstrap/hub-address.js';
import { tokenFor } from '../../consent/bootstrap/token-command.js';
import { ConfigError, loadConfig } from '../config.js';

interface Counts {
  accepted: number;
  duplicate: number;
  quarantined: number;
}

interface Problem {
  file: string;
  status: number;
  text: string;
}

/** Every file under the paths given, folders walked in name order. */
export function filesOf(paths: string[]): string[] {
  return paths.flatMap((p) => {
    const stat = statSync(p);
    if (!stat.isDirectory()) return [p];
    return filesOf(
      readdirSync(p)
        .filter((name) => !name.startsWith('.'))
        .sort()
        .map((name) => path.join(p, name)),
    );
  });
}

/** `accepted=3, duplicate=0, quarantined=1` (the X-Ingest-Outcome header) as counts. */
export function parseCounts(header: string | null): Counts {
  const counts: Counts = { accepted: 0, duplicate: 0, quarantined: 0 };
  for (const part of (header ?? '').split(',')) {
    const [name, value] = part.trim().split('=');
    if (name && name in counts) counts[name as keyof Counts] = Number(value) || 0;
  }
  return counts;
}

function progressLine(done: number, total: number, counts: Counts, startedMs: number): string {
  const width = 30;
  const filled = total ? Math.round((done / total) * width) : width;
  const messages = counts.accepted + counts.duplicate + counts.quarantined;
  const seconds = Math.max(0.001, (Date.now() - startedMs) / 1000);
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} files, ${messages} messages ` +
    `(${counts.accepted} accepted, ${counts.duplicate} duplicate, ${counts.quarantined} quarantined), ` +
    `${(messages / seconds).toFixed(1)} messages/s`
  );
}

async function ingestFiles(options: {
  baseUrl: string;
  token: string;
  adapter: string;
  files: string[];
  tty: boolean;
}): Promise<{ counts: Counts; problems: Problem[]; seconds: number }> {
  const counts: Counts = { accepted: 0, duplicate: 0, quarantined: 0 };
  const problems: Problem[] = [];
  const started = Date.now();
  for (const [index, file] of options.files.entries()) {
    const response = await fetch(`${options.baseUrl}/$ingest?adapter=${encodeURIComponent(options.adapter)}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.token}`,
        'content-type': 'text/plain; charset=utf-8',
        accept: 'application/fhir+json',
      },
      body: readFileSync(file, 'utf8'),
    });
    const text = await response.text();
    const got = parseCounts(response.headers.get('x-ingest-outcome'));
    counts.accepted += got.accepted;
    counts.duplicate += got.duplicate;
    counts.quarantined += got.quarantined;
    if (!response.ok || got.quarantined) problems.push({ file, status: response.status, text });
    if (!response.headers.get('x-ingest-outcome')) {
      // Refused as a whole (no token, unknown adapter): nothing else will go better.
      throw new Error(`${file}: the hub answered ${response.status}: ${diagnostics(text)}`);
    }
    const line = progressLine(index + 1, options.files.length, counts, started);
    process.stderr.write(options.tty ? `\r${line}` : `${line}\n`);
  }
  if (options.tty) process.stderr.write('\n');
  return { counts, problems, seconds: (Date.now() - started) / 1000 };
}

/** The first diagnostics of an OperationOutcome (or of each quarantined entry of a batch-response). */
function diagnostics(text: string): string {
  const found = [...text.matchAll(/"diagnostics":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
  return found.filter((d) => !d.includes('kept in quarantine')).join('; ') || text.slice(0, 200);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { adapter: { type: 'string' }, client: { type: 'string' }, url: { type: 'string' } },
  });
  const config = loadConfig();
  const address = await hubAddress({
    url: values.url,
    dataDir: config.dataDir,
    configuredBaseUrl: config.baseUrl,
    adminSecretConfigured: config.auth.admin.secret !== undefined,
  });
  const token = (clientId?: string) =>
    tokenFor({ ...address, dataDir: config.dataDir, admin: config.auth.admin, clientId });
  const [command, ...rest] = positionals;
  if (command === 'quarantine') {
    const query = values.adapter ? `?adapter=${encodeURIComponent(values.adapter)}` : '';
    const response = await fetch(`${address.baseUrl}/$ingest/quarantine${query}`, {
      headers: { authorization: `Bearer ${await token()}` },
    });
    const body = (await response.json()) as {
      messages?: {
        id: string;
        adapter: string;
        clientId: string;
        position: string;
        fault?: { stage: string; location?: string; reason: string };
      }[];
    };
    for (const m of body.messages ?? []) {
      process.stdout.write(
        `${m.id}  ${m.adapter}  ${m.clientId}  ${m.position}  ${m.fault?.stage}${m.fault?.location ? ` at ${m.fault.location}` : ''}: ${m.fault?.reason}\n`,
      );
    }
    process.stdout.write(`${body.messages?.length ?? 0} quarantined\n`);
    return;
  }
  if (command === 'replay') {
    if (rest.length !== 1) throw new Error('usage: npm run ingest -- replay <message-id>');
    const response = await fetch(`${address.baseUrl}/$ingest/quarantine/${encodeURIComponent(rest[0]!)}/$replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token()}` },
    });
    const counts = parseCounts(response.headers.get('x-ingest-outcome'));
    process.stdout.write(
      response.ok
        ? `replayed: accepted\n`
        : `replayed: ${counts.quarantined ? 'quarantined again' : 'refused'} (${response.status}): ${diagnostics(await response.text())}\n`,
    );
    if (!response.ok) process.exitCode = 1;
    return;
  }
  if (!values.adapter || !values.client || !positionals.length) {
    throw new Error(
      'usage: npm run ingest -- --adapter <name> --client <client-id> [--url <hub>] <files or folders...>\n' +
        '       npm run ingest -- quarantine [--adapter <name>]\n' +
        '       npm run ingest -- replay <message-id>',
    );
  }
  const files = filesOf(positionals);
  const result = await ingestFiles({
    baseUrl: address.baseUrl,
    token: await token(values.client),
    adapter: values.adapter,
    files,
    tty: process.stderr.isTTY === true,
  });
  const { counts } = result;
  process.stdout.write(
    `${files.length} files, ${counts.accepted + counts.duplicate + counts.quarantined} messages in ${result.seconds.toFixed(1)} s: ` +
      `${counts.accepted} accepted, ${counts.duplicate} duplicate (taken in before), ${counts.quarantined} quarantined\n`,
  );
  for (const problem of result.problems) {
    process.stdout.write(`  ${problem.file} (${problem.status}): ${diagnostics(problem.text)}\n`);
  }
  if (counts.quarantined) {
    process.stdout.write(
      '  see them with: npm run ingest -- quarantine; replay one with: npm run ingest -- replay <id>\n',
    );
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    process.stderr.write(
      `zorghub ingest: ${error instanceof ConfigError ? `configuration error: ${error.message}` : (error as Error).message}\n`,
    );
    process.exit(1);
  });
}
