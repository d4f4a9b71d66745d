// A small but real OpenID Connect provider that tests start themselves on 127.0.0.1 (the system picks the port):
// discovery, JWKS, an authorization endpoint with a login form, and a token endpoint that checks the code, the
// redirect_uri, the PKCE verifier (S256) and the client secret. It stands in for the DigiD broker, so the relying
// party in consent/login is tested over HTTP against an implementation that does its own checks (none of its code is
// shared with the relying party), and it can misbehave on purpose for attack tests. Not for production: users have
// no passwords.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jose from 'node-jose';

/**
 * How the provider may lie. The first six are the attack cases of the brief; the others cover the remaining checks.
 * - wrong-nonce, wrong-audience, expired (exp 10 minutes ago), bad-bsn (last digit changed, 11-proof fails)
 * - alg-none: an unsigned token; alg-hs256: HMAC with the public key as secret (algorithm confusion)
 * - other-key: signed with an unpublished key that carries the published kid
 * - unknown-kid: signed with an unpublished key under a kid the JWKS does not have
 * - wrong-issuer: iss of another provider; extra-audience: aud [client, other] without azp
 * - future-iat: issued 10 minutes from now; no-bsn: the BSN claim left out
 * - discovery-issuer: the discovery document names another issuer
 */
export type OidcMisbehaviour =
  | 'wrong-nonce'
  | 'wrong-audience'
  | 'expired'
  | 'alg-none'
  | 'other-key'
  | 'bad-bsn'
  | 'alg-hs256'
  | 'unknown-kid'
  | 'wrong-issuer'
  | 'extra-audience'
  | 'future-iat'
  | 'no-bsn'
  | 'discovery-issuer';

export interface OidcProviderOptions {
  users: Record<string, { bsn: string }>;
  clientId: string;
  /** Set: the token endpoint requires client_secret_basic. Unset: a public client (client_id in the body). */
  clientSecret?: string;
  /** The id_token claim with the BSN; default "bsn". */
  bsnClaim?: string;
  /** When given, the only redirect URIs the authorization endpoint accepts. */
  redirectUris?: string[];
  /** RS256 with RSA 2048 (default) or ES256 with P-256. */
  keyType?: 'RSA' | 'EC';
  misbehave?: OidcMisbehaviour;
}

export interface OidcProvider {
  /** http://127.0.0.1:<port>, no trailing slash. */
  issuer: string;
  clientId: string;
  /** May be changed between requests. */
  misbehave: OidcMisbehaviour | undefined;
  /** How often each endpoint was asked, to see what the relying party caches. */
  requests: { discovery: number; jwks: number; authorize: number; token: number };
  /** A new signing key with a new kid; the JWKS then publishes both, and tokens are signed with the new one. */
  rotateKey(): Promise<void>;
  close(): Promise<void>;
}

interface Grant {
  username: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | undefined;
  expiresAt: number;
}

