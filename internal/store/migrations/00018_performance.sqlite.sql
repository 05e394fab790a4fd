-- +goose Up
-- Issue 16. The purge (store.Purge) deletes expired rows a batch at a time,
-- each batch found through an index on its expiry column. These are the
-- indexes it lacked; without them every purge read the whole table, and
-- with a million expired sessions held the writer for seconds.
-- A session with expires_at 0 never expires: the index leaves it out.
CREATE INDEX sessions_expires ON sessions (expires_at) WHERE expires_at > 0;
CREATE INDEX tokens_expires ON tokens (expires_at);
CREATE INDEX gigya_tokens_revoked ON gigya_tokens (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX ip_failures_window ON ip_failures (window_start);
CREATE INDEX site_keys_retired ON site_keys (retired_at) WHERE retired_at IS NOT NULL;

-- Tables keyed by their natural key become WITHOUT ROWID: the table is the
-- B-tree of its primary key, instead of a rowid table plus an index that
-- repeats the key (31 MiB per million login IDs); a lookup by the key
-- descends one B-tree instead of two, a write touches one fewer. Their other
-- index grows (its entries end with the key instead of a rowid): for
-- login_ids, 14 MiB less in all per million (docs/benchmarks.md). Their rows
-- are small, which is when WITHOUT ROWID pays. Nothing references these
-- tables, so each is rebuilt and renamed in place, its rows kept.
CREATE TABLE login_ids_new (
    site_id     INTEGER NOT NULL,
    login_id    TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('email', 'username')),
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    display     TEXT    NOT NULL DEFAULT '',
    verified_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, login_id)
) WITHOUT ROWID;
INSERT INTO login_ids_new (site_id, login_id, kind, account_id, display, verified_at)
    SELECT site_id, login_id, kind, account_id, display, verified_at FROM login_ids;
DROP TABLE login_ids;
ALTER TABLE login_ids_new RENAME TO login_ids;
CREATE INDEX login_ids_account ON login_ids (account_id);

-- One row per signed request (a nonce is used once).
CREATE TABLE nonces_new (
    site_id    INTEGER NOT NULL,
    nonce      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, nonce)
) WITHOUT ROWID;
INSERT INTO nonces_new (site_id, nonce, expires_at) SELECT site_id, nonce, expires_at FROM nonces;
DROP TABLE nonces;
ALTER TABLE nonces_new RENAME TO nonces;
CREATE INDEX nonces_expiry ON nonces (expires_at);

CREATE TABLE unique_values_new (
    site_id    INTEGER NOT NULL,
    field      TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (site_id, field, value)
) WITHOUT ROWID;
INSERT INTO unique_values_new (site_id, field, value, account_id) SELECT site_id, field, value, account_id FROM unique_values;
DROP TABLE unique_values;
ALTER TABLE unique_values_new RENAME TO unique_values;
CREATE INDEX unique_values_account ON unique_values (account_id);

-- +goose Down
CREATE TABLE unique_values_old (
    site_id    INTEGER NOT NULL,
    field      TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (site_id, field, value)
);
INSERT INTO unique_values_old (site_id, field, value, account_id) SELECT site_id, field, value, account_id FROM unique_values;
DROP TABLE unique_values;
ALTER TABLE unique_values_old RENAME TO unique_values;
CREATE INDEX unique_values_account ON unique_values (account_id);

CREATE TABLE nonces_old (
    site_id    INTEGER NOT NULL,
    nonce      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, nonce)
);
INSERT INTO nonces_old (site_id, nonce, expires_at) SELECT site_id, nonce, expires_at FROM nonces;
DROP TABLE nonces;
ALTER TABLE nonces_old RENAME TO nonces;
CREATE INDEX nonces_expiry ON nonces (expires_at);

CREATE TABLE login_ids_old (
    site_id     INTEGER NOT NULL,
    login_id    TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('email', 'username')),
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    display     TEXT    NOT NULL DEFAULT '',
    verified_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, login_id)
);
INSERT INTO login_ids_old (site_id, login_id, kind, account_id, display, verified_at)
    SELECT site_id, login_id, kind, account_id, display, verified_at FROM login_ids;
DROP TABLE login_ids;
ALTER TABLE login_ids_old RENAME TO login_ids;
CREATE INDEX login_ids_account ON login_ids (account_id);

DROP INDEX site_keys_retired;
DROP INDEX ip_failures_window;
DROP INDEX gigya_tokens_revoked;
DROP INDEX tokens_expires;
DROP INDEX sessions_expires;
