// npm run audit:prune [-- --url <hub base URL>]
// Removes audit records older than the hub's retention period (HUB_AUDIT_RETENTION_MONTHS, default 36) through the
// running hub's admin API, which signs a prune checkpoint so that verification still passes. Reads the hub's
// environment for the admin credentials, like npm run token.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../server/config.js';
import { tokenFor } from '../bootstrap/token-command.js';

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { values } = parseArgs({ options: { url: { type: 'string' } } });
    const config = loadConfig();
    const baseUrl = (values.url ?? config.baseUrl).replace(/\/+$/, '');
    const token = await tokenFor({ baseUrl, dataDir: config.dataDir, admin: config.auth.admin });
    const response = await fetch(`${baseUrl}/admin/audit/$prune`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { removed?: number; before?: string; issue?: { diagnostics?: string }[] };
    if (!response.ok) {
      throw new Error(body.issue?.[0]?.diagnostics ?? `the hub answered ${response.status}`);
    }
    console.log(
      `audit trail: ${body.removed} records recorded before ${body.before} removed; a signed checkpoint marks where the chain resumes`,
    );
  } catch (error) {
    process.stderr.write(`zorghub audit:prune: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
