package store

import (
	"context"
	"time"

	"github.com/custos-id/custos/internal/token"
)

// sentMailKept is how long sent mail stays in the outbox (without its body).
const sentMailKept = 7 * 24 * time.Hour

// FinishedJobsKept is how long a job that ended stays, with its output,
// for its status call.
const FinishedJobsKept = 7 * 24 * time.Hour

// Purge deletes what has expired: one-time tokens, nonces, sessions, login
// failures of past hours, sent mail older than a week, and signing keys
// retired long enough ago that no token they signed still verifies (a
// retirement still ahead, scheduled by a pending key, keeps its key), and
// jobs that ended more than a week ago, with their data, and the OAuth
// authorization requests and tokens that expired (a token once both its
// access and its refresh token have). It returns the number of rows deleted.
func (db *DB) Purge(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM tokens WHERE expires_at <= $1`, []any{millis(now)}},
		{`DELETE FROM nonces WHERE expires_at <= $1`, []any{millis(now)}},
		{`DELETE FROM sessions WHERE expires_at > 0 AND expires_at <= $1`, []any{millis(now)}},
		{`DELETE FROM ip_failures WHERE window_start <= $1 AND locked_until <= $2`, []any{millis(now.Add(-time.Hour)), millis(now)}},
		{`DELETE FROM mail_outbox WHERE sent_at > 0 AND sent_at <= $1`, []any{millis(now.Add(-sentMailKept))}},
		{`DELETE FROM site_keys WHERE retired_at IS NOT NULL AND retired_at < $1`, []any{millis(now.Add(-token.Retention))}},
		{`DELETE FROM jobs WHERE state IN ('done', 'failed') AND updated_at <= $1`, []any{millis(now.Add(-FinishedJobsKept))}},
		{`DELETE FROM oauth_auth_requests WHERE expires_at <= $1`, []any{millis(now)}},
		{`DELETE FROM oauth_tokens WHERE expires_at <= $1 AND refresh_expires_at <= $1`, []any{millis(now)}},
	} {
		res, err := db.exec(ctx, q.sql, q.args...)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
