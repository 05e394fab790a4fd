package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/admin"
)

var _ admin.Store = (*DB)(nil)

const adminColumns = `id, username, role, password_hash, totp_secret, totp_pending, totp_last_step, disabled, ` +
	`created_at, updated_at, last_login_at`

// firstAdminLock is the PostgreSQL advisory lock key of CreateFirstAdmin
// and of the changes that must leave an enabled owner.
const firstAdminLock = 0x637573746f7361 // "custosa"

func scanAdmin(s scanner) (admin.Record, error) {
	var r admin.Record
	var created, updated, last int64
	err := s.Scan(&r.ID, &r.Username, &r.Role, &r.PasswordHash, &r.TOTPSealed, &r.TOTPPending, &r.TOTPLastStep,
		&r.Disabled, &created, &updated, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return admin.Record{}, admin.ErrNotFound
	}
	r.CreatedAt, r.UpdatedAt, r.LastLoginAt = fromMillis(created), fromMillis(updated), fromMillis(last)
	r.TOTPEnrolled = r.TOTPSealed != nil
	return r, err
}

// CreateAdmin implements admin.Store.
func (db *DB) CreateAdmin(ctx context.Context, r *admin.Record) error {
	err := db.writeRow(ctx, `INSERT INTO admins (username, role, password_hash, totp_secret, totp_pending,
		  totp_last_step, disabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		r.Username, string(r.Role), r.PasswordHash, r.TOTPSealed, r.TOTPPending, r.TOTPLastStep, r.Disabled,
		millis(r.CreatedAt), millis(r.UpdatedAt)).Scan(&r.ID)
	if db.violates(err, "admins") {
		return admin.ErrUsernameTaken
	}
	return err
}

// lockAdmins serializes the changes that count owners (and the first
// admin) on PostgreSQL; SQLite's one writer does already.
func (db *DB) lockAdmins(ctx context.Context) error {
	if db.engine != Postgres {
		return nil
	}
	_, err := db.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, firstAdminLock)
	return err
}

// CreateFirstAdmin implements admin.Store.
func (db *DB) CreateFirstAdmin(ctx context.Context, r *admin.Record) (created bool, err error) {
	err = db.withTx(ctx, func(tx *DB) error {
		if err := tx.lockAdmins(ctx); err != nil {
			return err
		}
		var n int
		if err := tx.row(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM admins LIMIT 1) a`).Scan(&n); err != nil || n > 0 {
			return err
		}
		created = true
		return tx.CreateAdmin(ctx, r)
	})
	return created && err == nil, err
}

// AdminByID implements admin.Store.
func (db *DB) AdminByID(ctx context.Context, id int64) (admin.Record, error) {
	return scanAdmin(db.row(ctx, `SELECT `+adminColumns+` FROM admins WHERE id = $1`, id))
}

// AdminByUsername implements admin.Store.
func (db *DB) AdminByUsername(ctx context.Context, username string) (admin.Record, error) {
	return scanAdmin(db.row(ctx, `SELECT `+adminColumns+` FROM admins WHERE username = $1`, username))
}

// ListAdmins implements admin.Store.
func (db *DB) ListAdmins(ctx context.Context) ([]admin.Record, error) {
	rows, err := db.rows(ctx, `SELECT `+adminColumns+` FROM admins ORDER BY username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []admin.Record
	for rows.Next() {
		r, err := scanAdmin(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// enabledOwner tells whether admin id is an enabled owner (false when
// there is no such admin).
func (db *DB) enabledOwner(ctx context.Context, id int64) (bool, error) {
	var role string
	var disabled bool
	err := db.row(ctx, `SELECT role, disabled FROM admins WHERE id = $1`, id).Scan(&role, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return role == string(admin.Owner) && !disabled, err
}

// ownerLeft fails with ErrLastOwner when no enabled owner is left, if
// wasOwner (the change took one away).
func (db *DB) ownerLeft(ctx context.Context, wasOwner bool) error {
	if !wasOwner {
		return nil
	}
	var n int
	if err := db.row(ctx, `SELECT COUNT(*) FROM admins WHERE role = 'owner' AND disabled = $1`, false).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return admin.ErrLastOwner
	}
	return nil
}

// UpdateAdmin implements admin.Store.
func (db *DB) UpdateAdmin(ctx context.Context, r admin.Record) error {
	return db.withTx(ctx, func(tx *DB) error {
		if err := tx.lockAdmins(ctx); err != nil {
			return err
		}
		wasOwner, err := tx.enabledOwner(ctx, r.ID)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE admins SET role = $1, password_hash = $2, totp_secret = $3, totp_pending = $4,
			  disabled = $5, updated_at = $6 WHERE id = $7`,
			string(r.Role), r.PasswordHash, r.TOTPSealed, r.TOTPPending, r.Disabled, millis(r.UpdatedAt), r.ID)
		if err := affected(res, err, admin.ErrNotFound); err != nil {
			return err
		}
		return tx.ownerLeft(ctx, wasOwner)
	})
}

