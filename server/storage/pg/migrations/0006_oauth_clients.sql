-- The registry of OAuth clients (consent/registry/): PGOs (MedMij DVPs) and system clients (EHRs, suppliers,
-- logistics providers, financiers, auditors, admins). consent/registry/client-validation.ts checks every write
-- with readable messages; the CHECK constraints below hold the structural rules again, so that no other path
-- (a manual INSERT, a future migration) can store a client the authorization server would misread.
-- A client secret is stored only as its scrypt hash (consent/registry/secret-hash.ts), never as given.
CREATE TABLE oauth_clients (
  client_id                  text        PRIMARY KEY CHECK (client_id <> ''),
  kind                       text        NOT NULL CHECK (kind IN ('pgo', 'system')),
  role                       text        CHECK (role IN ('care-provider', 'supplier', 'logistics', 'financier', 'auditor', 'admin')),
  organization_system        text,
  organization_value         text,
  -- Shown on the consent screen for PGOs.
  name                       text        NOT NULL CHECK (btrim(name) <> ''),
  -- Exact-match list.
  redirect_uris              text[]      NOT NULL DEFAULT '{}' CHECK (array_position(redirect_uris, NULL) IS NULL),
  public_client              boolean     NOT NULL,
  token_endpoint_auth_method text        NOT NULL CHECK (token_endpoint_auth_method IN ('private_key_jwt', 'client_secret_basic', 'none')),
  client_secret_hash         text        CHECK (client_secret_hash LIKE 'scrypt$%'),
  -- A JWK Set: { "keys": [...] }.
  jwks                       jsonb       CHECK (jwks IS NULL OR coalesce(jsonb_typeof(jwks -> 'keys') = 'array', false)),
  jwks_uri                   text,
  -- PGO: ids of consent/data-services.ts it may ask for; system: the scopes it may get.
  data_services              text[]      NOT NULL DEFAULT '{}' CHECK (array_position(data_services, NULL) IS NULL),
  active                     boolean     NOT NULL DEFAULT true,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),

  -- A system client has one role and one organisation identifier; a PGO has neither (its token names a person).
  CONSTRAINT oauth_clients_system_has_role_and_organization CHECK (
    kind <> 'system' OR (role IS NOT NULL AND organization_system IS NOT NULL AND organization_value IS NOT NULL)),
  CONSTRAINT oauth_clients_pgo_has_no_role CHECK (
    kind <> 'pgo' OR (role IS NULL AND organization_system IS NULL AND organization_value IS NULL)),
  -- A PGO is sent back to one of its registered redirect URIs, so it needs at least one.
  CONSTRAINT oauth_clients_pgo_has_redirect_uri CHECK (kind <> 'pgo' OR cardinality(redirect_uris) >= 1),
  -- A public client (PKCE, no client authentication) uses method none, and method none means a public client.
  CONSTRAINT oauth_clients_public_uses_none CHECK (public_client = (token_endpoint_auth_method = 'none')),
  -- A system client always authenticates.
  CONSTRAINT oauth_clients_system_is_confidential CHECK (kind <> 'system' OR NOT public_client),
  -- client_secret_basic needs a secret hash, and only client_secret_basic keeps one (changing the method drops it).
  CONSTRAINT oauth_clients_secret_basic_has_hash CHECK (
    (token_endpoint_auth_method = 'client_secret_basic') = (client_secret_hash IS NOT NULL)),
  -- private_key_jwt needs keys, inline or by URL. An inactive client may wait for them: a client imported from the
  -- MedMij OAuth client list arrives without keys and is activated once they are added.
  CONSTRAINT oauth_clients_private_key_jwt_has_keys CHECK (
    token_endpoint_auth_method <> 'private_key_jwt' OR NOT active OR jwks IS NOT NULL OR jwks_uri IS NOT NULL)
);
