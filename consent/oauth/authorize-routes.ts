// The person's side of the MedMij authorization-code flow: /oauth/authorize checks the PGO's request, the person
// logs in (development login or an OIDC upstream such as a DigiD broker), sees the consent screen, and approves
// or denies. Approval records a FHIR Consent and redirects with a one-time code; denial with error=access_denied.
// Until the client and its redirect_uri are known to match the registry, errors are shown as a page and never
// redirected (no open redirector); after that, they go back to the PGO as OAuth errors with its state. An `aud`
// other than the hub's own FHIR base URL is refused (audience.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newSecret, safeEqual } from '../tokens/opaque.js';
import { consentRecord } from './consent-record.js';
import { renderConsentScreen, renderErrorPage } from './consent-screen.js';
import { delegationsFor, patientName } from './delegation.js';
import { renderActFor } from './act-for.js';
import { renderDevLogin } from './dev-login.js';
import { pickLanguage } from './html.js';
import type { OAuthContext } from './oauth-context.js';
import { formatScope, parseScope } from './scope.js';
import { audienceProblem } from './audience.js';

const SESSION_COOKIE = 'hub_oauth_session';
const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';

type Query = Record<string, string | undefined>;

export async function authorizeRoutes(app: FastifyInstance, ctx: OAuthContext): Promise<void> {
  app.get('/oauth/authorize', async (request, reply) => {
    const q = request.query as Query;
    const language = pickLanguage(request.headers['accept-language'], q.ui_locales);
    logCorrelation(request, 'authorize', q.client_id);
    const client = q.client_id ? await ctx.registry.get(q.client_id) : undefined;
    if (!client?.active || client.kind !== 'pgo') {
      return errorPage(reply, language, 400, {
        nl: 'Deze app is niet bekend bij de hub.',
        en: 'This app is not known to the hub.',
      });
    }
    if (!q.redirect_uri || !client.redirectUris.includes(q.redirect_uri)) {
      request.log.warn({ clientId: client.clientId }, 'authorize refused: redirect_uri does not match the registry');
      return errorPage(reply, language, 400, {
        nl: 'De terugkeer-URL van deze app klopt niet.',
        en: "The app's return URL does not match its registration.",
      });
    }
    const back = (error: string, description: string) =>
      redirectError(reply, q.redirect_uri!, error, description, q.state);
    if (q.response_type !== 'code') {
      return back('unsupported_response_type', 'only response_type=code is supported');
    }
    // Before the scope: a request meant for another server is refused as such, whatever it asks for.
    const audience = audienceProblem(q.aud, q.scope, ctx.issuer);
    if (audience) {
      request.log.warn({ clientId: client.clientId }, 'authorize refused: aud is not this hub');
      return back('invalid_request', audience);
    }
    const scope = parseScope(q.scope, ctx.providerName);
    if (scope.invalid.length || !scope.dataServices.length) {
      return back(
        'invalid_scope',
        scope.invalid.length
          ? `unknown scope: ${scope.invalid.join(' ')}`
          : `scope must name at least one data service as ${ctx.providerName}~<id>`,
      );
    }
    const notAllowed = scope.dataServices.filter((s) => !client.dataServices.includes(s));
    if (notAllowed.length) {
      request.log.warn(
        { clientId: client.clientId, notAllowed },
        'authorize refused: data service not registered for the client',
      );
      return back('invalid_scope', `the client is not registered for: ${notAllowed.join(' ')}`);
    }
    if (q.code_challenge !== undefined || q.code_challenge_method !== undefined) {
      if (q.code_challenge_method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge ?? '')) {
        return back('invalid_request', 'PKCE needs code_challenge_method=S256 and a base64url SHA-256 code_challenge');
      }
    } else if (client.publicClient) {
      return back('invalid_request', 'a public client must use PKCE (code_challenge with S256)');
    }
    const id = newSecret();
    const session = newSecret();
    await ctx.store.createRequest(
      id,
      session,
      {
        clientId: client.clientId,
        redirectUri: q.redirect_uri,
        scopes: scope.dataServices,
        state: q.state,
        codeChallenge: q.code_challenge,
        csrfToken: newSecret(),
      },
      ctx.now(),
    );
    reply.header('set-cookie', sessionCookie(session, ctx.secureCookies));
    return reply.redirect(`/oauth/login?request=${id}`, 303);
  });

  app.get('/oauth/login', async (request, reply) => {
    const q = request.query as Query;
    const language = pickLanguage(request.headers['accept-language']);
    const pending = await pendingFor(request, ctx, q.request);
    if (!pending) {
      return expired(reply, language);
    }
    if (ctx.oidc) {
      const nonce = newSecret();
      const codeVerifier = newSecret();
      await ctx.store.setLoginState(q.request!, { nonce, codeVerifier });
      return reply.redirect(ctx.oidc.authorizationUrl({ state: q.request!, nonce, codeVerifier }), 303);
    }
    if (!ctx.devLoginBsns.length) {
      return errorPage(reply, language, 503, {
        nl: 'Inloggen is niet ingesteld op deze hub.',
        en: 'No login is configured on this hub.',
      });
    }
    return html(reply, renderDevLogin(language, q.request!, pending.csrfToken, ctx.devLoginBsns));
  });

  app.post('/oauth/login/dev', async (request, reply) => {
    const form = request.body as Query;
    const language = pickLanguage(request.headers['accept-language']);
    const pending = await pendingFor(request, ctx, form.request);
    if (!pending || !form.csrf || !safeEqual(form.csrf, pending.csrfToken)) {
      return expired(reply, language);
    }
    if (!ctx.devLoginBsns.length || ctx.oidc || !form.bsn || !ctx.devLoginBsns.includes(form.bsn)) {
      return errorPage(reply, language, 400, {
        nl: 'Dit test-BSN is niet toegestaan.',
        en: 'This test BSN is not allowed.',
      });
    }
    return loggedIn(request, reply, ctx, form.request!, form.bsn, language);
  });

  app.get('/oauth/login/oidc/callback', async (request, reply) => {
    const q = request.query as Query;
    const language = pickLanguage(request.headers['accept-language']);
    const pending = await pendingFor(request, ctx, q.state);
    if (!pending || !ctx.oidc || !pending.loginState?.nonce || !q.code) {
      return expired(reply, language);
    }
    try {
      const { bsn } = await ctx.oidc.complete({
        code: q.code,
        codeVerifier: pending.loginState.codeVerifier,
        nonce: pending.loginState.nonce,
      });
      return await loggedIn(request, reply, ctx, q.state!, bsn, language);
    } catch (err) {
      request.log.warn({ reason: (err as { reason?: string }).reason ?? 'error' }, 'upstream login failed');
      return errorPage(reply, language, 401, { nl: 'Inloggen is niet gelukt.', en: 'Logging in did not succeed.' });
    }
  });

  app.get('/oauth/act-for', async (request, reply) => {
    const q = request.query as Query;
    const language = pickLanguage(request.headers['accept-language']);
    const pending = await pendingFor(request, ctx, q.request);
    const choices = pending ? choicesOf(pending) : [];
    if (!pending || !choices.length) {
      return expired(reply, language);
    }
    const named = await Promise.all(
      choices.map(async (c) => ({
        key: c.key,
        name: await patientName(ctx.repository, c.patient),
        self: c.key === 'self',
      })),
    );
    return html(reply, renderActFor(language, q.request!, pending.csrfToken, named));
  });

  app.post('/oauth/act-for', async (request, reply) => {
    const form = request.body as Query;
    const language = pickLanguage(request.headers['accept-language']);
    const pending = await pendingFor(request, ctx, form.request);
    if (!pending || !form.csrf || !safeEqual(form.csrf, pending.csrfToken)) {
      return expired(reply, language);
    }
    const choice = choicesOf(pending).find((c) => c.key === form.choice);
    if (!choice) {
      return expired(reply, language);
    }
    if (choice.actor) {
      // A delegate may pass on no more than she was given.
      const scopes = pending.scopes.filter((s) => choice.dataServices!.includes(s));
      if (!scopes.length) {
        return errorPage(reply, language, 403, {
          nl: 'U bent niet gemachtigd voor de gegevens die deze app vraagt.',
          en: 'You are not authorised for the data this app asks for.',
        });
      }
      await ctx.store.setScopes(form.request!, scopes);
      await ctx.store.setLoginState(form.request!, {
        actor: choice.actor,
        delegation: choice.key,
        readOnly: String(choice.readOnly),
      });
    }
    await ctx.store.setPatient(form.request!, choice.patient);
    return reply.redirect(`/oauth/consent?request=${form.request}`, 303);
  });

  app.get('/oauth/consent', async (request, reply) => {
    const q = request.query as Query;
    const language = pickLanguage(request.headers['accept-language'], q.lang);
    const pending = await pendingFor(request, ctx, q.request);
    if (!pending?.patient) {
      return expired(reply, language);
    }
    const client = await ctx.registry.get(pending.clientId);
    const onBehalfOf = pending.loginState?.actor ? await patientName(ctx.repository, pending.patient) : undefined;
    return html(
      reply,
      renderConsentScreen({
        language,
        clientName: client?.name ?? pending.clientId,
        dataServices: pending.scopes,
        requestId: q.request!,
        csrfToken: pending.csrfToken,
        onBehalfOf,
      }),
    );
  });

  app.post('/oauth/consent', async (request, reply) => {
    const form = request.body as Query;
    const language = pickLanguage(request.headers['accept-language']);
    const pending = await pendingFor(request, ctx, form.request);
    // The CSRF token ties the decision to the page this browser was shown; the cookie ties it to this browser.
    if (!pending?.patient || !form.csrf || !safeEqual(form.csrf, pending.csrfToken)) {
      request.log.warn('consent decision refused: unknown request, wrong session or CSRF token');
      return expired(reply, language);
    }
    const client = await ctx.registry.get(pending.clientId);
    if (!client?.active) {
      return expired(reply, language);
    }
    if (form.decision === 'approve' && form.period !== 'once' && form.period !== 'until-withdrawn') {
      return html(
        reply.status(400),
        renderConsentScreen({
          language,
          clientName: client.name,
          dataServices: pending.scopes,
          requestId: form.request!,
          csrfToken: pending.csrfToken,
          missingPeriod: true,
        }),
      );
    }
    if (!(await ctx.store.finishRequest(form.request!, ctx.now()))) {
      return expired(reply, language);
    }
    const decided = (consent?: string) =>
      ctx.audit?.event({
        event: 'consent',
        clientId: client.clientId,
        patient: pending.patient,
        consent,
        approved: consent !== undefined,
        address: request.ip,
        recorded: ctx.now(),
      });
    if (form.decision !== 'approve') {
      await decided();
      request.log.info({ clientId: client.clientId }, 'consent denied');
      return redirectError(
        reply,
        pending.redirectUri,
        'access_denied',
        'the person did not give consent',
        pending.state,
      );
    }
    const once = form.period === 'once';
    const now = ctx.now();
    const actor = pending.loginState?.actor;
    const consent = await ctx.repository.create(
      consentRecord({
        patient: pending.patient,
        actor,
        clientId: client.clientId,
        clientName: client.name,
        dataServices: pending.scopes,
        once,
        now,
      }),
    );
    const code = newSecret();
    await ctx.store.createGrant(
      {
        consentId: consent.version.id,
        clientId: client.clientId,
        patient: pending.patient,
        actor,
        delegationConsent: actor ? pending.loginState?.delegation : undefined,
        readOnly: actor ? pending.loginState?.readOnly === 'true' : false,
        dataServices: pending.scopes,
        scope: formatScope(pending.scopes, ctx.providerName),
        once,
      },
      code,
      pending.redirectUri,
      pending.codeChallenge,
      now,
    );
    await decided(`Consent/${consent.version.id}`);
    request.log.info(
      { clientId: client.clientId, consent: consent.version.id, once, delegate: !!actor },
      'consent given',
    );
    const target = new URL(pending.redirectUri);
    target.searchParams.set('code', code);
    if (pending.state !== undefined) {
      target.searchParams.set('state', pending.state);
    }
    return reply.redirect(target.toString(), 303);
  });
}

