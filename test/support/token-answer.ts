// The token endpoint's JSON answer (consent/oauth/token-routes.ts), as the tests read it.

/** The tokens when the endpoint grants (RFC 6749 §5.1, with SMART's patient), `error` when it refuses (§5.2). */
export interface TokenAnswer {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
  patient?: string;
  refresh_token?: string;
  error?: string;
  error_description?: string;
}
