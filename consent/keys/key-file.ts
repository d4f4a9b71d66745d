// The hub's signing keys on disk: `<dataDir>/keys/signing-keys.json`, readable by the hub's user only (file 0600,
// folder 0700), written whole to a temporary file and renamed into place so a crash never leaves half a key set.
// A key file that others can read, or that does not parse, stops start-up: regenerating would silently invalidate
// every token in flight, and a readable private key must be replaced, not used.
import type { JsonWebKey } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export const KEY_FILE_FORMAT = 'zorghub-signing-keys';

/** The algorithms the hub signs with: RS256 by default (see hub-keys.ts), ES256 on request. */
export type HubSigningAlg = 'RS256' | 'ES256';
export const HUB_SIGNING_ALGS: readonly HubSigningAlg[] = ['RS256', 'ES256'];

/**
 * One key of the set. Example:
 * `{ "kid": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", "alg": "RS256", "createdAt": "2025-01-01T00:00:00.000Z",
 *    "retiredAt": "2025-04-01T00:00:00.000Z", "jwk": { "kty": "RSA", "n": "…", "e": "AQAB", "d": "…", … } }`
 */
export interface KeyFileEntry {
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
  kid: string;
  alg: HubSigningAlg;
  /** ISO 8601 instants. The one entry without `retiredAt` is the active (signing) key. */
  createdAt: string;
  retiredAt?: string;
  /** The private JWK (with `d`). */
  jwk: JsonWebKey;
}

export interface KeyFile {
  format: typeof KEY_FILE_FORMAT;
  version: 1;
  keys: KeyFileEntry[];
}

export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

export function keyFilePath(dataDir: string): string {
  return path.join(dataDir, 'keys', 'signing-keys.json');
}

/** Creates the keys folder if needed and (re)sets it to 0700. */
export async function ensureKeyFolder(file: string): Promise<void> {
  const folder = path.dirname(file);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
}

/** The key set, or undefined when there is no file yet. */
export async function readKeyFile(file: string): Promise<KeyFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw err;
  }
  if (process.platform !== 'win32') {
    const mode = (await stat(file)).mode & 0o777;
    if (mode & 0o077) {
      throw new KeyFileError(
        `${file} is readable by others (mode ${mode.toString(8)}): replace the keys (delete the file, the hub makes new ones) or chmod 600 it if you are sure nobody read it`,
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyFileError(`${file} is not JSON; restore it from a backup or delete it to start with new keys`);
  }
  return checkKeyFile(parsed, file);
}

function checkKeyFile(value: unknown, file: string): KeyFile {
  const fail = (what: string) => new KeyFileError(`${file}: ${what}`);
  const data = value as Partial<KeyFile> | null;
  if (!data || data.format !== KEY_FILE_FORMAT || data.version !== 1 || !Array.isArray(data.keys)) {
    throw fail(`expected { "format": "${KEY_FILE_FORMAT}", "version": 1, "keys": [...] }`);
  }
  for (const entry of data.keys) {
    if (
      !entry ||
      typeof entry.kid !== 'string' ||
      !HUB_SIGNING_ALGS.includes(entry.alg) ||
      !isInstant(entry.createdAt)
    ) {
      throw fail('each key needs kid, alg (RS256 or ES256) and createdAt');
    }
    if (entry.retiredAt !== undefined && !isInstant(entry.retiredAt)) {
      throw fail(`key ${entry.kid} has an invalid retiredAt`);
    }
    if (!entry.jwk || typeof entry.jwk !== 'object' || typeof entry.jwk.d !== 'string') {
      throw fail(`key ${entry.kid} has no private JWK`);
    }
  }
  if (data.keys.filter((entry) => entry.retiredAt === undefined).length !== 1) {
    throw fail('exactly one key must be active (without retiredAt)');
  }
  return data as KeyFile;
}

function isInstant(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

/**
 * Writes the key set atomically. `createOnly`: succeed only if no file exists yet (returns false when another
 * process got there first), so two hubs starting together on one data folder end up with the same key.
 */
export async function writeKeyFile(
  file: string,
  data: KeyFile,
  options: { createOnly?: boolean } = {},
): Promise<boolean> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (options.createOnly) {
      try {
        // link() fails when the target exists: create-if-absent with the content already complete.
        await link(temp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          return false;
        }
        throw err;
      }
    } else {
      await rename(temp, file);
    }
  } finally {
    await rm(temp, { force: true });
  }
  await syncFolder(path.dirname(file));
  return true;
}

/** Makes the rename itself durable; not every platform can open a folder, which only costs durability there. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
