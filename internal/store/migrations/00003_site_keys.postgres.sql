-- +goose Up
-- The JWT signing key of each site (one per site for now). The private key is
-- PKCS#8 DER sealed under the master key (secretbox, bound to the site id).
CREATE TABLE site_keys (
    site_id        BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kid            TEXT   NOT NULL UNIQUE,
    alg            TEXT   NOT NULL,
    private_sealed BYTEA  NOT NULL,
    created_at     BIGINT NOT NULL, -- Unix ms
    PRIMARY KEY (site_id)
);

-- +goose Down
DROP TABLE site_keys;
