-- +goose Up
-- Issue 14 (review M1): the id_tokens a native social login
-- (accounts.notifySocialLogin, a Social ID sign-in) used, by their SHA-256,
-- until they expire: a second use is refused. Purged once expired.
CREATE TABLE social_used_tokens (
    token_hash BLOB NOT NULL PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX social_used_tokens_expiry ON social_used_tokens (expires_at);

-- +goose Down
DROP TABLE social_used_tokens;
