package store

import (
	"context"
	"time"

	"github.com/custos-id/custos/internal/job"
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
