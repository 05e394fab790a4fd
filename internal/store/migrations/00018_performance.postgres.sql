-- +goose Up
-- Issue 16. The purge (store.Purge) deletes expired rows a batch at a time,
-- each batch found through an index on its expiry column. These are the
-- indexes it lacked; without them every purge read the whole table.
-- A session with expires_at 0 never expires: the index leaves it out.
-- (Built in the migration's transaction, which blocks writes to the table
-- while it builds: a migration runs before the server serves.)
CREATE INDEX sessions_expires ON sessions (expires_at) WHERE expires_at > 0;
CREATE INDEX tokens_expires ON tokens (expires_at);
CREATE INDEX gigya_tokens_revoked ON gigya_tokens (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX ip_failures_window ON ip_failures (window_start);
CREATE INDEX site_keys_retired ON site_keys (retired_at) WHERE retired_at IS NOT NULL;

-- SQLite's step makes login_ids, nonces and unique_values WITHOUT ROWID
-- tables, which drops its copy of their key. PostgreSQL has no such choice
-- and needs none: a table is always a heap, and its primary key is the one
-- index on the key (there is no rowid index beside it to drop), so these
-- tables already hold each key twice at most: in the row and in the primary
-- key. None of their other indexes repeats it (login_ids_account,
-- nonces_expiry and unique_values_account serve the account's cascade, the
-- purge and the account's listing).

-- +goose Down
DROP INDEX site_keys_retired;
DROP INDEX ip_failures_window;
DROP INDEX gigya_tokens_revoked;
DROP INDEX tokens_expires;
DROP INDEX sessions_expires;
