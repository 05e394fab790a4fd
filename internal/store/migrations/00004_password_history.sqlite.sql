-- +goose Up
-- Hashes of the passwords an account had before its current one, for the
-- security.passwordHistorySize policy.
CREATE TABLE password_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX password_history_account ON password_history (account_id, id);

-- +goose Down
DROP TABLE password_history;
