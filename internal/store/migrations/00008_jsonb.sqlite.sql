-- +goose Up
-- Nothing to do: SQLite keeps JSON as TEXT, which its json functions read.
-- On PostgreSQL this step makes accounts.profile and accounts.data jsonb;
-- schema_test.go lists the difference.
SELECT 1;

-- +goose Down
SELECT 1;
