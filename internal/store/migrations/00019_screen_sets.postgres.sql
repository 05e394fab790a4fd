-- +goose Up
-- Issue 13, the browser side. web_sdk_config is a JSON object the Web SDK
-- served at /js/gigya.js merges into its global configuration;
-- screen_set_scripts tells whether the stored screen-sets' javascript may
-- run in the site's pages (off: the Web SDK never runs it, and
-- /js/screenset-hooks.js does not serve it; accounts.getScreenSets still
-- answers it, as Gigya's does).
ALTER TABLE sites ADD COLUMN web_sdk_config TEXT NOT NULL DEFAULT '{}';
ALTER TABLE sites ADD COLUMN screen_set_scripts BOOLEAN NOT NULL DEFAULT FALSE;

-- A site's screen-sets (accounts.setScreenSet): markup, stylesheet, hooks,
-- translations {lang: {KEY: text}} and metadata (JSON objects as text: they
-- are read whole, never queried into). A site without a row of a built-in
-- id (Default-RegistrationLogin …) is answered the built-in one.
CREATE TABLE screen_sets (
    site_id       BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    screen_set_id TEXT    NOT NULL,
    html          TEXT    NOT NULL,
    css           TEXT    NOT NULL,
    javascript    TEXT    NOT NULL,
    translations  TEXT    NOT NULL,
    metadata      TEXT    NOT NULL,
    updated_at    BIGINT  NOT NULL,
    PRIMARY KEY (site_id, screen_set_id)
);

-- +goose Down
DROP TABLE screen_sets;
ALTER TABLE sites DROP COLUMN screen_set_scripts;
ALTER TABLE sites DROP COLUMN web_sdk_config;
