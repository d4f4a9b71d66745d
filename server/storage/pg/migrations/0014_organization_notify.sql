-- Client directives name their recipient by Organization (its id, identifier or organisation-role category), and
-- the hub keeps the directives naming a caller between requests (consent/policy/directive-source.ts). A change to
-- an Organization is announced on the same channel as the changes 0012 announces (consent/consent-changes.ts).
CREATE TRIGGER organization_standing AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Organization"
  FOR EACH STATEMENT EXECUTE FUNCTION hub_standing_changed();
