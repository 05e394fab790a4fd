package store

import (
	"context"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/job"
	"github.com/custos-id/custos/internal/session"
)

// The reads of the admin API's overview and jobs page: counts over every
// site, or one (siteID > 0).

// ListJobs returns up to limit jobs of every site, newest first, created
// before before (zero: from the newest).
func (db *DB) ListJobs(ctx context.Context, before time.Time, limit int) ([]job.Job, error) {
	b := int64(1<<63 - 1)
	if !before.IsZero() {
		b = millis(before)
	}
	rows, err := db.rows(ctx, `SELECT `+jobColumns+` FROM jobs WHERE created_at < $1 ORDER BY created_at DESC, id LIMIT $2`, b, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []job.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// CountJobs counts the jobs in state, of every site.
func (db *DB) CountJobs(ctx context.Context, state job.State) (int, error) {
	var n int
	err := db.row(ctx, `SELECT COUNT(*) FROM jobs WHERE state = $1`, string(state)).Scan(&n)
	return n, err
}

// CountAccounts counts the accounts of site siteID, or of every site
// (siteID 0).
func (db *DB) CountAccounts(ctx context.Context, siteID int64) (int, error) {
	var n int
	err := db.row(ctx, `SELECT COUNT(*) FROM accounts WHERE CAST($1 AS BIGINT) = 0 OR site_id = $1`, siteID).Scan(&n)
	return n, err
}

// EventCount is how many account events of one type fell in one step of a
// series: Step 0 begins at the series' start.
type EventCount struct {
	Type  string
	Step  int
	Count int
}

// CountEvents counts the account events of site siteID (0: every site)
// from since on, by type and by step of the given length (at least a
// millisecond).
func (db *DB) CountEvents(ctx context.Context, siteID int64, since time.Time, step time.Duration) ([]EventCount, error) {
	rows, err := db.rows(ctx, `SELECT type, (at - $1) / $2 AS step, COUNT(*) FROM account_events
		 WHERE at >= $1 AND (CAST($3 AS BIGINT) = 0 OR site_id = $3) GROUP BY 1, 2 ORDER BY 2, 1`,
		millis(since), max(step.Milliseconds(), 1), siteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EventCount
	for rows.Next() {
		var c EventCount
		if err := rows.Scan(&c.Type, &c.Step, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AccountSessions returns up to limit sessions of account accountID that
// have not expired at now, newest first.
func (db *DB) AccountSessions(ctx context.Context, accountID int64, now time.Time, limit int) ([]session.Session, error) {
	rows, err := db.rows(ctx, `SELECT id, site_id, account_id, created_at, expires_at FROM sessions
		 WHERE account_id = $1 AND (expires_at = 0 OR expires_at > $2) ORDER BY id DESC LIMIT $3`, accountID, millis(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session.Session
	for rows.Next() {
		var (
			s                session.Session
			created, expires int64
		)
		if err := rows.Scan(&s.ID, &s.SiteID, &s.AccountID, &created, &expires); err != nil {
			return nil, err
		}
		s.CreatedAt, s.ExpiresAt = fromMillis(created), fromMillis(expires)
		out = append(out, s)
	}
	return out, rows.Err()
}

// AccountEventsOf returns up to limit events of the account uid of site
// siteID, newest first.
func (db *DB) AccountEventsOf(ctx context.Context, siteID int64, uid string, limit int) ([]account.Event, error) {
	rows, err := db.rows(ctx, `SELECT id, site_id, uid, type, at FROM account_events
		 WHERE site_id = $1 AND uid = $2 ORDER BY id DESC LIMIT $3`, siteID, uid, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account.Event
	for rows.Next() {
		var (
			e  account.Event
			at int64
		)
		if err := rows.Scan(&e.ID, &e.SiteID, &e.UID, &e.Type, &at); err != nil {
			return nil, err
		}
		e.At = fromMillis(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountLoginFailures counts the failed logins of site siteID (0: every
// site) from since on, by step of the given length (whole hours: the counts
// are kept by hour), as EventCounts of type "login_failed".
func (db *DB) CountLoginFailures(ctx context.Context, siteID int64, since time.Time, step time.Duration) ([]EventCount, error) {
	rows, err := db.rows(ctx, `SELECT (hour_start - $1) / $2 AS step, SUM(failures) FROM login_failure_counts
		 WHERE hour_start >= $1 AND (CAST($3 AS BIGINT) = 0 OR site_id = $3) GROUP BY 1 ORDER BY 1`,
		millis(since), max(step.Milliseconds(), 1), siteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EventCount
	for rows.Next() {
		c := EventCount{Type: "login_failed"}
		if err := rows.Scan(&c.Step, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
