-- +goose Up
-- accounts.search (issue 11): the words of each account's objects, so that
-- `contains` on profile, data, preferences or subscriptions looks its words
-- up in a GIN index instead of reading every account of a site, as the FTS5
-- index does on SQLite. It only narrows: the query still checks the exact,
-- case-sensitive words of the field it names (package search). The words
-- are the runs of letters and digits ([[:alnum:]], in the database's
-- locale) of the objects' JSON text, JSON escapes (\n, \", \u0001 …) taken
-- as separators; keys are words too (more matches to check, none missed).
-- 'simple': lower case, no stop words, no stemming; words of 2047 bytes or
-- more are left out (the compiler does not use the index for those).
-- Generated, so that every write keeps it; not compared with SQLite's
-- schema (schema_test.go).
ALTER TABLE accounts ADD COLUMN words tsvector GENERATED ALWAYS AS (to_tsvector('simple', regexp_replace(
    profile::text || ' ' || data::text || ' ' || preferences::text || ' ' || subscriptions::text,
    '\\(u[0-9a-fA-F]{4}|.)|[^[:alnum:]]', ' ', 'g'))) STORED;

CREATE INDEX accounts_words ON accounts USING gin (words);

-- +goose Down
DROP INDEX accounts_words;
ALTER TABLE accounts DROP COLUMN words;