const CODE_LIFETIME_MS = 60_000;
const TOKEN_LIFETIME_S = 300;

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  const bsnClaim = options.bsnClaim ?? 'bsn';
  const keyType = options.keyType ?? 'RSA';
  const alg = keyType === 'RSA' ? 'RS256' : 'ES256';
  const newKey = () => jose.JWK.createKey(keyType, keyType === 'RSA' ? 2048 : 'P-256', { alg, use: 'sig' });
  const published: jose.JWK.Key[] = [await newKey()];
  const grants = new Map<string, Grant>();

  const handle: OidcProvider = {
    issuer: '',
    clientId: options.clientId,
    misbehave: options.misbehave,
    requests: { discovery: 0, jwks: 0, authorize: 0, token: 0 },
    async rotateKey() {
      published.push(await newKey());
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `test OIDC provider failed: ${String(err)}`);
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', handle.issuer);
    const where = `${req.method} ${url.pathname}`;
    if (where === 'GET /.well-known/openid-configuration') {
      handle.requests.discovery++;
      return json(res, 200, discovery());
    }
    if (where === 'GET /jwks') {
      handle.requests.jwks++;
      return json(res, 200, { keys: published.map((key) => key.toJSON(false)) });
    }
    if (where === 'GET /authorize') {
      handle.requests.authorize++;
      return authorize(res, url.searchParams);
    }
    if (where === 'POST /authorize') {
      handle.requests.authorize++;
      return authorize(res, await readForm(req));
    }
    if (where === 'POST /token') {
      handle.requests.token++;
      return token(req, res, await readForm(req));
    }
    send(res, 404, 'text/plain', 'not found');
  }

  function discovery(): Record<string, unknown> {
    return {
      issuer: handle.misbehave === 'discovery-issuer' ? `${handle.issuer}/other` : handle.issuer,
      authorization_endpoint: `${handle.issuer}/authorize`,
      token_endpoint: `${handle.issuer}/token`,
      jwks_uri: `${handle.issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [alg],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: [options.clientSecret === undefined ? 'none' : 'client_secret_basic'],
      scopes_supported: ['openid'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', bsnClaim],
    };
  }

  /** GET: the login form, or straight back with login_hint. POST: the submitted form, with username. */
  function authorize(res: ServerResponse, params: URLSearchParams): void {
    const problem = checkAuthorizationRequest(params);
    if (problem) {
      send(res, 400, 'text/plain', problem);
      return;
    }
    const username = params.get('username') ?? params.get('login_hint');
    if (username === null || !Object.hasOwn(options.users, username)) {
      const status = params.has('username') ? 401 : 200;
      send(res, status, 'text/html; charset=utf-8', loginForm(params, status === 401));
      return;
    }
    const code = randomBytes(24).toString('base64url');
    grants.set(code, {
      username,
      clientId: params.get('client_id')!,
      redirectUri: params.get('redirect_uri')!,
      codeChallenge: params.get('code_challenge')!,
      nonce: params.get('nonce') ?? undefined,
      expiresAt: Date.now() + CODE_LIFETIME_MS,
    });
    const back = new URL(params.get('redirect_uri')!);
    back.searchParams.set('code', code);
    const state = params.get('state');
    if (state !== null) back.searchParams.set('state', state);
    back.searchParams.set('iss', handle.issuer); // RFC 9207
    res.writeHead(302, { location: back.toString(), 'cache-control': 'no-store' }).end();
  }

  function checkAuthorizationRequest(params: URLSearchParams): string | undefined {
    if (params.get('client_id') !== options.clientId) return 'unknown client_id';
    const redirectUri = params.get('redirect_uri');
    if (!redirectUri || !URL.canParse(redirectUri)) return 'redirect_uri missing or not absolute';
    if (options.redirectUris && !options.redirectUris.includes(redirectUri)) return 'redirect_uri not registered';
    if (params.get('response_type') !== 'code') return 'response_type must be code';
    if (!(params.get('scope') ?? '').split(' ').includes('openid')) return 'scope must include openid';
    if (params.get('code_challenge_method') !== 'S256') return 'code_challenge_method must be S256';
    if (!/^[A-Za-z0-9_-]{43}$/.test(params.get('code_challenge') ?? ''))
      return 'code_challenge must be a base64url SHA-256';
    return undefined;
  }

  async function token(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): Promise<void> {
    const clientId = authenticateClient(req, form);
    if (clientId === undefined) {
      res.setHeader('www-authenticate', 'Basic realm="test-oidc"');
      return json(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
    }
    if (form.get('grant_type') !== 'authorization_code') {
      return json(res, 400, { error: 'unsupported_grant_type' });
    }
    const code = form.get('code') ?? '';
    const grant = grants.get(code);
    grants.delete(code); // single use, also when this attempt fails
    const verifier = form.get('code_verifier') ?? '';
    const refusal = !grant
      ? 'unknown or used code'
      : grant.expiresAt < Date.now()
        ? 'code expired'
        : grant.clientId !== clientId
          ? 'code was issued to another client'
          : grant.redirectUri !== form.get('redirect_uri')
            ? 'redirect_uri differs from the authorization request'
            : !/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier) ||
                createHash('sha256').update(verifier).digest('base64url') !== grant.codeChallenge
              ? 'PKCE verification failed'
              : undefined;
    if (refusal || !grant) {
      return json(res, 400, { error: 'invalid_grant', error_description: refusal });
    }
    res.setHeader('pragma', 'no-cache');
    json(res, 200, {
      access_token: randomBytes(24).toString('base64url'),
      token_type: 'Bearer',
      expires_in: TOKEN_LIFETIME_S,
      id_token: await idToken(grant),
    });
  }

  /** The client id when authentication succeeds: Basic with the secret when one is set, else client_id alone. */
  function authenticateClient(req: IncomingMessage, form: URLSearchParams): string | undefined {
    const header = req.headers.authorization;
    if (options.clientSecret === undefined) {
      return header === undefined && form.get('client_id') === options.clientId ? options.clientId : undefined;
    }
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
    if (!match || form.has('client_secret')) return undefined;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const formDecode = (value: string) => new URLSearchParams(`v=${value}`).get('v') ?? '';
    const id = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    return id === options.clientId && sameText(secret, options.clientSecret) ? id : undefined;
  }

  async function idToken(grant: Grant): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const bad = handle.misbehave;
    const bsn = options.users[grant.username].bsn;
    const claims: Record<string, unknown> = {
      iss: bad === 'wrong-issuer' ? 'https://other-provider.test' : handle.issuer,
      sub: createHash('sha256').update(`${handle.issuer} ${grant.username}`).digest('base64url').slice(0, 22),
      aud:
        bad === 'wrong-audience'
          ? 'another-client'
          : bad === 'extra-audience'
            ? [grant.clientId, 'another-client']
            : grant.clientId,
      exp: bad === 'expired' ? now - 600 : now + TOKEN_LIFETIME_S,
      iat: bad === 'future-iat' ? now + 600 : bad === 'expired' ? now - 900 : now,
      auth_time: now,
      nonce: bad === 'wrong-nonce' ? 'a-nonce-this-login-never-sent' : grant.nonce,
      [bsnClaim]: bad === 'bad-bsn' ? breakElevenProof(bsn) : bsn,
    };
    if (bad === 'no-bsn') delete claims[bsnClaim];
    const payload = JSON.stringify(claims);
    const current = published[published.length - 1];
    if (bad === 'alg-none') {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: current.kid })).toString('base64url');
      return `${header}.${Buffer.from(payload).toString('base64url')}.`;
    }
    let key = current;
    let signAlg = alg;
    if (bad === 'alg-hs256') {
      key = await jose.JWK.asKey({
        kty: 'oct',
        kid: current.kid,
        k: Buffer.from(current.toPEM(false)).toString('base64url'),
      });
      signAlg = 'HS256';
    } else if (bad === 'other-key' || bad === 'unknown-kid') {
      const props = bad === 'other-key' ? { alg, use: 'sig', kid: current.kid } : { alg, use: 'sig' };
      key = await jose.JWK.createKey(keyType, keyType === 'RSA' ? 2048 : 'P-256', props);
    }
    const signed: unknown = await jose.JWS.createSign(
      { format: 'compact', alg: signAlg, fields: { typ: 'JWT', kid: key.kid } },
      key,
    )
      .update(payload)
      .final();
    return signed as string;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  handle.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return handle;
}

function loginForm(params: URLSearchParams, failed: boolean): string {
  const hidden = [...params]
    .filter(([name]) => name !== 'username' && name !== 'login_hint')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test OpenID provider</title></head>
<body><h1>Log in (test provider)</h1>${failed ? '\n<p role="alert">Unknown user.</p>' : ''}
<form method="post" action="/authorize">
${hidden}
<label>Username <input name="username" autocomplete="username" required></label>
<button type="submit">Log in</button>
</form></body></html>`;
}

/** Same first eight digits, another last digit: the weighted sum is then no longer divisible by 11. */
function breakElevenProof(bsn: string): string {
  return bsn.slice(0, 8) + String((Number(bsn[8]) + 1) % 10);
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sameText(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams();
  }
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 64 * 1024) throw new Error('form body too large');
  }
  return new URLSearchParams(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
}
