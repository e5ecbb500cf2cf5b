-- Invitations made through the API are attributed to the API key that made
-- them (people are in invited_by).
ALTER TABLE invitations ADD COLUMN invited_by_api_key BLOB REFERENCES api_keys(id) ON DELETE SET NULL;
CREATE INDEX invitations_api_key_inviter ON invitations (invited_by_api_key, created_at);
