-- +goose Up
CREATE TABLE sites (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    api_key       TEXT    NOT NULL UNIQUE,
    secret_sealed BLOB    NOT NULL,
    domains       TEXT    NOT NULL DEFAULT '[]', -- JSON array of host names
    created_at    INTEGER NOT NULL,              -- Unix ms
    updated_at    INTEGER NOT NULL
);

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id        INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    uid            TEXT    NOT NULL,
    username       TEXT,
    email          TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    email_verified INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    last_login_at  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (site_id, uid)
);

-- One row per normalized email or username; the primary key is what makes a
-- login ID unique within a site.
CREATE TABLE login_ids (
    site_id    INTEGER NOT NULL,
    login_id   TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('email', 'username')),
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (site_id, login_id)
);
CREATE INDEX login_ids_account ON login_ids (account_id);

-- +goose Down
DROP TABLE login_ids;
DROP TABLE accounts;
DROP TABLE sites;
