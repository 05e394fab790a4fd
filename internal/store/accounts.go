package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/custos-id/custos/internal/account"
)

var _ account.Store = (*DB)(nil)

// CreateAccount implements account.Store. The login_ids primary key decides
// who gets a login ID when two registrations race: the loser's transaction
// fails as a whole and nothing of it is written.
func (db *DB) CreateAccount(ctx context.Context, a *account.Account, ids []account.LoginID) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			`INSERT INTO accounts (site_id, uid, username, email, active, email_verified, created_at, updated_at, last_login_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			a.SiteID, a.UID, nullString(a.Username), nullString(a.Email), a.Active, a.EmailVerified,
			millis(a.CreatedAt), millis(a.UpdatedAt), lastLogin(a),
		).Scan(&a.ID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO login_ids (site_id, login_id, kind, account_id) VALUES ($1, $2, $3, $4)`,
				a.SiteID, id.Value, string(id.Kind), a.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if db.violates(err, "login_ids") {
		return account.ErrLoginIDTaken
	}
	return err
}

// AccountByLoginID implements account.Store.
func (db *DB) AccountByLoginID(ctx context.Context, siteID int64, id account.LoginID) (account.Account, error) {
	var (
		a                          account.Account
		username, email            sql.NullString
		created, updated, lastSeen int64
	)
	err := db.read.queryRow(ctx,
		`SELECT a.id, a.site_id, a.uid, a.username, a.email, a.active, a.email_verified,
		        a.created_at, a.updated_at, a.last_login_at
		 FROM login_ids l JOIN accounts a ON a.id = l.account_id
		 WHERE l.site_id = $1 AND l.login_id = $2 AND l.kind = $3`, siteID, id.Value, string(id.Kind),
	).Scan(&a.ID, &a.SiteID, &a.UID, &username, &email, &a.Active, &a.EmailVerified, &created, &updated, &lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return account.Account{}, account.ErrNotFound
	}
	if err != nil {
		return account.Account{}, err
	}
	a.Username, a.Email = username.String, email.String
	a.CreatedAt, a.UpdatedAt, a.LastLoginAt = fromMillis(created), fromMillis(updated), fromMillis(lastSeen)
	return a, nil
}

// LoginIDExists implements account.Store: one primary-key lookup. Any kind
// counts: a login ID is unique across emails and usernames.
func (db *DB) LoginIDExists(ctx context.Context, siteID int64, id account.LoginID) (bool, error) {
	var one int
	err := db.read.queryRow(ctx,
		`SELECT 1 FROM login_ids WHERE site_id = $1 AND login_id = $2`, siteID, id.Value).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func lastLogin(a *account.Account) int64 {
	if a.LastLoginAt.IsZero() {
		return 0
	}
	return millis(a.LastLoginAt)
}
