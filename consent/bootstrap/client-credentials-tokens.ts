// Access tokens for a confidential client by client_credentials with client_secret_basic, kept until a minute
// before they expire: what `npm run token`, the benchmarks and the tests use to talk to a hub whose every route
// needs a token. The transport is a parameter so the tests can go through fastify's inject instead of a socket.

interface TokenResponse {
  status: number;
  body: string;
}

/** POSTs the form to the token endpoint with the given Authorization header. */
export type TokenTransport = (form: URLSearchParams, authorization: string) => Promise<TokenResponse>;

export function fetchTransport(tokenEndpoint: string): TokenTransport {
  return async (form, authorization) => {
    const response = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    return { status: response.status, body: await response.text() };
  };
}

const MARGIN_MS = 60_000;

export class ClientCredentialsTokens {
  #current: { token: string; expires: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(
    private readonly credentials: { client_id: string; client_secret: string },
    private readonly transport: TokenTransport,
    private readonly options: { scope?: string; now?: () => number } = {},
  ) {}

  /** A token valid for at least another minute. */
  async token(): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    if (this.#current && this.#current.expires - MARGIN_MS > now) {
      return this.#current.token;
    }
    this.#pending ??= this.#fetch(now).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(now: number): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.options.scope) {
      form.set('scope', this.options.scope);
    }
    // RFC 6749 2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.
    const basic = Buffer.from(
      `${encodeURIComponent(this.credentials.client_id)}:${encodeURIComponent(this.credentials.client_secret)}`,
    ).toString('base64');
    const response = await this.transport(form, `Basic ${basic}`);
    let body: { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    try {
      body = JSON.parse(response.body);
    } catch {
      throw new Error(`the token endpoint answered ${response.status} without JSON`);
    }
    if (response.status !== 200 || typeof body.access_token !== 'string') {
      throw new Error(
        `the token endpoint refused client ${this.credentials.client_id}: ${body.error ?? response.status} ${body.error_description ?? ''}`.trim(),
      );
    }
    this.#current = { token: body.access_token, expires: now + (body.expires_in ?? 300) * 1000 };
    return body.access_token;
  }
}
