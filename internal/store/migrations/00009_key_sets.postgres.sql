-- +goose Up
-- A key set per site: one active key (retired_at NULL), which signs, and the
-- keys it replaced, which verify until the tokens they signed have expired.
-- Every existing key becomes its site's active key.
ALTER TABLE site_keys DROP CONSTRAINT site_keys_pkey;
ALTER TABLE site_keys DROP CONSTRAINT site_keys_kid_key;
ALTER TABLE site_keys ADD COLUMN retired_at BIGINT; -- Unix ms; NULL while the key signs
ALTER TABLE site_keys ADD PRIMARY KEY (kid);
-- One active key per site: of processes creating a site's first key, one wins.
CREATE UNIQUE INDEX site_keys_active ON site_keys (site_id) WHERE retired_at IS NULL;
CREATE INDEX site_keys_site ON site_keys (site_id, retired_at);

-- +goose Down
DROP INDEX site_keys_site;
DROP INDEX site_keys_active;
DELETE FROM site_keys WHERE retired_at IS NOT NULL;
ALTER TABLE site_keys DROP CONSTRAINT site_keys_pkey;
ALTER TABLE site_keys DROP COLUMN retired_at;
ALTER TABLE site_keys ADD PRIMARY KEY (site_id);
ALTER TABLE site_keys ADD CONSTRAINT site_keys_kid_key UNIQUE (kid);