// DeleteAdmin implements admin.Store; the sessions go by cascade.
func (db *DB) DeleteAdmin(ctx context.Context, id int64) error {
	return db.withTx(ctx, func(tx *DB) error {
		if err := tx.lockAdmins(ctx); err != nil {
			return err
		}
		wasOwner, err := tx.enabledOwner(ctx, id)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM admin_sessions WHERE admin_id = $1`, id); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `DELETE FROM admins WHERE id = $1`, id)
		if err := affected(res, err, admin.ErrNotFound); err != nil {
			return err
		}
		return tx.ownerLeft(ctx, wasOwner)
	})
}

// UseAdminTOTPStep implements admin.Store: one statement, so that of two
// logins with one code only one wins.
func (db *DB) UseAdminTOTPStep(ctx context.Context, id, step int64) (bool, error) {
	res, err := db.exec(ctx, `UPDATE admins SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, id)
	if err := affected(res, err, admin.ErrNotFound); err != nil {
		if errors.Is(err, admin.ErrNotFound) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// AdminLockedUntil implements admin.Store.
func (db *DB) AdminLockedUntil(ctx context.Context, username string) (time.Time, error) {
	var until int64
	err := db.row(ctx, `SELECT locked_until FROM admin_login_failures WHERE username = $1`, username).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return fromMillis(until), err
}

// ReserveAdminLogin implements admin.Store: the attempt is counted (and
// the lock taken) in one transaction whose UPDATE holds the row, so that
// of concurrent attempts no more than max are let through.
func (db *DB) ReserveAdminLogin(ctx context.Context, username string, now, since time.Time, max int, lockUntil time.Time) (allowed, locks bool, err error) {
	err = db.withTx(ctx, func(tx *DB) error {
		if _, err := tx.exec(ctx, `INSERT INTO admin_login_failures (username, failures, last_at) VALUES ($1, 0, 0)
			ON CONFLICT (username) DO NOTHING`, username); err != nil {
			return err
		}
		var n int
		err := tx.writeRow(ctx, `UPDATE admin_login_failures SET
			  failures = CASE WHEN last_at <= $3 THEN 1 ELSE failures + 1 END,
			  locked_until = CASE WHEN (CASE WHEN last_at <= $3 THEN 1 ELSE failures + 1 END) >= $4 THEN $5 ELSE locked_until END,
			  last_at = $2
			WHERE username = $1 AND locked_until <= $2
			RETURNING failures`, username, millis(now), millis(since), max, millis(lockUntil)).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // locked
		}
		if err != nil {
			return err
		}
		allowed, locks = true, n >= max
		return nil
	})
	if err != nil {
		return false, false, err
	}
	return allowed, locks, nil
}

// ResetAdminLoginFailures implements admin.Store.
func (db *DB) ResetAdminLoginFailures(ctx context.Context, username string) error {
	_, err := db.exec(ctx, `DELETE FROM admin_login_failures WHERE username = $1`, username)
	return err
}

// CreateAdminSession implements admin.Store.
func (db *DB) CreateAdminSession(ctx context.Context, s admin.SessionRecord) error {
	return db.withTx(ctx, func(tx *DB) error {
		res, err := tx.exec(ctx, `UPDATE admins SET last_login_at = $1 WHERE id = $2`, millis(s.CreatedAt), s.AdminID)
		if err := affected(res, err, admin.ErrNotFound); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO admin_sessions (token_hash, admin_id, created_at, last_seen_at)
			VALUES ($1, $2, $3, $4)`, s.TokenHash, s.AdminID, millis(s.CreatedAt), millis(s.LastSeenAt))
		return err
	})
}

// AdminSession implements admin.Store.
func (db *DB) AdminSession(ctx context.Context, tokenHash []byte) (admin.SessionRecord, admin.Record, error) {
	var s admin.SessionRecord
	var created, seen int64
	cols := "a." + strings.ReplaceAll(adminColumns, ", ", ", a.")
	row := db.row(ctx, `SELECT s.token_hash, s.admin_id, s.created_at, s.last_seen_at, `+cols+`
		FROM admin_sessions s JOIN admins a ON a.id = s.admin_id WHERE s.token_hash = $1`, tokenHash)
	var r admin.Record
	var rc, ru, rl int64
	err := row.Scan(&s.TokenHash, &s.AdminID, &created, &seen, &r.ID, &r.Username, &r.Role, &r.PasswordHash,
		&r.TOTPSealed, &r.TOTPPending, &r.TOTPLastStep, &r.Disabled, &rc, &ru, &rl)
	if errors.Is(err, sql.ErrNoRows) {
		return admin.SessionRecord{}, admin.Record{}, admin.ErrSessionUnknown
	}
	if err != nil {
		return admin.SessionRecord{}, admin.Record{}, err
	}
	s.CreatedAt, s.LastSeenAt = fromMillis(created), fromMillis(seen)
	r.CreatedAt, r.UpdatedAt, r.LastLoginAt = fromMillis(rc), fromMillis(ru), fromMillis(rl)
	r.TOTPEnrolled = r.TOTPSealed != nil
	return s, r, nil
}

// TouchAdminSession implements admin.Store.
func (db *DB) TouchAdminSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	_, err := db.exec(ctx, `UPDATE admin_sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1`,
		millis(at), tokenHash)
	return err
}

// DeleteAdminSession implements admin.Store.
func (db *DB) DeleteAdminSession(ctx context.Context, tokenHash []byte) error {
	_, err := db.exec(ctx, `DELETE FROM admin_sessions WHERE token_hash = $1`, tokenHash)
	return err
}

// DeleteAdminSessions implements admin.Store.
func (db *DB) DeleteAdminSessions(ctx context.Context, adminID int64) error {
	_, err := db.exec(ctx, `DELETE FROM admin_sessions WHERE admin_id = $1`, adminID)
	return err
}

// PurgeAdminSessions implements admin.Store.
func (db *DB) PurgeAdminSessions(ctx context.Context, idleBefore, createdBefore, failuresBefore time.Time) (int64, error) {
	var n int64
	err := db.withTx(ctx, func(tx *DB) error {
		res, err := tx.exec(ctx, `DELETE FROM admin_sessions WHERE last_seen_at < $1 OR created_at < $2`,
			millis(idleBefore), millis(createdBefore))
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `DELETE FROM admin_login_failures WHERE last_at < $1 AND locked_until < $1`, millis(failuresBefore))
		return err
	})
	return n, err
}

// AddAudit implements admin.Store.
func (db *DB) AddAudit(ctx context.Context, e *admin.AuditEntry) error {
	before, after := string(e.Before), string(e.After)
	if before == "" {
		before = "null"
	}
	if after == "" {
		after = "null"
	}
	return db.writeRow(ctx, `INSERT INTO audit_log (at, admin_id, username, action, target, before_json, after_json)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		millis(e.At), e.AdminID, e.Username, e.Action, e.Target, before, after).Scan(&e.ID)
}

// AuditEntries implements admin.Store. Every value is bound; the
// conditions are fixed text.
func (db *DB) AuditEntries(ctx context.Context, f admin.AuditFilter, beforeID int64, limit int) ([]admin.AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+itoa(len(args))))
	}
	if beforeID > 0 {
		add("id < ?", beforeID)
	}
	if f.AdminID != 0 {
		add("admin_id = ?", f.AdminID)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			add("substr(action, 1, "+itoa(len(f.Action))+") = ?", f.Action)
		} else {
			add("action = ?", f.Action)
		}
	}
	if f.Target != "" {
		add("target = ?", f.Target)
	}
	if !f.Since.IsZero() {
		add("at >= ?", millis(f.Since))
	}
	if !f.Until.IsZero() {
		add("at < ?", millis(f.Until))
	}
	q := `SELECT id, at, admin_id, username, action, target, before_json, after_json FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	q += " ORDER BY id DESC LIMIT $" + itoa(len(args))
	rows, err := db.rows(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []admin.AuditEntry
	for rows.Next() {
		var e admin.AuditEntry
		var at int64
		var before, after string
		if err := rows.Scan(&e.ID, &at, &e.AdminID, &e.Username, &e.Action, &e.Target, &before, &after); err != nil {
			return nil, err
		}
		e.At, e.Before, e.After = fromMillis(at), json.RawMessage(before), json.RawMessage(after)
		out = append(out, e)
	}
	return out, rows.Err()
}

// WithAdminTx implements admin.Store. On PostgreSQL the transactions of
// admins run one at a time (an advisory lock), so that what fn read stays
// true until it commits; they are few.
func (db *DB) WithAdminTx(ctx context.Context, fn func(admin.Store) error) error {
	return db.withTx(ctx, func(tx *DB) error {
		if err := tx.lockAdmins(ctx); err != nil {
			return err
		}
		return fn(tx)
	})
}
