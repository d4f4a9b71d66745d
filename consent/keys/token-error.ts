// Why a JWT the hub verifies (its own access tokens) was refused, as a stable `reason` code: the resource server
// answers every one with 401 invalid_token, and the code goes to the log and the audit trail, not to the caller.

export type TokenErrorReason =
  /** Not a compact JWS with JSON header and payload, or a required header field is missing. */
  | 'malformed'
  /** `alg` is none, HS*, or any algorithm other than that of the key named by `kid`. */
  | 'unsupported-alg'
  /** `kid` names no key of the hub (never a key from the token itself: `jwk`, `jku`, `x5c` are ignored). */
  | 'unknown-key'
  | 'bad-signature'
  /** `typ` is not the one asked for (RFC 9068: `at+jwt`), so an id token or assertion cannot pass as access token. */
  | 'wrong-type'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-issuer'
  | 'wrong-audience'
  /** A claim is missing, of the wrong type, or does not fit the token's kind (person, delegate, system). */
  | 'invalid-claims';

export class TokenError extends Error {
  override name = 'TokenError';

  constructor(
    readonly reason: TokenErrorReason,
    message: string,
  ) {
    super(message);
  }
}
