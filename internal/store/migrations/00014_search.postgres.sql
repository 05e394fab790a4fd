-- +goose Up
-- Nothing to do: on SQLite this step adds the FTS5 index of words that
-- accounts.search's `contains` looks up (schema_test.go lists it);
-- PostgreSQL's `contains` reads the site's accounts.
SELECT 1;

-- +goose Down
SELECT 1;
