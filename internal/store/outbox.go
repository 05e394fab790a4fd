package store

import (
	"context"
	"math"
	"time"

	"github.com/custos-id/custos/internal/outbox"
)

var _ outbox.Store = (*DB)(nil)

// ClaimMail implements outbox.Store. The conditions stand in the outer WHERE
// as well as in the subquery, so that on PostgreSQL a row another worker
// claimed meanwhile is re-checked and skipped.
func (db *DB) ClaimMail(ctx context.Context, now, leaseUntil time.Time, limit int) ([]outbox.Entry, error) {
	rows, err := db.write.QueryContext(ctx,
		`UPDATE mail_outbox SET lease_until = $1
		 WHERE sent_at = 0 AND next_attempt_at <= $2 AND lease_until <= $2 AND id IN (
		   SELECT id FROM mail_outbox WHERE sent_at = 0 AND next_attempt_at <= $2 AND lease_until <= $2
		   ORDER BY id LIMIT $3)
		 RETURNING id, body_sealed, attempts`, millis(leaseUntil), millis(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outbox.Entry
	for rows.Next() {
		var e outbox.Entry
		if err := rows.Scan(&e.ID, &e.Sealed, &e.Attempts); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkMailSent implements outbox.Store: the body, with its tokens, is dropped.
func (db *DB) MarkMailSent(ctx context.Context, id int64, at time.Time) error {
	_, err := db.exec(ctx,
		`UPDATE mail_outbox SET sent_at = $1, body_sealed = $2, lease_until = 0 WHERE id = $3`, millis(at), []byte{}, id)
	return err
}

// MarkMailFailed implements outbox.Store.
func (db *DB) MarkMailFailed(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error {
	_, err := db.exec(ctx,
		`UPDATE mail_outbox SET attempts = $1, next_attempt_at = $2, last_error = $3, lease_until = 0 WHERE id = $4`,
		attempts, millis(next), lastErr, id)
	return err
}

// QueuedMail implements outbox.Store, on the index mail_outbox_due.
func (db *DB) QueuedMail(ctx context.Context, limit int) (int, error) {
	var n int
	err := db.row(ctx, `SELECT COUNT(*) FROM (
		   SELECT 1 FROM mail_outbox WHERE sent_at = 0 AND next_attempt_at < $1 LIMIT $2) q`,
		millis(outbox.GiveUp), limit).Scan(&n)
	return n, err
}

// mailStatus is the condition of a status of outbox.Record.Status.
func mailStatus(s outbox.Status) string {
	switch s {
	case outbox.Sent:
		return `sent_at <> 0 AND CAST($1 AS BIGINT) IS NOT NULL` // $1 unused
	case outbox.Failed:
		return `sent_at = 0 AND next_attempt_at >= $1`
	case outbox.Queued:
		return `sent_at = 0 AND next_attempt_at < $1`
	}
	return `CAST($1 AS BIGINT) IS NOT NULL` // every message; $1 unused
}

// MailEntries implements outbox.Store.
func (db *DB) MailEntries(ctx context.Context, status outbox.Status, beforeID int64, limit int) ([]outbox.Record, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	rows, err := db.rows(ctx, `SELECT id, body_sealed, created_at, next_attempt_at, sent_at, attempts, last_error
		 FROM mail_outbox WHERE `+mailStatus(status)+` AND id < $2 ORDER BY id DESC LIMIT $3`,
		millis(outbox.GiveUp), beforeID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outbox.Record
	for rows.Next() {
		var (
			r                   outbox.Record
			created, next, sent int64
		)
		if err := rows.Scan(&r.ID, &r.Sealed, &created, &next, &sent, &r.Attempts, &r.LastError); err != nil {
			return nil, err
		}
		r.CreatedAt, r.NextAttemptAt = fromMillis(created), fromMillis(next)
		if sent != 0 {
			r.SentAt = fromMillis(sent)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MailCounts implements outbox.Store.
func (db *DB) MailCounts(ctx context.Context, limit int) (queued, failed int, err error) {
	if queued, err = db.QueuedMail(ctx, limit); err != nil {
		return 0, 0, err
	}
	err = db.row(ctx, `SELECT COUNT(*) FROM (
		   SELECT 1 FROM mail_outbox WHERE sent_at = 0 AND next_attempt_at >= $1 LIMIT $2) q`,
		millis(outbox.GiveUp), limit).Scan(&failed)
	return queued, failed, err
}

// RetryMail implements outbox.Store.
func (db *DB) RetryMail(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE mail_outbox SET next_attempt_at = $1, attempts = 0, lease_until = 0
		 WHERE id = $2 AND sent_at = 0 AND next_attempt_at >= $3`, millis(now), id, millis(outbox.GiveUp))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
