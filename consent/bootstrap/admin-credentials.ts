// The bootstrap admin client's credentials as the hub writes them into the data folder on first start
// (admin-client.ts) and as `npm run token` and the tests read them: one JSON file, mode 0600, written atomically so
// a reader never sees half a file. Whoever can read the data folder can already read the signing keys beside it.
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface AdminCredentials {
  client_id: string;
  client_secret: string;
  /** Where to exchange them (client_credentials, client_secret_basic). */
  token_endpoint: string;
}

const ADMIN_CREDENTIALS_FILE = 'admin-client.json';

export function adminCredentialsPath(dataDir: string): string {
  return path.join(dataDir, ADMIN_CREDENTIALS_FILE);
}

/** The credentials in the data folder, or undefined when there is no file. A malformed file throws. */
export async function readAdminCredentials(dataDir: string): Promise<AdminCredentials | undefined> {
  const file = adminCredentialsPath(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<AdminCredentials>;
  if (
    typeof parsed.client_id !== 'string' ||
    typeof parsed.client_secret !== 'string' ||
    typeof parsed.token_endpoint !== 'string'
  ) {
    throw new Error(`${file} is not an admin credentials file (client_id, client_secret, token_endpoint)`);
  }
  return parsed as AdminCredentials;
}

export async function writeAdminCredentials(dataDir: string, credentials: AdminCredentials): Promise<string> {
  const file = adminCredentialsPath(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'w' });
  await chmod(temporary, 0o600); // the umask cannot widen it, but an existing temporary file kept its old mode
  await rename(temporary, file);
  return file;
}
