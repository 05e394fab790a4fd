package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Every counter changes in one statement, so that concurrent attempts on
// one account or address all count, in every process. A count starts over
// when the last failure is older than the reset time, or when a lockout
// has ended.

// RecordLoginFailure implements account.Store.
func (db *DB) RecordLoginFailure(ctx context.Context, accountID int64, now, resetBefore time.Time) (int, error) {
	var n int
	err := db.writeRow(ctx,
		`UPDATE accounts SET
		   failed_logins = CASE WHEN failed_since <= $2 OR (locked_until > 0 AND locked_until <= $3)
		                        THEN 1 ELSE failed_logins + 1 END,
		   locked_until  = CASE WHEN locked_until <= $3 THEN 0 ELSE locked_until END,
		   failed_since  = $3
		 WHERE id = $1 RETURNING failed_logins`, accountID, optMillis(resetBefore), millis(now)).Scan(&n)
	return n, err
}

// LockAccount implements account.Store.
func (db *DB) LockAccount(ctx context.Context, accountID int64, until time.Time) error {
	_, err := db.exec(ctx, `UPDATE accounts SET locked_until = $1 WHERE id = $2`, millis(until), accountID)
	return err
}

// ResetLoginFailures implements account.Store.
func (db *DB) ResetLoginFailures(ctx context.Context, accountID int64) error {
	_, err := db.exec(ctx, `UPDATE accounts SET failed_logins = 0, failed_since = 0, locked_until = 0 WHERE id = $1`, accountID)
	return err
}

// IPFailures implements account.Store.
func (db *DB) IPFailures(ctx context.Context, siteID int64, ip string, windowStart time.Time) (int, time.Time, error) {
	var n int
	var last, until int64
	err := db.row(ctx, `SELECT failures, window_start, locked_until FROM ip_failures WHERE site_id = $1 AND ip = $2`,
		siteID, ip).Scan(&n, &last, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if last <= millis(windowStart) {
		n = 0 // quiet for the whole window
	}
	return n, fromMillis(until), err
}

// RecordIPFailure implements account.Store. window_start holds the time of
// the last failure: the count lasts while failures come within the hour.
func (db *DB) RecordIPFailure(ctx context.Context, siteID int64, ip string, now time.Time) (int, error) {
	var n int
	err := db.writeRow(ctx,
		`INSERT INTO ip_failures (site_id, ip, window_start, failures) VALUES ($1, $2, $3, 1)
		 ON CONFLICT (site_id, ip) DO UPDATE SET
		   failures     = CASE WHEN ip_failures.window_start <= $4
		                         OR (ip_failures.locked_until > 0 AND ip_failures.locked_until <= $3)
		                       THEN 1 ELSE ip_failures.failures + 1 END,
		   locked_until = CASE WHEN ip_failures.locked_until <= $3 THEN 0 ELSE ip_failures.locked_until END,
		   window_start = $3
		 RETURNING failures`, siteID, ip, millis(now), millis(now.Add(-time.Hour))).Scan(&n)
	return n, err
}

// ForgiveIPFailure implements account.Store: a counted attempt that
// succeeded.
func (db *DB) ForgiveIPFailure(ctx context.Context, siteID int64, ip string) error {
	_, err := db.exec(ctx, `UPDATE ip_failures SET failures = failures - 1 WHERE site_id = $1 AND ip = $2 AND failures > 0`, siteID, ip)
	return err
}

// LockIP implements account.Store.
func (db *DB) LockIP(ctx context.Context, siteID int64, ip string, until time.Time) error {
	_, err := db.exec(ctx, `UPDATE ip_failures SET locked_until = $1 WHERE site_id = $2 AND ip = $3`, millis(until), siteID, ip)
	return err
}

// CountLoginFailure implements account.Store: one more failed login of site
// siteID in the hour that starts at hour.
func (db *DB) CountLoginFailure(ctx context.Context, siteID int64, hour time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO login_failure_counts (site_id, hour_start, failures) VALUES ($1, $2, 1)
		 ON CONFLICT (site_id, hour_start) DO UPDATE SET failures = login_failure_counts.failures + 1`,
		siteID, millis(hour))
	return err
}
