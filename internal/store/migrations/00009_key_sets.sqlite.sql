-- +goose Up
-- A key set per site: a chain of keys, each signing from its activate_at until
-- the next one activates (retired_at, NULL for the newest key). A rotated-in key
-- is published before it activates. The table is rebuilt (SQLite cannot change
-- a primary key); every existing key becomes its site's first key, signing
-- since it was made.
CREATE TABLE site_keys_new (
    site_id        INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kid            TEXT    NOT NULL,
    alg            TEXT    NOT NULL,
    private_sealed BLOB    NOT NULL,
    created_at     INTEGER NOT NULL, -- Unix ms
    activate_at    INTEGER NOT NULL, -- Unix ms; signs from then
    retired_at     INTEGER,          -- Unix ms; NULL for the newest key
    PRIMARY KEY (kid)
);
INSERT INTO site_keys_new (site_id, kid, alg, private_sealed, created_at, activate_at)
    SELECT site_id, kid, alg, private_sealed, created_at, created_at FROM site_keys;
DROP TABLE site_keys;
ALTER TABLE site_keys_new RENAME TO site_keys;
-- One newest key per site: of processes creating a site's first key, one wins.
CREATE UNIQUE INDEX site_keys_newest ON site_keys (site_id) WHERE retired_at IS NULL;
CREATE INDEX site_keys_site ON site_keys (site_id, activate_at);

-- +goose Down
-- One key per site again: the one that signs now, the latest activated (a
-- pending key has published but never signed), or, were none activated, the
-- first to activate.
CREATE TABLE site_keys_old (
    site_id        INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kid            TEXT    NOT NULL UNIQUE,
    alg            TEXT    NOT NULL,
    private_sealed BLOB    NOT NULL,
    created_at     INTEGER NOT NULL, -- Unix ms
    PRIMARY KEY (site_id)
);
INSERT INTO site_keys_old (site_id, kid, alg, private_sealed, created_at)
    SELECT site_id, kid, alg, private_sealed, created_at FROM site_keys k WHERE k.kid = (
        SELECT s.kid FROM site_keys s, (SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS ms) AS cur
        WHERE s.site_id = k.site_id
        ORDER BY s.activate_at > cur.ms, CASE WHEN s.activate_at > cur.ms THEN s.activate_at ELSE -s.activate_at END, s.kid
        LIMIT 1);
DROP TABLE site_keys;
ALTER TABLE site_keys_old RENAME TO site_keys;
