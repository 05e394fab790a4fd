package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/custos-id/custos/internal/account"
)

var _ account.Store = (*DB)(nil)

// WithTx implements account.Store.
func (db *DB) WithTx(ctx context.Context, fn func(account.Store) error) error {
	return db.withTx(ctx, func(tx *DB) error { return fn(tx) })
}

const accountColumns = `a.id, a.site_id, a.uid, a.username, a.email, a.password_hash, a.profile, a.data,
	a.preferences, a.subscriptions, a.active, a.registered, a.email_verified, a.created_at, a.updated_at, a.registered_at, a.verified_at,
	a.last_login_at, a.password_changed_at, a.failed_logins, a.failed_since, a.locked_until, a.password_change_required`

// CreateAccount implements account.Store. The login_ids primary key decides
// who gets a login ID when two registrations race: the loser's transaction
// fails as a whole and nothing of it is written.
func (db *DB) CreateAccount(ctx context.Context, a *account.Account, ids []account.StoredLoginID) error {
	obj, err := marshalObjects(a)
	if err != nil {
		return err
	}
	err = db.withTx(ctx, func(tx *DB) error {
		err := tx.writeRow(ctx,
			`INSERT INTO accounts (site_id, uid, username, email, password_hash, profile, data, active, registered,
			   email_verified, created_at, updated_at, registered_at, verified_at, last_login_at, password_changed_at,
			   preferences, subscriptions, password_change_required)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
			a.SiteID, a.UID, nullString(a.Username), nullString(a.Email), a.PasswordHash, obj[0], obj[1], a.Active,
			a.Registered, a.EmailVerified, millis(a.CreatedAt), millis(a.UpdatedAt), optMillis(a.RegisteredAt),
			optMillis(a.VerifiedAt), optMillis(a.LastLoginAt), optMillis(a.PasswordChangedAt), obj[2], obj[3], a.PasswordChangeRequired,
		).Scan(&a.ID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.AddLoginID(ctx, a.SiteID, a.ID, id); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case db.violates(err, "login_ids"):
		return account.ErrLoginIDTaken
	case db.violates(err, "accounts"): // (site_id, uid): an imported UID
		return account.ErrUIDTaken
	}
	return err
}

// UpdateAccount implements account.Store.
func (db *DB) UpdateAccount(ctx context.Context, a *account.Account, prev time.Time) error {
	if a.Omitted != 0 {
		return account.ErrPartial
	}
	obj, err := marshalObjects(a)
	if err != nil {
		return err
	}
	res, err := db.exec(ctx,
		`UPDATE accounts SET username = $1, email = $2, password_hash = $3, profile = $4, data = $5, active = $6,
		   registered = $7, email_verified = $8, updated_at = $9, registered_at = $10, verified_at = $11,
		   last_login_at = $12, password_changed_at = $13, preferences = $17, subscriptions = $18, password_change_required = $19
		 WHERE id = $14 AND site_id = $15 AND updated_at = $16`,
		nullString(a.Username), nullString(a.Email), a.PasswordHash, obj[0], obj[1], a.Active, a.Registered,
		a.EmailVerified, millis(a.UpdatedAt), optMillis(a.RegisteredAt), optMillis(a.VerifiedAt),
		optMillis(a.LastLoginAt), optMillis(a.PasswordChangedAt), a.ID, a.SiteID, millis(prev), obj[2], obj[3], a.PasswordChangeRequired)
	return affected(res, err, account.ErrChanged)
}

// RecordLogin implements account.Store.
func (db *DB) RecordLogin(ctx context.Context, accountID int64, at time.Time, verified, rehash string) error {
	res, err := db.exec(ctx,
		`UPDATE accounts SET last_login_at = $1, password_hash = CASE WHEN $2 = '' THEN password_hash ELSE $2 END
		 WHERE id = $3 AND password_hash = $4`, millis(at), rehash, accountID, verified)
	return affected(res, err, account.ErrChanged)
}

// DeleteAccount implements account.Store: its login IDs, sessions and
// tokens go with it (ON DELETE CASCADE), and so do its OAuth authorization
// requests, tokens and consents.
func (db *DB) DeleteAccount(ctx context.Context, siteID, accountID int64) error {
	res, err := db.exec(ctx, `DELETE FROM accounts WHERE id = $1 AND site_id = $2`, accountID, siteID)
	return affected(res, err, account.ErrNotFound)
}

// AccountByID implements account.Store.
func (db *DB) AccountByID(ctx context.Context, siteID, accountID int64) (account.Account, error) {
	return scanAccount(db.row(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = $1 AND a.site_id = $2`, accountID, siteID))
}

// AccountByUID implements account.Store.
func (db *DB) AccountByUID(ctx context.Context, siteID int64, uid string) (account.Account, error) {
	return scanAccount(db.row(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.site_id = $1 AND a.uid = $2`, siteID, uid))
}

// AccountByLoginID implements account.Store.
func (db *DB) AccountByLoginID(ctx context.Context, siteID int64, id account.LoginID) (account.Account, error) {
	return scanAccount(db.row(ctx,
		`SELECT `+accountColumns+` FROM login_ids l JOIN accounts a ON a.id = l.account_id
		 WHERE l.site_id = $1 AND l.login_id = $2 AND l.kind = $3`, siteID, id.Value, string(id.Kind)))
}

// LoginIDExists implements account.Store: one primary-key lookup. Any kind
// counts: a login ID is unique across emails and usernames.
func (db *DB) LoginIDExists(ctx context.Context, siteID int64, id account.LoginID) (bool, error) {
	var one int
	err := db.row(ctx, `SELECT 1 FROM login_ids WHERE site_id = $1 AND login_id = $2`, siteID, id.Value).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// LoginIDs implements account.Store.
func (db *DB) LoginIDs(ctx context.Context, accountID int64) ([]account.StoredLoginID, error) {
	rows, err := db.rows(ctx,
		`SELECT kind, login_id, display, verified_at FROM login_ids WHERE account_id = $1 ORDER BY kind, login_id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account.StoredLoginID
	for rows.Next() {
		var (
			id       account.StoredLoginID
			kind     string
			verified int64
		)
		if err := rows.Scan(&kind, &id.Value, &id.Display, &verified); err != nil {
			return nil, err
		}
		id.Kind, id.VerifiedAt = account.LoginIDKind(kind), fromMillis(verified)
		out = append(out, id)
	}
	return out, rows.Err()
}

// AddLoginID implements account.Store.
func (db *DB) AddLoginID(ctx context.Context, siteID, accountID int64, id account.StoredLoginID) error {
	_, err := db.exec(ctx,
		`INSERT INTO login_ids (site_id, login_id, kind, account_id, display, verified_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		siteID, id.Value, string(id.Kind), accountID, id.Display, optMillis(id.VerifiedAt))
	if db.violates(err, "login_ids") {
		return account.ErrLoginIDTaken
	}
	return err
}

// RemoveLoginID implements account.Store.
func (db *DB) RemoveLoginID(ctx context.Context, accountID int64, id account.LoginID) error {
	res, err := db.exec(ctx, `DELETE FROM login_ids WHERE account_id = $1 AND login_id = $2 AND kind = $3`,
		accountID, id.Value, string(id.Kind))
	return affected(res, err, account.ErrNotFound)
}

// SetLoginIDVerified implements account.Store; the zero time marks the
// login ID unverified.
func (db *DB) SetLoginIDVerified(ctx context.Context, accountID int64, value string, at time.Time) error {
	res, err := db.exec(ctx, `UPDATE login_ids SET verified_at = $1 WHERE account_id = $2 AND login_id = $3`,
		optMillis(at), accountID, value)
	return affected(res, err, account.ErrNotFound)
}

func scanAccount(row scanner) (account.Account, error) {
	a, err := scanAccountInto(row)
	if errors.Is(err, sql.ErrNoRows) {
		return account.Account{}, account.ErrNotFound
	}
	return a, err
}

// scanAccountInto scans accountColumns, after any columns given before them.
func scanAccountInto(row scanner, before ...any) (account.Account, error) {
	a, obj, err := scanAccountColumns(row, account.PartPassword|account.PartObjects, before...)
	if err != nil {
		return account.Account{}, err
	}
	for i, m := range objects(&a) {
		if err := unmarshalObject(obj[i], m); err != nil {
			return account.Account{}, fmt.Errorf("account %d %s: %w", a.ID, objectColumns[i], err)
		}
	}
	return a, nil
}

// scanAccountColumns scans the columns of accountColumns but the password
// hash and the objects outside parts (readColumns(parts)), after any columns
// given before them, and answers the objects' JSON undecoded.
func scanAccountColumns(row scanner, parts account.Parts, before ...any) (account.Account, [len(objectColumns)]string, error) {
	var (
		a                                                 account.Account
		username, email                                   sql.NullString
		obj                                               [len(objectColumns)]string
		created, updated, registered, verified, last, pwd int64
		failedSince, lockedUntil                          int64
	)
	dest := make([]any, 0, len(before)+23) // every column of accountColumns
	dest = append(append(dest, before...), &a.ID, &a.SiteID, &a.UID, &username, &email)
	if parts.Has(account.PartPassword) {
		dest = append(dest, &a.PasswordHash)
	}
	for i := range obj {
		if parts.Has(objectParts[i]) {
			dest = append(dest, &obj[i])
		}
	}
	err := row.Scan(append(dest, &a.Active, &a.Registered, &a.EmailVerified, &created, &updated, &registered, &verified, &last, &pwd,
		&a.FailedLogins, &failedSince, &lockedUntil, &a.PasswordChangeRequired)...)
	if err != nil {
		return account.Account{}, obj, err
	}
	a.Username, a.Email = username.String, email.String
	a.CreatedAt, a.UpdatedAt, a.RegisteredAt = fromMillis(created), fromMillis(updated), fromMillis(registered)
	a.VerifiedAt, a.LastLoginAt, a.PasswordChangedAt = fromMillis(verified), fromMillis(last), fromMillis(pwd)
	a.FailedSince, a.LockedUntil = fromMillis(failedSince), fromMillis(lockedUntil)
	return a, obj, nil
}

// objectColumns are the columns of accounts that hold JSON objects, in the
// order of objects. They are the objects of site.FieldStore.
var objectColumns = [...]string{"profile", "data", "preferences", "subscriptions"}

// objects are the JSON objects of a, in the order of objectColumns.
func objects(a *account.Account) [len(objectColumns)]*map[string]any {
	return [...]*map[string]any{&a.Profile, &a.Data, &a.Preferences, &a.Subscriptions}
}

// marshalObjects encodes the JSON objects of a, in the order of
// objectColumns; nil ones as {}.
func marshalObjects(a *account.Account) ([len(objectColumns)]string, error) {
	var out [len(objectColumns)]string
	for i, m := range objects(a) {
		b, err := json.Marshal(orEmpty(*m))
		if err != nil {
			return out, fmt.Errorf("%s: %w", objectColumns[i], err)
		}
		out[i] = string(b)
	}
	return out, nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// unmarshalObject decodes a stored JSON object keeping numbers exact. The
// empty object, what most accounts hold in most columns, skips the
// decoder: every read of an account (a session check among them) does this.
func unmarshalObject(s string, into *map[string]any) error {
	if s == "{}" {
		*into = map[string]any{}
		return nil
	}
	dec := json.NewDecoder(bytesReader(s))
	dec.UseNumber()
	return dec.Decode(into)
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// optMillis is 0 for the zero time, which the schema reads as "never".
func optMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return millis(t)
}

// PasswordHistory implements account.Store: the newest first.
func (db *DB) PasswordHistory(ctx context.Context, accountID int64, limit int) ([]string, error) {
	rows, err := db.rows(ctx,
		`SELECT password_hash FROM password_history WHERE account_id = $1 ORDER BY id DESC LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// AddPasswordHistory implements account.Store: it keeps the newest keep hashes.
func (db *DB) AddPasswordHistory(ctx context.Context, accountID int64, hash string, at time.Time, keep int) error {
	if _, err := db.exec(ctx, `INSERT INTO password_history (account_id, password_hash, created_at) VALUES ($1, $2, $3)`,
		accountID, hash, millis(at)); err != nil {
		return err
	}
	_, err := db.exec(ctx,
		`DELETE FROM password_history WHERE account_id = $1 AND id NOT IN (
		   SELECT id FROM password_history WHERE account_id = $1 ORDER BY id DESC LIMIT $2)`, accountID, keep)
	return err
}