async function loggedIn(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: OAuthContext,
  requestId: string,
  bsn: string,
  language: 'nl' | 'en',
) {
  const own = await ctx.repository.findIds('Patient', `identifier=${BSN_SYSTEM}|${bsn}`, 2);
  const delegations = await delegationsFor(ctx.repository, bsn, ctx.now());
  if (own.length > 1) {
    request.log.warn({ matches: own.length }, 'login: several client records for one BSN');
  }
  if (!delegations.length) {
    if (own.length !== 1) {
      request.log.warn({ matches: own.length }, 'login: no single client record for the BSN');
      return errorPage(reply, language, 404, {
        nl: 'Er zijn bij deze hub geen gegevens over u bekend.',
        en: 'This hub holds no data about you.',
      });
    }
    await ctx.store.setPatient(requestId, `Patient/${own[0]}`);
    await ctx.audit?.event({
      event: 'login',
      patient: `Patient/${own[0]}`,
      address: request.ip,
      recorded: ctx.now(),
    });
    return reply.redirect(`/oauth/consent?request=${requestId}`, 303);
  }
  // A delegate picks whom she acts for: herself (if she is a client here too) or a client who authorised her.
  const choices = [
    ...(own.length === 1 ? [{ key: 'self', patient: `Patient/${own[0]}` }] : []),
    ...delegations.map((d) => ({ key: d.consentId, ...d })),
  ];
  await ctx.store.setLoginState(requestId, { choices: JSON.stringify(choices) });
  return reply.redirect(`/oauth/act-for?request=${requestId}`, 303);
}

