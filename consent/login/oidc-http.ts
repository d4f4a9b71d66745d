// Why: every call to the OpenID provider (discovery, JWKS, token) goes through here, so each one has a timeout,
// refuses redirects (a back-channel call that redirects is a misconfiguration, and following it could carry the
// client secret elsewhere), caps the body, and fails with one reason and a message that names the step and the URL,
// never the request body (code, verifier, secret) nor the response body (tokens, claims).
import { OidcLoginError, type OidcLoginReason } from './oidc-error.js';

export const FETCH_TIMEOUT_MS = 5_000;
/** Discovery documents, JWK sets and token responses are a few kB; anything near this is not one of them. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpSettings {
  fetch: typeof fetch;
  timeoutMs: number;
}

export interface Step {
  /** What is being done, for the message: "discovery", "JWKS", "token request". */
  name: string;
  /** The reason of every failure of this step. */
  reason: OidcLoginReason;
}

export interface JsonResponse {
  status: number;
  ok: boolean;
  /** The body when it is a JSON object, else undefined (not JSON, an array, empty). */
  json: Record<string, unknown> | undefined;
}

export async function fetchJson(http: HttpSettings, url: string, init: RequestInit, step: Step): Promise<JsonResponse> {
  const fail = (detail: string, cause?: unknown) =>
    new OidcLoginError(step.reason, `${step.name} ${detail} (${url})`, cause === undefined ? undefined : { cause });
  let text: string;
  let response: Response;
  try {
    response = await http.fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(http.timeoutMs) });
    text = await readLimited(response);
  } catch (err) {
    if (err instanceof TooLarge) {
      throw fail(err.message);
    }
    if (isTimeout(err)) {
      throw fail(`timed out after ${http.timeoutMs} ms`);
    }
    throw fail(`failed: ${describe(err)}`, err);
  }
  return { status: response.status, ok: response.ok, json: parseJsonObject(text) };
}

class TooLarge extends Error {}

async function readLimited(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw new TooLarge(`answered with ${declared} bytes, more than ${MAX_BODY_BYTES}`);
  }
  if (!response.body) {
    return '';
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new TooLarge(`answered with more than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || (err.name === 'AbortError' && isTimeout(err.cause)));
}

/** undici reports "fetch failed" and puts the useful part (ECONNREFUSED, "unexpected redirect") in the cause. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const detail =
    typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail ? `${err.message}: ${detail}` : err.message;
}

/** Provider-chosen text (error_description) goes into our messages only short and without control characters. */
export function providerText(value: unknown): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is replaced
  return typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 200) : undefined;
}
