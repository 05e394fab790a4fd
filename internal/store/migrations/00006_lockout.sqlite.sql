-- +goose Up
-- Failed logins of an account since failed_since, and its lockout.
ALTER TABLE accounts ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN failed_since INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;

-- Failed logins from a client address within the hour since window_start.
CREATE TABLE ip_failures (
    site_id      INTEGER NOT NULL,
    ip           TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    failures     INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, ip)
);

-- +goose Down
DROP TABLE ip_failures;
ALTER TABLE accounts DROP COLUMN locked_until;
ALTER TABLE accounts DROP COLUMN failed_since;
ALTER TABLE accounts DROP COLUMN failed_logins;