type Choice = {
  key: string;
  patient: string;
  actor?: string;
  dataServices?: string[];
  readOnly?: boolean;
  consentId?: string;
};

function choicesOf(pending: { loginState?: Record<string, string> }): Choice[] {
  return pending.loginState?.choices ? (JSON.parse(pending.loginState.choices) as Choice[]) : [];
}

async function pendingFor(request: FastifyRequest, ctx: OAuthContext, id: string | undefined) {
  return id ? ctx.store.request(id, readCookie(request.headers.cookie, SESSION_COOKIE), ctx.now()) : undefined;
}

function logCorrelation(request: FastifyRequest, step: string, clientId: string | undefined): void {
  const medmijRequestId = request.headers['medmij-request-id'];
  const correlationId = request.headers['x-correlation-id'];
  request.log.info({ step, clientId, medmijRequestId, correlationId }, 'oauth request');
}

function redirectError(
  reply: FastifyReply,
  redirectUri: string,
  error: string,
  description: string,
  state: string | undefined,
) {
  const target = new URL(redirectUri);
  target.searchParams.set('error', error);
  target.searchParams.set('error_description', description);
  if (state !== undefined) {
    target.searchParams.set('state', state);
  }
  return reply.redirect(target.toString(), 303);
}

function html(reply: FastifyReply, body: string) {
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    )
    .send(body);
}

function errorPage(reply: FastifyReply, language: 'nl' | 'en', status: number, message: { nl: string; en: string }) {
  return html(reply.status(status), renderErrorPage(language, message));
}

function expired(reply: FastifyReply, language: 'nl' | 'en') {
  return errorPage(reply, language, 400, {
    nl: 'Dit verzoek is verlopen of hoort niet bij deze browser. Begin opnieuw vanuit uw app.',
    en: 'This request has expired or does not belong to this browser. Start again from your app.',
  });
}

function sessionCookie(session: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${session}; Path=/oauth; HttpOnly; SameSite=Lax; Max-Age=600${secure ? '; Secure' : ''}`;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      return value.join('=');
    }
  }
  return undefined;
}
