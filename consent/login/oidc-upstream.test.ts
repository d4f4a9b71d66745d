// The relying party against a real OpenID provider on loopback (test/support/oidc-provider.ts): the browser steps
// are plain fetches with redirect: 'manual', so every request and check of the code flow really happens over HTTP.
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type OidcMisbehaviour, type OidcProvider } from '../../test/support/oidc-provider.js';
import { freePort } from '../../bench/support/free-port.js';
import { newLoginSecrets, OidcLoginError, OidcUpstream, type OidcUpstreamOptions } from './oidc-upstream.js';

const CLIENT_ID = 'zorghub';
const CLIENT_SECRET = 'test secret: with + and :';
const REDIRECT_URI = 'https://hub.test/oauth/login/oidc/callback';
const BSN_CLAIM = 'urn:nl-eid-gdi:1.0:id:BSN';
const USERS = { jansen: { bsn: '111222333' }, devries: { bsn: '123456782' } };

/** The refusal of a promise, which must be an OidcLoginError. */
async function refusal(promise: Promise<unknown>): Promise<OidcLoginError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(OidcLoginError);
  return outcome as OidcLoginError;
}

function upstreamFor(provider: OidcProvider, overrides: Partial<OidcUpstreamOptions> = {}): Promise<OidcUpstream> {
  return OidcUpstream.discover({
    issuer: provider.issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: REDIRECT_URI,
    bsnClaim: BSN_CLAIM,
    ...overrides,
  });
}

/** The browser's part with the non-interactive shortcut: straight back to our callback with a code. */
async function signIn(upstream: OidcUpstream, username: string) {
  const secrets = newLoginSecrets();
  const url = new URL(upstream.authorizationUrl(secrets));
  url.searchParams.set('login_hint', username);
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const back = new URL(response.headers.get('location')!);
  expect(back.origin + back.pathname).toBe(REDIRECT_URI);
  expect(back.searchParams.get('state')).toBe(secrets.state);
  return { code: back.searchParams.get('code')!, nonce: secrets.nonce, codeVerifier: secrets.codeVerifier };
}

