-- +goose Up
-- Issue 14 (review H1): the exact redirect_uri values a site's social
-- redirect flows may end at, as a JSON array of strings (read whole). A
-- site without a row has none: only custos's own completion page.
CREATE TABLE social_redirect_uris (
    site_id    BIGINT  NOT NULL PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    uris       TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE social_redirect_uris;
