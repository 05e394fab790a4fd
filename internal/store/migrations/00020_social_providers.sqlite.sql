-- +goose Up
-- Issue 14: each site's social login providers. config is the provider's
-- configuration as a JSON object (preset, kind, clientID, issuer,
-- endpoints, scopes, claims, enabled: read whole, never queried into);
-- secret_sealed is the client secret sealed under the master key (NULL:
-- none).
CREATE TABLE social_providers (
    site_id       INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    config        TEXT    NOT NULL,
    secret_sealed BLOB,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (site_id, name)
);

-- Redirect flows under way, by the SHA-256 of their state: taken (deleted)
-- once by the callback; the expired ones purged. The PKCE verifier is
-- sealed (it is sent to the provider at the end), the nonce hashed.
CREATE TABLE social_attempts (
    state_hash      BLOB NOT NULL PRIMARY KEY,
    site_id         INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    provider        TEXT    NOT NULL,
    callback_url    TEXT    NOT NULL,
    verifier_sealed BLOB NOT NULL,
    nonce_hash      BLOB,
    return_to       TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX social_attempts_expiry ON social_attempts (expires_at);

-- +goose Down
DROP TABLE social_attempts;
DROP TABLE social_providers;