describe('OidcUpstream', () => {
  let provider: OidcProvider;

  beforeAll(async () => {
    provider = await startOidcProvider({
      users: USERS,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      bsnClaim: BSN_CLAIM,
      redirectUris: [REDIRECT_URI],
    });
  });
  afterEach(() => {
    provider.misbehave = undefined;
  });
  afterAll(async () => {
    await provider.close();
  });

  describe('discover', () => {
    it('reads the endpoints from the discovery document of the issuer', async () => {
      const upstream = await upstreamFor(provider);
      expect(upstream.metadata).toEqual({
        issuer: provider.issuer,
        authorizationEndpoint: `${provider.issuer}/authorize`,
        tokenEndpoint: `${provider.issuer}/token`,
        jwksUri: `${provider.issuer}/jwks`,
      });
    });

    it('refuses a discovery document that names another issuer as discovery-failed', async () => {
      provider.misbehave = 'discovery-issuer';
      const err = await refusal(upstreamFor(provider));
      expect(err.reason).toBe('discovery-failed');
      expect(err.message).toContain(`expected exactly "${provider.issuer}"`);
    });

    it('refuses a configured issuer that differs only by a trailing slash as discovery-failed', async () => {
      const err = await refusal(upstreamFor(provider, { issuer: `${provider.issuer}/` }));
      expect(err.reason).toBe('discovery-failed');
    });

    it('refuses an issuer nobody listens on as discovery-failed, naming the URL', async () => {
      const issuer = `http://127.0.0.1:${await freePort()}`;
      const err = await refusal(upstreamFor(provider, { issuer }));
      expect(err.reason).toBe('discovery-failed');
      expect(err.message).toMatch(/ECONNREFUSED/);
      expect(err.message).toContain(`${issuer}/.well-known/openid-configuration`);
    });

    it('gives up on a provider that does not answer after the timeout as discovery-failed', async () => {
      const err = await refusal(upstreamFor(provider, { fetch: hangingFetch, timeoutMs: 50 }));
      expect(err.reason).toBe('discovery-failed');
      expect(err.message).toContain('timed out after 50 ms');
    });

    it('refuses a plain-http issuer that is not on loopback as invalid-configuration', async () => {
      const err = await refusal(upstreamFor(provider, { issuer: 'http://broker.example.nl' }));
      expect(err.reason).toBe('invalid-configuration');
    });
  });

  describe('authorizationUrl', () => {
    it('asks for the code flow with an S256 challenge of the verifier, state, nonce and scope openid', async () => {
      const upstream = await upstreamFor(provider, { scopes: ['profile'] });
      const secrets = newLoginSecrets();
      const url = new URL(upstream.authorizationUrl(secrets));
      expect(url.origin + url.pathname).toBe(`${provider.issuer}/authorize`);
      expect(Object.fromEntries(url.searchParams)).toEqual({
        response_type: 'code',
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        scope: 'openid profile',
        state: secrets.state,
        nonce: secrets.nonce,
        code_challenge: createHash('sha256').update(secrets.codeVerifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
    });

    it('refuses a code verifier shorter than 43 characters as invalid-parameters', async () => {
      const upstream = await upstreamFor(provider);
      expect(() => upstream.authorizationUrl({ state: 's', nonce: 'n', codeVerifier: 'short' })).toThrow(
        expect.objectContaining({ reason: 'invalid-parameters' }),
      );
    });
  });

  describe('complete', () => {
    it('returns the BSN and subject after a login through the HTML form', async () => {
      const upstream = await upstreamFor(provider);
      const secrets = newLoginSecrets();
      const form = await fetch(upstream.authorizationUrl(secrets), { redirect: 'manual' });
      expect(form.status).toBe(200);
      expect(await form.text()).toContain('name="username"');
      // What the browser submits: the hidden fields (the authorization request) plus the username typed in.
      const fields = new URL(upstream.authorizationUrl(secrets)).searchParams;
      fields.set('username', 'jansen');
      const submitted = await fetch(`${provider.issuer}/authorize`, {
        method: 'POST',
        body: fields,
        redirect: 'manual',
      });
      expect(submitted.status).toBe(302);
      const back = new URL(submitted.headers.get('location')!);
      expect(back.searchParams.get('state')).toBe(secrets.state);
      const result = await upstream.complete({
        code: back.searchParams.get('code')!,
        codeVerifier: secrets.codeVerifier,
        nonce: secrets.nonce,
      });
      expect(result).toEqual({ bsn: '111222333', subject: expect.any(String) });
    });

    it('returns the BSN of the user named by login_hint', async () => {
      const upstream = await upstreamFor(provider);
      expect((await upstream.complete(await signIn(upstream, 'devries'))).bsn).toBe('123456782');
    });

    it('gives the same user the same subject on every login', async () => {
      const upstream = await upstreamFor(provider);
      const first = await upstream.complete(await signIn(upstream, 'jansen'));
      const second = await upstream.complete(await signIn(upstream, 'jansen'));
      expect(second.subject).toBe(first.subject);
    });

    it.each<[OidcMisbehaviour, string]>([
      ['wrong-nonce', 'nonce-mismatch'],
      ['wrong-audience', 'wrong-audience'],
      ['extra-audience', 'wrong-audience'],
      ['expired', 'expired'],
      ['future-iat', 'issued-in-future'],
      ['alg-none', 'alg-not-allowed'],
      ['alg-hs256', 'alg-not-allowed'],
      ['other-key', 'bad-signature'],
      ['unknown-kid', 'unknown-key'],
      ['wrong-issuer', 'wrong-issuer'],
      ['bad-bsn', 'bad-bsn'],
      ['no-bsn', 'bad-bsn'],
    ])('refuses an id_token from a provider that misbehaves with %s as %s', async (misbehave, reason) => {
      const upstream = await upstreamFor(provider);
      const login = await signIn(upstream, 'jansen');
      provider.misbehave = misbehave;
      expect((await refusal(upstream.complete(login))).reason).toBe(reason);
    });

    it('keeps the BSN out of the error when the BSN fails the 11-proof', async () => {
      const upstream = await upstreamFor(provider);
      const login = await signIn(upstream, 'jansen');
      provider.misbehave = 'bad-bsn';
      const err = await refusal(upstream.complete(login));
      const everything = `${err.message} ${JSON.stringify(err)} ${String(err.cause)} ${err.stack}`;
      expect(everything).not.toMatch(/11122233/);
    });

    it('refuses a wrong code verifier at the provider as token-request-failed', async () => {
      const upstream = await upstreamFor(provider);
      const login = await signIn(upstream, 'jansen');
      const err = await refusal(upstream.complete({ ...login, codeVerifier: newLoginSecrets().codeVerifier }));
      expect(err.reason).toBe('token-request-failed');
      expect(err.message).toContain('invalid_grant (PKCE verification failed)');
    });

    it('refuses a code used a second time as token-request-failed', async () => {
      const upstream = await upstreamFor(provider);
      const login = await signIn(upstream, 'jansen');
      await upstream.complete(login);
      const err = await refusal(upstream.complete(login));
      expect(err.reason).toBe('token-request-failed');
      expect(err.message).toContain('invalid_grant');
    });

    it('refuses a wrong client secret at the provider as token-request-failed', async () => {
      const upstream = await upstreamFor(provider, { clientSecret: 'not the secret' });
      const err = await refusal(upstream.complete(await signIn(upstream, 'jansen')));
      expect(err.reason).toBe('token-request-failed');
      expect(err.message).toContain('HTTP 401: invalid_client');
    });

    it('gives up on a token endpoint that does not answer after the timeout as token-request-failed', async () => {
      const tokenHangs: typeof fetch = (input, init) =>
        String(input).endsWith('/token') ? hangingFetch(input, init) : fetch(input, init);
      const upstream = await upstreamFor(provider, { fetch: tokenHangs, timeoutMs: 200 });
      const err = await refusal(upstream.complete(await signIn(upstream, 'jansen')));
      expect(err.reason).toBe('token-request-failed');
      expect(err.message).toContain('timed out after 200 ms');
    });
  });

  describe('JWKS', () => {
    it('fetches the provider keys once for several logins', async () => {
      const upstream = await upstreamFor(provider);
      const before = provider.requests.jwks;
      await upstream.complete(await signIn(upstream, 'jansen'));
      await upstream.complete(await signIn(upstream, 'devries'));
      expect(provider.requests.jwks - before).toBe(1);
    });

    it('fetches the keys again when the provider signs with a new key, and accepts it', async () => {
      const rotating = await startOidcProvider({
        users: USERS,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        bsnClaim: BSN_CLAIM,
      });
      try {
        const upstream = await upstreamFor(rotating);
        await upstream.complete(await signIn(upstream, 'jansen'));
        await rotating.rotateKey();
        expect((await upstream.complete(await signIn(upstream, 'jansen'))).bsn).toBe('111222333');
        expect(rotating.requests.jwks).toBe(2);
      } finally {
        await rotating.close();
      }
    });

    it('fetches the keys only once more for a token under an unknown kid', async () => {
      const upstream = await upstreamFor(provider);
      await upstream.complete(await signIn(upstream, 'jansen'));
      const before = provider.requests.jwks;
      const login = await signIn(upstream, 'jansen');
      provider.misbehave = 'unknown-kid';
      expect((await refusal(upstream.complete(login))).reason).toBe('unknown-key');
      expect(provider.requests.jwks - before).toBe(1);
    });
  });

  describe('with ES256 and a public client', () => {
    let publicProvider: OidcProvider;

    beforeAll(async () => {
      publicProvider = await startOidcProvider({
        users: USERS,
        clientId: CLIENT_ID,
        bsnClaim: BSN_CLAIM,
        keyType: 'EC',
      });
    });
    afterAll(async () => {
      await publicProvider.close();
    });

    it('returns the BSN, with PKCE as the only proof at the token endpoint', async () => {
      const upstream = await upstreamFor(publicProvider, { clientSecret: undefined });
      expect((await upstream.complete(await signIn(upstream, 'jansen'))).bsn).toBe('111222333');
    });

    it('refuses a wrong code verifier as token-request-failed', async () => {
      const upstream = await upstreamFor(publicProvider, { clientSecret: undefined });
      const login = await signIn(upstream, 'jansen');
      const err = await refusal(upstream.complete({ ...login, codeVerifier: newLoginSecrets().codeVerifier }));
      expect(err.reason).toBe('token-request-failed');
    });

    it('refuses an ES256 token signed with an unpublished key under the published kid as bad-signature', async () => {
      const upstream = await upstreamFor(publicProvider, { clientSecret: undefined });
      const login = await signIn(upstream, 'jansen');
      publicProvider.misbehave = 'other-key';
      try {
        expect((await refusal(upstream.complete(login))).reason).toBe('bad-signature');
      } finally {
        publicProvider.misbehave = undefined;
      }
    });
  });
});

/** A fetch that never answers, only gives up when its signal aborts (as the timeout does). */
const hangingFetch: typeof fetch = (_input, init) =>
  new Promise((_resolve, reject) => {
    const signal = init?.signal;
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
