-- Whether an access token still stands (consent/oauth/oauth-store.ts tokenStands) depends on three tables: the
-- grant (revoked, read-only, its delegation), the Consents it rests on, and the individually revoked tokens. The
-- hub keeps the answer between requests (consent/oauth/standing-cache.ts) and drops everything it keeps when one
-- of them changes: these triggers tell every hub process listening on 'zorghub_standing', on commit, whatever
-- made the change (the hub, another hub process, or SQL by hand). NOTIFY within one transaction is sent once.
CREATE FUNCTION hub_standing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('zorghub_standing', '');
  RETURN NULL;
END $$;

CREATE TRIGGER oauth_grants_standing AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON oauth_grants
  FOR EACH STATEMENT EXECUTE FUNCTION hub_standing_changed();
CREATE TRIGGER oauth_revoked_tokens_standing AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON oauth_revoked_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION hub_standing_changed();
CREATE TRIGGER consent_standing AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Consent"
  FOR EACH STATEMENT EXECUTE FUNCTION hub_standing_changed();
