// Why: one error type for every refusal of an upstream (DigiD broker) login, with a stable `reason` that the login
// route logs and maps to one page. Messages say what was wrong and where, never whom it concerned: no BSN, no code,
// no verifier, no token ever goes into a message or a cause.

export type OidcLoginReason =
  /** The options given to OidcUpstream are unusable (e.g. an http issuer that is not on loopback). */
  | 'invalid-configuration'
  /** The caller passed an unusable state, nonce, code verifier or code. */
  | 'invalid-parameters'
  | 'discovery-failed'
  | 'jwks-failed'
  | 'token-request-failed'
  /** The id_token is not a well-formed JWS, or lacks a required claim. */
  | 'bad-id-token'
  | 'alg-not-allowed'
  /** No key of the provider's JWKS fits the token, even after fetching the JWKS again. */
  | 'unknown-key'
  | 'bad-signature'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'expired'
  | 'issued-in-future'
  | 'not-yet-valid'
  | 'nonce-mismatch'
  /** The configured BSN claim is missing, not a string, or not 9 digits passing the 11-proof. */
  | 'bad-bsn';

export class OidcLoginError extends Error {
  override readonly name = 'OidcLoginError';
  constructor(
    readonly reason: OidcLoginReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
