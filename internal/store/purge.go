package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/token"
)

// sentMailKept is how long sent mail stays in the outbox (without its body).
const sentMailKept = 7 * 24 * time.Hour

// LoginFailureCountsKept is how long the hourly counts of failed logins
// stay: the admin overview shows 30 days.
const LoginFailureCountsKept = 31 * 24 * time.Hour

// FinishedJobsKept is how long a job that ended stays, with its output,
// for its status call.
const FinishedJobsKept = 7 * 24 * time.Hour

// purgeBatch is how many rows one statement of Purge deletes. Each batch is
// a short transaction of its own, and between two batches the writer goes
// to whoever waits for it (on SQLite, the one writer connection; database/sql
// hands a released connection to a waiting caller first): a purge of a
// million sessions delays a login by one batch, not by the whole purge.
const purgeBatch = 1000

// An expiry is one kind of row Purge deletes: the rows of table for which
// where holds, found through the index on column order (migration 00018
// added the missing ones), a batch at a time. Neither engine has DELETE …
// LIMIT (SQLite only when compiled with an option), so a batch selects its
// rows in a subquery with a LIMIT and deletes those (statement).
type expiry struct {
	table string
	key   string // the primary key's columns, comma-separated
	where string // over the arguments args returns
	args  func(now time.Time) []any
	order string // the indexed column the batch is taken in the order of
	batch int
}

// expiries are what Purge deletes, in this order.
var expiries = []expiry{
	{table: "tokens", key: "token_hash", where: "expires_at <= $1", args: at(0), order: "expires_at"},
	{table: "nonces", key: "site_id, nonce", where: "expires_at <= $1", args: at(0), order: "expires_at"},
	// expires_at 0: a session that never expires (the partial index
	// sessions_expires holds only the others).
	{table: "sessions", key: "id", where: "expires_at > 0 AND expires_at <= $1", args: at(0), order: "expires_at"},
	{table: "ip_failures", key: "site_id, ip", where: "window_start <= $1 AND locked_until <= $2",
		args: func(now time.Time) []any { return []any{millis(now.Add(-time.Hour)), millis(now)} }, order: "window_start"},
	{table: "login_failure_counts", key: "site_id, hour_start", where: "hour_start <= $1", args: at(-LoginFailureCountsKept), order: "hour_start"},
	{table: "mail_outbox", key: "id", where: "sent_at > 0 AND sent_at <= $1", args: at(-sentMailKept), order: "sent_at"},
	{table: "site_keys", key: "kid", where: "retired_at IS NOT NULL AND retired_at < $1", args: at(-token.Retention), order: "retired_at"},
	// A job goes with its data (job_data, ON DELETE CASCADE), which may be
	// an export of every account: a few jobs a batch. Ended jobs are few
	// (a week's): found by state in jobs_due.
	{table: "jobs", key: "id", where: "state IN ('done', 'failed') AND updated_at <= $1", args: at(-FinishedJobsKept), batch: 10},
	{table: "oauth_auth_requests", key: "id", where: "expires_at <= $1", args: at(0), order: "expires_at"},
	{table: "oauth_tokens", key: "id", where: "expires_at <= $1 AND refresh_expires_at <= $1", args: at(0), order: "expires_at"},
	// Two statements, each over an index of its own, rather than one OR.
	{table: "gigya_tokens", key: "id", where: "expires_at <= $1", args: at(0), order: "expires_at"},
	{table: "gigya_tokens", key: "id", where: "revoked_at <= $1", args: at(0), order: "revoked_at"},
	{table: "gigya_codes", key: "id", where: "expires_at <= $1", args: at(0), order: "expires_at"},
	{table: "social_attempts", key: "state_hash", where: "expires_at <= $1", args: at(0), order: "expires_at"},
	{table: "social_used_tokens", key: "token_hash", where: "expires_at <= $1", args: at(0), order: "expires_at"},
}

// at returns the arguments of an expiry that compares with now+d.
func at(d time.Duration) func(time.Time) []any {
	return func(now time.Time) []any { return []any{millis(now.Add(d))} }
}

// size is how many rows one batch of e deletes.
func (e expiry) size() int {
	if e.batch == 0 {
		return purgeBatch
	}
	return e.batch
}

// statement is the DELETE of one batch of e on engine en at now, and its
// arguments.
//
// SQLite takes the batch's keys from the index of order, then deletes each
// row by its primary key. Its one writer runs the statement alone: the rows
// the subquery chose are the rows deleted.
//
// PostgreSQL takes the batch from the same index (ORDER BY order: without
// it, when most rows have expired, its planner prefers reading the table
// from its start, where the dead rows of the batches before pile up until
// a vacuum) and deletes the rows by ctid, the address of the row version
// the subquery read (a TID scan; with key IN (subquery), its planner may
// hash the batch and read the whole table for it). A row that a concurrent
// transaction changed meanwhile (an address locked) is checked again in
// its new version, whose ctid is another: it stays. Its bounds are written
// into the statement, not bound: after five runs PostgreSQL may plan a
// prepared statement once for any bound, and that plan read every expired
// row's index entry for each batch (the outer DELETE took the index of
// where and filtered by ctid) — 0.6 s a batch at 100,000 rows.
func (e expiry) statement(en Engine, now time.Time) (string, []any) {
	order := ""
	if e.order != "" {
		order = " ORDER BY " + e.order
	}
	args := e.args(now)
	if en == Postgres {
		where := e.where
		for i, a := range args {
			where = strings.ReplaceAll(where, fmt.Sprintf("$%d", i+1), fmt.Sprint(a.(int64)))
		}
		return fmt.Sprintf("DELETE FROM %s WHERE ctid = ANY(ARRAY(SELECT ctid FROM %s WHERE %s%s LIMIT %d))",
			e.table, e.table, where, order, e.size()), nil
	}
	key := e.key
	if strings.Contains(key, ",") {
		key = "(" + key + ")"
	}
	return fmt.Sprintf("DELETE FROM %s WHERE %s IN (SELECT %s FROM %s WHERE %s%s LIMIT %d)",
		e.table, key, e.key, e.table, e.where, order, e.size()), args
}

// Purge deletes what has expired: one-time tokens, nonces, sessions, login
// failures of past hours, sent mail older than a week, and signing keys
// retired long enough ago that no token they signed still verifies (a
// retirement still ahead, scheduled by a pending key, keeps its key), and
// jobs that ended more than a week ago, with their data; the OAuth
// authorization requests and tokens that expired (a token once both its
// access and its refresh token have), Gigya OAuth tokens expired or revoked
// and their codes expired. It deletes in batches (purgeBatch), each its own
// transaction, stops between two batches when ctx ends, and returns the
// number of rows deleted.
func (db *DB) Purge(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, e := range expiries {
		stmt, args := e.statement(db.engine, now)
		n, err := db.purgeBatches(ctx, e.table, stmt, e.size(), args...)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// purgeBatches runs stmt, the DELETE of one batch of at most size rows,
// until a batch deletes fewer.
func (db *DB) purgeBatches(ctx context.Context, table, stmt string, size int, args ...any) (int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		res, err := db.exec(ctx, stmt, args...)
		if err != nil {
			return total, fmt.Errorf("purge %s: %w", table, err)
		}
		n, _ := res.RowsAffected()
		total += n
		if db.afterPurgeBatch != nil {
			db.afterPurgeBatch(table, n)
		}
		if n < int64(size) {
			return total, nil
		}
	}
}
