-- +goose Up
-- Issue 15: the operators of custos (admins), apart from the accounts of
-- sites. username is lower case; the TOTP secrets are sealed under the
-- master key (totp_secret: confirmed, NULL before enrollment; totp_pending:
-- waiting for its first code); totp_last_step is the 30-second step of the
-- last code accepted, so that no code is accepted twice.
CREATE TABLE admins (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT    NOT NULL UNIQUE,
    role           TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    totp_secret    BLOB,
    totp_pending   BLOB,
    totp_last_step INTEGER NOT NULL DEFAULT 0,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    last_login_at  INTEGER NOT NULL DEFAULT 0
);

-- Admin sessions: the token only as its SHA-256.
CREATE TABLE admin_sessions (
    token_hash   BLOB    NOT NULL PRIMARY KEY,
    admin_id     INTEGER NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id);
CREATE INDEX admin_sessions_seen ON admin_sessions (last_seen_at);

-- Failed logins by username, whether an admin of that name exists or not,
-- so that a lockout tells nothing about which usernames exist.
CREATE TABLE admin_login_failures (
    username     TEXT    NOT NULL PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0
);

-- The audit log: every change an admin (or the CLI, admin_id 0) made,
-- with the state before and after as JSON text. admin_id is no foreign key:
-- the log outlives the admin.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    admin_id    INTEGER NOT NULL,
    username    TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    before_json TEXT    NOT NULL,
    after_json  TEXT    NOT NULL
);
CREATE INDEX audit_log_admin ON audit_log (admin_id, id);
CREATE INDEX audit_log_target ON audit_log (target, id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE admin_login_failures;
DROP TABLE admin_sessions;
DROP TABLE admins;
