-- +goose Up
-- Issue 14 (review H2): an identity is of a provider's user space, not of
-- its name alone: issuer is package social's key of it (the OpenID issuer,
-- or an OAuth 2.0 provider's userinfo origin, and the claim of the user id),
-- part of the primary key, so that a provider name given another issuer
-- does not log its users into the old issuer's accounts. Rows made before
-- have '' and are unusable (no provider's key is ''), as are those of a
-- deleted provider until one of the same issuer returns.
ALTER TABLE identities ADD COLUMN issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE identities DROP CONSTRAINT identities_pkey;
ALTER TABLE identities ADD PRIMARY KEY (site_id, provider, issuer, provider_uid);
ALTER TABLE pending_identities ADD COLUMN issuer TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE pending_identities DROP COLUMN issuer;
DELETE FROM identities WHERE issuer <> '';
ALTER TABLE identities DROP CONSTRAINT identities_pkey;
ALTER TABLE identities DROP COLUMN issuer;
ALTER TABLE identities ADD PRIMARY KEY (site_id, provider, provider_uid);
