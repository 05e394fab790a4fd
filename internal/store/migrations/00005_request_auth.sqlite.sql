-- +goose Up
-- Nonces of signed requests seen within the timestamp window: the primary
-- key refuses a replay, in every process on this database.
CREATE TABLE nonces (
    site_id    INTEGER NOT NULL,
    nonce      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, nonce)
);
CREATE INDEX nonces_expiry ON nonces (expires_at);

-- Application keys: a userKey with its own secret (sealed) and scopes.
CREATE TABLE app_keys (
    user_key      TEXT    PRIMARY KEY,
    site_id       INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    secret_sealed BLOB    NOT NULL,
    scopes        TEXT    NOT NULL DEFAULT '[]', -- JSON array; empty: every method
    public_key    TEXT    NOT NULL DEFAULT '',   -- PEM of an RSA key for Bearer JWTs
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX app_keys_site ON app_keys (site_id);

-- +goose Down
DROP TABLE app_keys;
DROP TABLE nonces;
