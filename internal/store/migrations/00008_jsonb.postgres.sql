-- +goose Up
-- profile and data become jsonb, so that they can be queried (and indexed)
-- by path. Existing rows are converted in place; the table is rewritten
-- under an exclusive lock. jsonb keeps its own key order and whitespace:
-- the store decodes it and nothing compares the stored text.
ALTER TABLE accounts
    ALTER COLUMN profile DROP DEFAULT,
    ALTER COLUMN data DROP DEFAULT;
ALTER TABLE accounts
    ALTER COLUMN profile TYPE jsonb USING profile::jsonb,
    ALTER COLUMN data TYPE jsonb USING data::jsonb;
ALTER TABLE accounts
    ALTER COLUMN profile SET DEFAULT '{}'::jsonb,
    ALTER COLUMN data SET DEFAULT '{}'::jsonb;

-- +goose Down
ALTER TABLE accounts
    ALTER COLUMN profile DROP DEFAULT,
    ALTER COLUMN data DROP DEFAULT;
ALTER TABLE accounts
    ALTER COLUMN profile TYPE TEXT USING profile::text,
    ALTER COLUMN data TYPE TEXT USING data::text;
ALTER TABLE accounts
    ALTER COLUMN profile SET DEFAULT '{}',
    ALTER COLUMN data SET DEFAULT '{}';
