-- +goose Up
-- Issue 14: the identities social providers vouch for. One row per
-- (site, provider, provider's user id) names the account it logs into; an
-- account holds at most one identity of each provider. Deleting the account
-- deletes its identities. profile is the provider's profile (a JSON object
-- as text, read whole).
CREATE TABLE identities (
    site_id        BIGINT  NOT NULL,
    provider       TEXT    NOT NULL,
    provider_uid   TEXT    NOT NULL,
    account_id     BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email          TEXT    NOT NULL DEFAULT '',
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    profile        TEXT    NOT NULL DEFAULT '{}',
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    last_login_at  BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, provider, provider_uid)
);
CREATE UNIQUE INDEX identities_account ON identities (account_id, provider);

-- The identity a social login could not attach yet: its email is a login
-- ID of another account (conflict_account_id), which the user proves to own
-- first. The row lives as long as its regToken (tokens.token_hash).
-- browser_hash is the SHA-256 of the binding cookie of the browser whose
-- redirect flow met the conflict (NULL when an API call met it): a link by
-- a redirect flow must come from that browser. A newer conflict of the
-- same identity replaces the row (pending_identities_identity).
CREATE TABLE pending_identities (
    token_hash          BYTEA   PRIMARY KEY REFERENCES tokens (token_hash) ON DELETE CASCADE,
    site_id             BIGINT  NOT NULL,
    provider            TEXT    NOT NULL,
    provider_uid        TEXT    NOT NULL,
    email               TEXT    NOT NULL DEFAULT '',
    email_verified      BOOLEAN NOT NULL DEFAULT FALSE,
    profile             TEXT    NOT NULL DEFAULT '{}',
    conflict_account_id BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at          BIGINT  NOT NULL,
    browser_hash        BYTEA   NULL
);
CREATE INDEX pending_identities_account ON pending_identities (conflict_account_id);
CREATE INDEX pending_identities_identity ON pending_identities (site_id, provider, provider_uid);

-- +goose Down
DROP TABLE pending_identities;
DROP TABLE identities;
