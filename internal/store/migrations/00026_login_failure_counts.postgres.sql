-- +goose Up
-- Failed logins of each site by hour (hour_start in Unix milliseconds), for
-- the admin overview's chart: one upsert per failed login, kept 31 days.
CREATE TABLE login_failure_counts (
    site_id    BIGINT NOT NULL,
    hour_start BIGINT NOT NULL,
    failures   BIGINT NOT NULL,
    PRIMARY KEY (site_id, hour_start)
);
CREATE INDEX login_failure_counts_hour ON login_failure_counts (hour_start);

-- +goose Down
DROP TABLE login_failure_counts;
