-- +goose Up
ALTER TABLE sites ADD COLUMN policies TEXT NOT NULL DEFAULT '{}';

ALTER TABLE accounts ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN data TEXT NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN registered INTEGER NOT NULL DEFAULT 0; -- registration finalized
ALTER TABLE accounts ADD COLUMN registered_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN verified_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN password_changed_at INTEGER NOT NULL DEFAULT 0;

-- The address as the user typed it (login_id is normalized), and when an
-- email was verified.
ALTER TABLE login_ids ADD COLUMN display TEXT NOT NULL DEFAULT '';
ALTER TABLE login_ids ADD COLUMN verified_at INTEGER NOT NULL DEFAULT 0;

-- Sessions are found by the SHA-256 of their token; the token itself is
-- never stored.
CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash    BLOB    NOT NULL UNIQUE,
    secret_sealed BLOB,                -- mobile sessions: the session secret, sealed
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL     -- 0: never
);
CREATE INDEX sessions_account ON sessions (account_id);

-- One-time tokens (registration, email verification, password reset), by
-- the SHA-256 of the token.
CREATE TABLE tokens (
    token_hash BLOB    PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    email      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX tokens_account ON tokens (account_id, kind);

-- Mail waiting to be sent; the body is sealed because its links carry tokens.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    body_sealed     BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);

-- +goose Down
DROP TABLE mail_outbox;
DROP TABLE tokens;
DROP TABLE sessions;
ALTER TABLE login_ids DROP COLUMN verified_at;
ALTER TABLE login_ids DROP COLUMN display;
ALTER TABLE accounts DROP COLUMN password_changed_at;
ALTER TABLE accounts DROP COLUMN verified_at;
ALTER TABLE accounts DROP COLUMN registered_at;
ALTER TABLE accounts DROP COLUMN registered;
ALTER TABLE accounts DROP COLUMN data;
ALTER TABLE accounts DROP COLUMN profile;
ALTER TABLE accounts DROP COLUMN password_hash;
ALTER TABLE sites DROP COLUMN policies;
