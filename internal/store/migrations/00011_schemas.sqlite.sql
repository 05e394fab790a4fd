-- +goose Up
-- Site schemas (issue 9): the schema of each site, as JSON ('' until the site
-- sets one); the consents and subscriptions of accounts, JSON objects like
-- profile and data; and the values of the fields a schema marks unique.
ALTER TABLE sites ADD COLUMN schema TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN preferences TEXT NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN subscriptions TEXT NOT NULL DEFAULT '{}';

-- One row per value of a unique field (its dotted path, such as
-- "data.memberId") that an account holds, in canonical form; the primary key
-- is what makes a value unique within a site.
CREATE TABLE unique_values (
    site_id    INTEGER NOT NULL,
    field      TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (site_id, field, value)
);
CREATE INDEX unique_values_account ON unique_values (account_id);

-- +goose Down
DROP TABLE unique_values;
ALTER TABLE accounts DROP COLUMN subscriptions;
ALTER TABLE accounts DROP COLUMN preferences;
ALTER TABLE sites DROP COLUMN schema;
