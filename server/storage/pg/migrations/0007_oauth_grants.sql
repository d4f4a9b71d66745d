-- The state of the OAuth flows (consent/oauth/). Only hashes of codes and tokens are stored.

-- An authorization request between /oauth/authorize and the consent decision: who asked, for what, and the browser
-- session (a cookie) that must come back with the decision.
CREATE TABLE oauth_requests (
  id_hash text PRIMARY KEY,
  client_id text NOT NULL,
  redirect_uri text NOT NULL,
  scopes text[] NOT NULL,
  state text,
  code_challenge text,
  session_hash text NOT NULL,
  csrf_token text NOT NULL,
  patient text,
  login_state jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  finished_at timestamptz
);

-- A grant: one approval by a person, resting on one Consent resource. Every token issued under it names the
-- Consent; revoking the grant (code replay, refresh token reuse, revocation) stops them all at once.
CREATE TABLE oauth_grants (
  consent_id text PRIMARY KEY,
  client_id text NOT NULL,
  patient text NOT NULL,
  actor text,
  data_services text[] NOT NULL,
  scope text NOT NULL,
  once boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoked_reason text
);

CREATE TABLE oauth_codes (
  code_hash text PRIMARY KEY,
  consent_id text NOT NULL REFERENCES oauth_grants (consent_id),
  client_id text NOT NULL,
  redirect_uri text NOT NULL,
  code_challenge text,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- Rotating refresh tokens: each use replaces the token; a replaced one presented again revokes the grant.
CREATE TABLE oauth_refresh_tokens (
  token_hash text PRIMARY KEY,
  consent_id text NOT NULL REFERENCES oauth_grants (consent_id),
  client_id text NOT NULL,
  scope text NOT NULL,
  last_used_at timestamptz NOT NULL DEFAULT now(),
  replaced_at timestamptz
);
CREATE INDEX oauth_refresh_tokens_consent ON oauth_refresh_tokens (consent_id);

-- Access tokens revoked one by one (POST /oauth/revoke), kept until they would have expired anyway.
CREATE TABLE oauth_revoked_tokens (
  jti text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
