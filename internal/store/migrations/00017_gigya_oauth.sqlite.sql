-- +goose Up
-- Gigya's own OAuth 2.0 (socialize.getToken). Authorization codes, by the
-- SHA-256 of the code: exchanged once (used_at), within a short life; kept
-- until they expire so that a second use is recognised and revokes the
-- token issued from the first.
CREATE TABLE gigya_codes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash    BLOB    NOT NULL UNIQUE,
    site_id      INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER             -- NULL: unused
);
CREATE INDEX gigya_codes_expiry ON gigya_codes (expires_at);

-- Access tokens, by the SHA-256 of the token: a server token (account_id
-- NULL) or a user's, issued with the site's secret (user_key NULL) or an
-- application key's, maybe from a code (code_id). secret_tag is a
-- fingerprint of the site secret a token of the site's secret stands for:
-- once the secret is rotated, the token no longer matches it.
CREATE TABLE gigya_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash BLOB    NOT NULL UNIQUE,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    user_key   TEXT    REFERENCES app_keys (user_key) ON DELETE CASCADE,
    code_id    INTEGER REFERENCES gigya_codes (id) ON DELETE SET NULL,
    secret_tag BLOB,                -- NULL: issued to an application key
    created_at INTEGER NOT NULL,
    expires_at INTEGER,             -- NULL: never
    revoked_at INTEGER              -- NULL: live
);
CREATE INDEX gigya_tokens_expiry ON gigya_tokens (expires_at);
CREATE INDEX gigya_tokens_code ON gigya_tokens (code_id);
CREATE INDEX gigya_tokens_account ON gigya_tokens (account_id);
CREATE INDEX gigya_tokens_user_key ON gigya_tokens (user_key);

-- +goose Down
DROP TABLE gigya_tokens;
DROP TABLE gigya_codes;
