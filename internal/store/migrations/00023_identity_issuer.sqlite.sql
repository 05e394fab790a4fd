-- +goose Up
-- Issue 14 (review H2): an identity is of a provider's user space, not of
-- its name alone: issuer is package social's key of it (the OpenID issuer,
-- or an OAuth 2.0 provider's userinfo origin, and the claim of the user id),
-- part of the primary key, so that a provider name given another issuer
-- does not log its users into the old issuer's accounts. Rows made before
-- have '' and are unusable (no provider's key is ''), as are those of a
-- deleted provider until one of the same issuer returns. SQLite changes a
-- primary key by making the table again.
CREATE TABLE identities_new (
    site_id        INTEGER NOT NULL,
    provider       TEXT    NOT NULL,
    provider_uid   TEXT    NOT NULL,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email          TEXT    NOT NULL DEFAULT '',
    email_verified INTEGER NOT NULL DEFAULT 0,
    profile        TEXT    NOT NULL DEFAULT '{}',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    last_login_at  INTEGER NOT NULL DEFAULT 0,
    issuer         TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (site_id, provider, issuer, provider_uid)
) WITHOUT ROWID;
INSERT INTO identities_new (site_id, provider, provider_uid, account_id, email, email_verified, profile, created_at,
    updated_at, last_login_at)
SELECT site_id, provider, provider_uid, account_id, email, email_verified, profile, created_at, updated_at,
    last_login_at FROM identities;
DROP TABLE identities;
ALTER TABLE identities_new RENAME TO identities;
CREATE UNIQUE INDEX identities_account ON identities (account_id, provider);
ALTER TABLE pending_identities ADD COLUMN issuer TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE pending_identities DROP COLUMN issuer;
CREATE TABLE identities_old (
    site_id        INTEGER NOT NULL,
    provider       TEXT    NOT NULL,
    provider_uid   TEXT    NOT NULL,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email          TEXT    NOT NULL DEFAULT '',
    email_verified INTEGER NOT NULL DEFAULT 0,
    profile        TEXT    NOT NULL DEFAULT '{}',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    last_login_at  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, provider, provider_uid)
) WITHOUT ROWID;
INSERT INTO identities_old SELECT site_id, provider, provider_uid, account_id, email, email_verified, profile,
    created_at, updated_at, last_login_at FROM identities WHERE issuer = '';
DROP TABLE identities;
ALTER TABLE identities_old RENAME TO identities;
CREATE UNIQUE INDEX identities_account ON identities (account_id, provider);
