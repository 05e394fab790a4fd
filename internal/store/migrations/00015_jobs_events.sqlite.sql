-- +goose Up
-- Long work a client starts over the API (accounts.importJob, exportJob)
-- runs as a job: one row, taken by one process at a time under a lease
-- (lease_owner until lease_until), so that a process that died leaves it
-- to another once the lease ends. progress is what is committed: for an
-- import, the input lines settled, written in the transaction of their
-- batch; result (JSON) the counts that go with it.
CREATE TABLE jobs (
    id          TEXT    NOT NULL PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    params      TEXT    NOT NULL,
    progress    INTEGER NOT NULL DEFAULT 0,
    result      TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    lease_owner TEXT    NOT NULL DEFAULT '',
    lease_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_due ON jobs (state, lease_until);

-- The data of a job in chunks: its input (an import's JSON lines) and its
-- output (an export's), each a sequence from 0.
CREATE TABLE job_data (
    job_id TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    part   TEXT    NOT NULL,
    seq    INTEGER NOT NULL,
    data   BLOB    NOT NULL,
    PRIMARY KEY (job_id, part, seq)
);

-- The change feed (accounts.stream.create/read): an event a row, written in
-- the transaction of the change, read by site in id order from a cursor,
-- purged once older than --events-retention. uid stays after the account
-- goes (a "deleted" event names it).
CREATE TABLE account_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    uid     TEXT    NOT NULL,
    type    TEXT    NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX account_events_site ON account_events (site_id, id);
CREATE INDEX account_events_at ON account_events (at);

-- +goose Down
DROP TABLE account_events;
DROP TABLE job_data;
DROP TABLE jobs;
