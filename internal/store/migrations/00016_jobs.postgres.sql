-- +goose Up
-- Long work a client starts over the API (accounts.importJob, exportJob)
-- runs as a job: one row, taken by one process at a time under a lease
-- (lease_owner until lease_until), so that a process that died leaves it
-- to another once the lease ends. progress is what is committed: for an
-- import, the input lines settled, written in the transaction of their
-- batch; result (JSON) the counts that go with it.
CREATE TABLE jobs (
    id          TEXT    NOT NULL PRIMARY KEY,
    site_id     BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    params      TEXT    NOT NULL,
    progress    BIGINT  NOT NULL DEFAULT 0,
    result      TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    lease_owner TEXT    NOT NULL DEFAULT '',
    lease_until BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX jobs_due ON jobs (state, lease_until);

-- The data of a job in chunks: its input (an import's JSON lines) and its
-- output (an export's), each a sequence from 0.
CREATE TABLE job_data (
    job_id TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    part   TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    data   BYTEA   NOT NULL,
    PRIMARY KEY (job_id, part, seq)
);

-- +goose Down
DROP TABLE job_data;
DROP TABLE jobs;
