-- Delegation (machtigen): a grant made by a delegate rests also on the delegation Consent of the client who
-- authorised her; withdrawing that Consent stops the grant's tokens too. A delegation without "correct" in its
-- actions lets the delegate read only.
ALTER TABLE oauth_grants ADD COLUMN delegation_consent text;
ALTER TABLE oauth_grants ADD COLUMN read_only boolean NOT NULL DEFAULT false;
