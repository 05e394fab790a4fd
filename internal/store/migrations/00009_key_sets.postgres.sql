-- +goose Up
-- A key set per site: a chain of keys, each signing from its activate_at until
-- the next one activates (retired_at, NULL for the newest key). A rotated-in key
-- is published before it activates. Every existing key becomes its site's first
-- key, signing since it was made.
ALTER TABLE site_keys DROP CONSTRAINT site_keys_pkey;
ALTER TABLE site_keys DROP CONSTRAINT site_keys_kid_key;
ALTER TABLE site_keys ADD COLUMN activate_at BIGINT; -- Unix ms; signs from then
ALTER TABLE site_keys ADD COLUMN retired_at BIGINT;  -- Unix ms; NULL for the newest key
UPDATE site_keys SET activate_at = created_at;
ALTER TABLE site_keys ALTER COLUMN activate_at SET NOT NULL;
ALTER TABLE site_keys ADD PRIMARY KEY (kid);
-- One newest key per site: of processes creating a site's first key, one wins.
CREATE UNIQUE INDEX site_keys_newest ON site_keys (site_id) WHERE retired_at IS NULL;
CREATE INDEX site_keys_site ON site_keys (site_id, activate_at);

-- +goose Down
-- One key per site again: the one that signs now, the latest activated (a
-- pending key has published but never signed), or, were none activated, the
-- first to activate.
DROP INDEX site_keys_site;
DROP INDEX site_keys_newest;
DELETE FROM site_keys k WHERE k.kid <> (
    SELECT s.kid FROM site_keys s, (SELECT (extract(epoch FROM now()) * 1000)::bigint AS ms) AS cur
    WHERE s.site_id = k.site_id
    ORDER BY s.activate_at > cur.ms, CASE WHEN s.activate_at > cur.ms THEN s.activate_at ELSE -s.activate_at END, s.kid
    LIMIT 1);
ALTER TABLE site_keys DROP CONSTRAINT site_keys_pkey;
ALTER TABLE site_keys DROP COLUMN retired_at;
ALTER TABLE site_keys DROP COLUMN activate_at;
ALTER TABLE site_keys ADD PRIMARY KEY (site_id);
ALTER TABLE site_keys ADD CONSTRAINT site_keys_kid_key UNIQUE (kid);
