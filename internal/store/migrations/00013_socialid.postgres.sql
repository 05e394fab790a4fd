-- +goose Up
-- GET /users of the REST dialect lists a site's accounts in id order, a page
-- at a time.
CREATE INDEX accounts_site ON accounts (site_id, id);

-- The user token of an account (PUT /users/:id/token of the REST dialect):
-- a session, one per account. A new one ends the session recorded before;
-- the row goes with its account or its session.
CREATE TABLE user_tokens (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    session_id BIGINT NOT NULL UNIQUE REFERENCES sessions (id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE user_tokens;
DROP INDEX accounts_site;
