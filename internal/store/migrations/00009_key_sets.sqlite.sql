-- +goose Up
-- A key set per site: one active key (retired_at NULL), which signs, and the
-- keys it replaced, which verify until the tokens they signed have expired.
-- The table is rebuilt (SQLite cannot change a primary key); every existing
-- key becomes its site's active key.
CREATE TABLE site_keys_new (
    site_id        INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kid            TEXT    NOT NULL,
    alg            TEXT    NOT NULL,
    private_sealed BLOB    NOT NULL,
    created_at     INTEGER NOT NULL, -- Unix ms
    retired_at     INTEGER,          -- Unix ms; NULL while the key signs
    PRIMARY KEY (kid)
);
INSERT INTO site_keys_new (site_id, kid, alg, private_sealed, created_at)
    SELECT site_id, kid, alg, private_sealed, created_at FROM site_keys;
DROP TABLE site_keys;
ALTER TABLE site_keys_new RENAME TO site_keys;
-- One active key per site: of processes creating a site's first key, one wins.
CREATE UNIQUE INDEX site_keys_active ON site_keys (site_id) WHERE retired_at IS NULL;
CREATE INDEX site_keys_site ON site_keys (site_id, retired_at);

-- +goose Down
CREATE TABLE site_keys_old (
    site_id        INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kid            TEXT    NOT NULL UNIQUE,
    alg            TEXT    NOT NULL,
    private_sealed BLOB    NOT NULL,
    created_at     INTEGER NOT NULL, -- Unix ms
    PRIMARY KEY (site_id)
);
INSERT INTO site_keys_old (site_id, kid, alg, private_sealed, created_at)
    SELECT site_id, kid, alg, private_sealed, created_at FROM site_keys WHERE retired_at IS NULL;
DROP TABLE site_keys;
ALTER TABLE site_keys_old RENAME TO site_keys;
