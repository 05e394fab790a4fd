-- +goose Up
-- custos as an OAuth 2.0 authorization server and OpenID Provider (package
-- oauth). JSON lists and documents are TEXT; times are Unix milliseconds,
-- 0 for none where NOT NULL, NULL for an event that has not happened.

-- A site's relying parties. client_id is what a relying party sends,
-- unique within its site; secret_hash is the SHA-256 of a confidential
-- client's secret, NULL for a public client.
CREATE TABLE oauth_clients (
    id                        INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id                   INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    client_id                 TEXT    NOT NULL,
    name                      TEXT    NOT NULL,
    secret_hash               BLOB,
    redirect_uris             TEXT    NOT NULL,
    post_logout_redirect_uris TEXT    NOT NULL,
    response_types            TEXT    NOT NULL,
    grant_types               TEXT    NOT NULL,
    scopes                    TEXT    NOT NULL,
    require_consent           INTEGER NOT NULL DEFAULT 0,
    created_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL,
    UNIQUE (site_id, client_id)
);

-- A site's provider configuration (fidm.oidc.op.setConfig), one JSON
-- document; no row: the defaults.
CREATE TABLE oauth_configs (
    site_id    INTEGER NOT NULL PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    config     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Authorization requests between authorize and the code, and the code
-- (by its SHA-256), kept until expires_at so that a second use of the code
-- is recognised. request is what the relying party asked for (JSON).
CREATE TABLE oauth_auth_requests (
    id              TEXT    NOT NULL PRIMARY KEY,
    site_id         INTEGER NOT NULL,
    client_id       TEXT    NOT NULL,
    request         TEXT    NOT NULL,
    account_id      INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    subject         TEXT    NOT NULL DEFAULT '',
    auth_time       INTEGER NOT NULL DEFAULT 0,
    amr             TEXT    NOT NULL DEFAULT '[]',
    done            INTEGER NOT NULL DEFAULT 0,
    code_hash       BLOB,
    code_expires_at INTEGER NOT NULL DEFAULT 0,
    code_used_at    INTEGER,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    FOREIGN KEY (site_id, client_id) REFERENCES oauth_clients (site_id, client_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX oauth_auth_requests_code ON oauth_auth_requests (code_hash);
CREATE INDEX oauth_auth_requests_client ON oauth_auth_requests (site_id, client_id);
CREATE INDEX oauth_auth_requests_account ON oauth_auth_requests (account_id);
CREATE INDEX oauth_auth_requests_expires ON oauth_auth_requests (expires_at);

-- Issued tokens: a row an access token (id: its jti) with the refresh
-- token issued with it, if any (by its SHA-256). family_id ties the rows of
-- one grant together across rotations, so that a reused refresh token or
-- code revokes them all. account_id is NULL for client_credentials. A row
-- goes once both its access and its refresh token have expired.
CREATE TABLE oauth_tokens (
    id                 TEXT    NOT NULL PRIMARY KEY,
    site_id            INTEGER NOT NULL,
    client_id          TEXT    NOT NULL,
    account_id         INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    subject            TEXT    NOT NULL,
    scopes             TEXT    NOT NULL,
    audience           TEXT    NOT NULL,
    auth_time          INTEGER NOT NULL,
    amr                TEXT    NOT NULL,
    family_id          TEXT    NOT NULL,
    auth_request_id    TEXT    NOT NULL DEFAULT '',
    refresh_hash       BLOB,
    refresh_used_at    INTEGER,
    expires_at         INTEGER NOT NULL,
    refresh_expires_at INTEGER NOT NULL DEFAULT 0,
    revoked_at         INTEGER,
    created_at         INTEGER NOT NULL,
    FOREIGN KEY (site_id, client_id) REFERENCES oauth_clients (site_id, client_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX oauth_tokens_refresh ON oauth_tokens (refresh_hash);
CREATE INDEX oauth_tokens_client ON oauth_tokens (site_id, client_id);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id);
CREATE INDEX oauth_tokens_family ON oauth_tokens (family_id);
CREATE INDEX oauth_tokens_auth_request ON oauth_tokens (auth_request_id);
CREATE INDEX oauth_tokens_expires ON oauth_tokens (expires_at);
CREATE INDEX oauth_tokens_refresh_expires ON oauth_tokens (refresh_expires_at);

-- The scopes an account consented to give a client (a union over time).
CREATE TABLE oauth_consents (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    site_id    INTEGER NOT NULL,
    client_id  TEXT    NOT NULL,
    scopes     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, site_id, client_id),
    FOREIGN KEY (site_id, client_id) REFERENCES oauth_clients (site_id, client_id) ON DELETE CASCADE
);
CREATE INDEX oauth_consents_client ON oauth_consents (site_id, client_id);

-- +goose Down
DROP TABLE oauth_consents;
DROP TABLE oauth_tokens;
DROP TABLE oauth_auth_requests;
DROP TABLE oauth_configs;
DROP TABLE oauth_clients;
