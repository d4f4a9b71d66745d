// The hub's signing keys: one active key signs access tokens, retired keys still verify the tokens they signed
// until those have expired, and GET /.well-known/jwks.json publishes the public halves. RS256 by default: RFC 9068
// requires every access-token party to support it and every JOSE library in a PGO or EHR has it; ES256 (smaller
// tokens, cheaper signing) is one option away. Verification trusts only the hub's own keys, by `kid`, with the
// one algorithm of that key: never `none`, never HS* (the RSA-public-key-as-HMAC-secret confusion), never a key
// embedded in the token (`jwk`, `jku`, `x5c` are ignored).
//
// Several hub processes on one data folder agree on the first key (created with create-if-absent), and a rotation
// starts from the file so it keeps keys other processes added; but a key one process adds is seen by the others
// only when they reopen, so they cannot verify its tokens until then: run several processes with configured keys
// (fromJwks) instead, and rotate there.
import type { JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import jose from 'node-jose';
import { decodeCompactJws, sameTyp, type JwsHeader } from './compact-jws.js';
import {
  ensureKeyFolder,
  HUB_SIGNING_ALGS,
  KEY_FILE_FORMAT,
  keyFilePath,
  KeyFileError,
  readKeyFile,
  writeKeyFile,
  type HubSigningAlg,
  type KeyFileEntry,
} from './key-file.js';
import { TokenError } from './token-error.js';

/** Access tokens live 15 minutes; an hour covers that, clock skew and a slow rollout of a rotation. */
const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 3600;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface HubKeysOptions {
  dataDir: string;
  now?: () => Date;
  /** How long a retired key is kept for verification; longer than any token it signed can live (default 3600). */
  maxTokenLifetimeSeconds?: number;
  /** Algorithm of newly generated keys (default RS256). */
  alg?: HubSigningAlg;
}

export interface VerifiedJws {
  header: JwsHeader;
  payload: Record<string, unknown>;
}

interface LoadedKey {
  kid: string;
  alg: HubSigningAlg;
  createdAt: Date;
  /** Only for keys kept in the data folder; configured keys are never pruned. */
  retiredAt?: Date;
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  signer: jose.JWK.Key;
}

/** node-jose has it; @types/node-jose does not declare it. */
interface Supports {
  supports(alg: string, mode: 'sign' | 'verify'): boolean;
}

interface Settings {
  file?: string;
  now: () => Date;
  maxTokenLifetimeSeconds: number;
  alg: HubSigningAlg;
}

export class HubKeys {
  /** keys[0] is the active key; the rest only verify. */
  private keys: LoadedKey[];
  private store: jose.JWK.KeyStore;
  private rotation: Promise<void> = Promise.resolve();

  private constructor(
    keys: LoadedKey[],
    store: jose.JWK.KeyStore,
    private readonly settings: Settings,
  ) {
    this.keys = keys;
    this.store = store;
  }

  /** Opens (or on first start creates) the key set in `<dataDir>/keys/signing-keys.json`. */
  static async open(options: HubKeysOptions): Promise<HubKeys> {
    const settings: Settings = {
      file: keyFilePath(options.dataDir),
      now: options.now ?? (() => new Date()),
      maxTokenLifetimeSeconds: options.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
      alg: options.alg ?? 'RS256',
    };
    const file = settings.file!;
    await ensureKeyFolder(file);
    let data = await readKeyFile(file);
    if (!data) {
      const first = toEntry(await generateKey(settings.alg, settings.now()));
      const created = await writeKeyFile(
        file,
        { format: KEY_FILE_FORMAT, version: 1, keys: [first] },
        { createOnly: true },
      );
      data = created ? { format: KEY_FILE_FORMAT, version: 1, keys: [first] } : await readKeyFile(file);
      if (!data) {
        throw new KeyFileError(`${file} vanished while the hub created it`);
      }
    }
    const loaded = await Promise.all(data.keys.map(fromEntry));
    const keys = prune(ordered(loaded), settings);
    if (keys.length < loaded.length) {
      await writeKeyFile(file, { format: KEY_FILE_FORMAT, version: 1, keys: keys.map(toEntry) });
    }
    return new HubKeys(keys, await publicStore(keys), settings);
  }

  /**
   * Keys provided by configuration, as a JWK Set (RFC 7517 5) of private keys, or the path of a JSON file holding
   * one: `{ "keys": [ { "kty": "RSA", "n": "…", "e": "AQAB", "d": "…", "p": "…", … }, … ] }`. The first key signs,
   * the others only verify: to roll over, put the new key first and remove the old one an hour later. `alg` may be
   * RS256 (RSA, at least 2048 bits) or ES256 (EC P-256) and is inferred when absent; `kid` is kept when given,
   * otherwise it is the key's RFC 7638 thumbprint. Such a set is never rotated or pruned by the hub.
   */
  static async fromJwks(
    privateJwks: { keys: JsonWebKey[] } | string,
    options: { now?: () => Date } = {},
  ): Promise<HubKeys> {
    const source = typeof privateJwks === 'string' ? privateJwks : 'the configured JWKS';
    const set = typeof privateJwks === 'string' ? await readJwksFile(privateJwks) : privateJwks;
    if (!set || !Array.isArray(set.keys) || set.keys.length === 0) {
      throw new KeyFileError(`${source}: expected a JWK Set { "keys": [ <private JWK>, … ] } with at least one key`);
    }
    const now = options.now ?? (() => new Date());
    const keys: LoadedKey[] = [];
    for (const jwk of set.keys) {
      if (!jwk || typeof jwk.d !== 'string') {
        throw new KeyFileError(`${source}: every key must be a private JWK (with "d")`);
      }
      const alg = inferAlg(jwk, source);
      const kid = typeof jwk.kid === 'string' && jwk.kid ? jwk.kid : await thumbprint(jwk);
      if (keys.some((key) => key.kid === kid)) {
        throw new KeyFileError(`${source}: kid ${kid} occurs twice`);
      }
      keys.push(await fromEntry({ kid, alg, createdAt: now().toISOString(), jwk }));
    }
    return new HubKeys(keys, await publicStore(keys), { now, maxTokenLifetimeSeconds: Infinity, alg: keys[0]!.alg });
  }

  /** How long retired keys are kept; a token must not live longer than this (Infinity for configured keys). */
  get maxTokenLifetimeSeconds(): number {
    return this.settings.maxTokenLifetimeSeconds;
  }

  /** The kid of the key that signs. */
  get activeKid(): string {
    return this.keys[0]!.kid;
  }

  /** Adds a new active key; the previous one is retired (still verifies); keys retired too long ago are pruned. */
  rotate(): Promise<void> {
    const next = this.rotation.then(() => this.rotateNow());
    this.rotation = next.catch(() => undefined);
    return next;
  }

  private async rotateNow(): Promise<void> {
    const file = this.settings.file;
    if (!file) {
      throw new Error('these keys come from configuration: rotate them there (new key first, the old one after it)');
    }
    const now = this.settings.now();
    const fresh = await generateKey(this.settings.alg, now);
    // Start from the file, not from memory: a key another process added since open() is kept, not overwritten.
    const onDisk = await readKeyFile(file);
    const current = onDisk ? await Promise.all(onDisk.keys.map(fromEntry)) : this.keys;
    const retired = ordered(current).map((key) => (key.retiredAt ? key : { ...key, retiredAt: now }));
    const keys = prune([fresh, ...retired], this.settings);
    // Disk first: if the write fails, the hub keeps signing with the key it has.
    await writeKeyFile(file, { format: KEY_FILE_FORMAT, version: 1, keys: keys.map(toEntry) });
    this.store = await publicStore(keys);
    this.keys = keys;
  }

  /** A compact JWS of `payload` with the active key; header `{ alg, kid, typ }` (typ defaults to JWT). */
  async sign(payload: object, options: { typ?: string } = {}): Promise<string> {
    const key = this.keys[0]!;
    const fields = { alg: key.alg, kid: key.kid, typ: options.typ ?? 'JWT' };
    const signed = await jose.JWS.createSign({ format: 'compact', fields }, key.signer)
      .update(JSON.stringify(payload), 'utf8')
      .final();
    return signed as unknown as string;
  }

  /** Checks the signature (and `typ` when asked) of a token the hub signed; the claims are the caller's to check. */
  async verify(token: string, options: { typ?: string } = {}): Promise<VerifiedJws> {
    const { header, payload, signature } = decodeCompactJws(token);
    const key = header.kid === undefined ? undefined : this.keys.find((candidate) => candidate.kid === header.kid);
    // The allow-list is the algorithms of the hub's own keys, and then the one algorithm of the key named.
    if (!this.keys.some((candidate) => candidate.alg === header.alg) || (key && key.alg !== header.alg)) {
      throw new TokenError('unsupported-alg', `alg ${printable(header.alg)} is not the algorithm of a hub key`);
    }
    if (!key) {
      throw new TokenError(
        'unknown-key',
        header.kid === undefined ? 'the header has no kid' : `kid ${printable(header.kid)} is not a hub key`,
      );
    }
    if (options.typ !== undefined && !sameTyp(header.typ, options.typ)) {
      throw new TokenError('wrong-type', `typ ${printable(header.typ ?? '(none)')} is not ${options.typ}`);
    }
    if (!signature) {
      throw new TokenError('bad-signature', 'the token has no signature');
    }
    let verified: jose.JWS.VerificationResult;
    try {
      verified = await jose.JWS.createVerify(this.store, { algorithms: [key.alg], allowEmbeddedKey: false }).verify(
        token,
      );
    } catch {
      throw new TokenError('bad-signature', `the signature does not verify with key ${key.kid}`);
    }
    if (verified.key.kid !== key.kid) {
      throw new TokenError('bad-signature', 'the token verified with another key than the one it names');
    }
    return { header, payload };
  }

  /** The public keys (active first, then retired), for GET /.well-known/jwks.json. */
  jwks(): { keys: JsonWebKey[] } {
    return { keys: this.keys.map((key) => ({ ...key.publicJwk })) };
  }
}

async function generateKey(alg: HubSigningAlg, now: Date): Promise<LoadedKey> {
  const generated =
    alg === 'ES256'
      ? await jose.JWK.createKey('EC', 'P-256', { alg, use: 'sig' })
      : await jose.JWK.createKey('RSA', 2048, { alg, use: 'sig' });
  const jwk = generated.toJSON(true) as JsonWebKey;
  return fromEntry({ kid: await thumbprint(jwk), alg, createdAt: now.toISOString(), jwk });
}

async function fromEntry(entry: KeyFileEntry): Promise<LoadedKey> {
  const { kid: _kid, alg: _alg, use: _use, key_ops: _ops, ...material } = entry.jwk;
  const signer = await jose.JWK.asKey({ ...material, kid: entry.kid, alg: entry.alg, use: 'sig' });
  if (!(signer as unknown as Supports).supports(entry.alg, 'sign') || (entry.alg === 'RS256' && signer.length < 2048)) {
    throw new KeyFileError(
      `key ${entry.kid} cannot sign ${entry.alg} (RS256 needs RSA of 2048 bits or more, ES256 EC P-256)`,
    );
  }
  const publicJwk = signer.toJSON(false) as JsonWebKey;
  if (PRIVATE_MEMBERS.some((member) => member in publicJwk)) {
    throw new KeyFileError(`key ${entry.kid}: its public half still holds private members`);
  }
  return {
    kid: entry.kid,
    alg: entry.alg,
    createdAt: new Date(entry.createdAt),
    retiredAt: entry.retiredAt === undefined ? undefined : new Date(entry.retiredAt),
    privateJwk: signer.toJSON(true) as JsonWebKey,
    publicJwk,
    signer,
  };
}

function toEntry(key: LoadedKey): KeyFileEntry {
  return {
    kid: key.kid,
    alg: key.alg,
    createdAt: key.createdAt.toISOString(),
    ...(key.retiredAt ? { retiredAt: key.retiredAt.toISOString() } : {}),
    jwk: key.privateJwk,
  };
}

/** The active key first, then the retired ones, most recently retired first. */
function ordered(keys: LoadedKey[]): LoadedKey[] {
  const retiredAt = (key: LoadedKey) => key.retiredAt?.getTime() ?? Infinity;
  return [...keys].sort((a, b) => retiredAt(b) - retiredAt(a));
}

function prune(keys: LoadedKey[], settings: Settings): LoadedKey[] {
  const cutoff = settings.now().getTime() - settings.maxTokenLifetimeSeconds * 1000;
  return keys.filter((key) => !key.retiredAt || key.retiredAt.getTime() >= cutoff);
}

/** A key store holding only the public halves: node-jose can verify with nothing else. */
async function publicStore(keys: LoadedKey[]): Promise<jose.JWK.KeyStore> {
  const store = jose.JWK.createKeyStore();
  for (const key of keys) {
    await store.add(key.publicJwk as object);
  }
  return store;
}

async function thumbprint(jwk: JsonWebKey): Promise<string> {
  const key = await jose.JWK.asKey(jwk as object);
  const digest = (await key.thumbprint('SHA-256')) as unknown as Buffer;
  return digest.toString('base64url');
}

function inferAlg(jwk: JsonWebKey, source: string): HubSigningAlg {
  const inferred = jwk.kty === 'RSA' ? 'RS256' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : undefined;
  const alg = (jwk.alg as string | undefined) ?? inferred;
  if (!alg || !HUB_SIGNING_ALGS.includes(alg as HubSigningAlg) || alg !== inferred) {
    throw new KeyFileError(`${source}: keys must be RS256 (RSA) or ES256 (EC P-256)`);
  }
  return alg as HubSigningAlg;
}

async function readJwksFile(file: string): Promise<{ keys: JsonWebKey[] }> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as { keys: JsonWebKey[] };
  } catch (err) {
    throw new KeyFileError(`${file}: cannot read a JWK Set (${(err as Error).message})`);
  }
}

/** Token header values are the caller's: quoted and cut short before they reach a log line. */
function printable(value: unknown): string {
  return JSON.stringify(String(value)).slice(0, 80);
}
