-- +goose Up
-- profile and data become jsonb, so that they can be queried (and indexed)
-- by path. Existing rows are converted in place; the table is rewritten
-- under an exclusive lock. jsonb keeps its own key order and whitespace:
-- the store decodes it and nothing compares the stored text.
--
-- TEXT held what jsonb refuses: the escape \u0000 (NUL), which clients could
-- send before input was checked. Such a value becomes U+FFFD in its row, so
-- that the upgrade cannot fail on old data; every other row converts as is.
-- Only an escape counts: a backslash preceded by an even number of
-- backslashes (the text "\\u0000" is an escaped backslash, then "u0000").
-- The patterns are dollar-quoted, so standard_conforming_strings does not
-- change them.

-- +goose StatementBegin
CREATE FUNCTION custos_00008_jsonb(t text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    RETURN t::jsonb;
EXCEPTION WHEN untranslatable_character OR invalid_text_representation THEN
    RETURN regexp_replace(t, $re$(?<!\\)((?:\\\\)*)\\u0000$re$, $re$\1\\ufffd$re$, 'g')::jsonb;
END;
$$;
-- +goose StatementEnd

ALTER TABLE accounts
    ALTER COLUMN profile DROP DEFAULT,
    ALTER COLUMN data DROP DEFAULT;
ALTER TABLE accounts
    ALTER COLUMN profile TYPE jsonb USING custos_00008_jsonb(profile),
    ALTER COLUMN data TYPE jsonb USING custos_00008_jsonb(data);
ALTER TABLE accounts
    ALTER COLUMN profile SET DEFAULT '{}'::jsonb,
    ALTER COLUMN data SET DEFAULT '{}'::jsonb;
DROP FUNCTION custos_00008_jsonb(text);

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
