package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/account"
)

func bytesReader(s string) *strings.Reader { return strings.NewReader(s) }

// CreateSession implements account.Store.
func (db *DB) CreateSession(ctx context.Context, s *account.Session) error {
	return db.writeRow(ctx,
		`INSERT INTO sessions (site_id, account_id, token_hash, secret_sealed, created_at, expires_at)
		 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		s.SiteID, s.AccountID, s.TokenHash, s.SecretSealed, millis(s.CreatedAt), optMillis(s.ExpiresAt),
	).Scan(&s.ID)
}

// DeleteSession implements account.Store.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	res, err := db.exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
	return affected(res, err, account.ErrNotFound)
}

// DeleteSessions implements account.Store.
func (db *DB) DeleteSessions(ctx context.Context, accountID, keepID int64) error {
	_, err := db.exec(ctx, `DELETE FROM sessions WHERE account_id = $1 AND id <> $2`, accountID, keepID)
	return err
}

// CreateToken implements account.Store.
func (db *DB) CreateToken(ctx context.Context, t account.Token) error {
	_, err := db.exec(ctx,
		`INSERT INTO tokens (token_hash, site_id, account_id, kind, email, created_at, expires_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.Hash, t.SiteID, nullInt(t.AccountID), string(t.Kind), t.Email, millis(t.CreatedAt), millis(t.ExpiresAt))
	return err
}

const tokenColumns = `token_hash, site_id, account_id, kind, email, created_at, expires_at`

// TokenByHash implements account.Store.
func (db *DB) TokenByHash(ctx context.Context, kind account.TokenKind, hash []byte) (account.Token, error) {
	return scanToken(db.row(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE token_hash = $1 AND kind = $2`, hash, string(kind)))
}

// ConsumeToken implements account.Store.
func (db *DB) ConsumeToken(ctx context.Context, kind account.TokenKind, hash []byte) (account.Token, error) {
	return scanToken(db.writeRow(ctx,
		`DELETE FROM tokens WHERE token_hash = $1 AND kind = $2 RETURNING `+tokenColumns, hash, string(kind)))
}

// DeleteTokens implements account.Store.
func (db *DB) DeleteTokens(ctx context.Context, accountID int64, kind account.TokenKind) error {
	_, err := db.exec(ctx, `DELETE FROM tokens WHERE account_id = $1 AND kind = $2`, accountID, string(kind))
	return err
}

func scanToken(row scanner) (account.Token, error) {
	var (
		t                account.Token
		accountID        sql.NullInt64
		kind             string
		created, expires int64
	)
	err := row.Scan(&t.Hash, &t.SiteID, &accountID, &kind, &t.Email, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return account.Token{}, account.ErrNotFound
	}
	t.AccountID, t.Kind = accountID.Int64, account.TokenKind(kind)
	t.CreatedAt, t.ExpiresAt = fromMillis(created), fromMillis(expires)
	return t, err
}

func nullInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }

// EnqueueMail implements account.Store.
func (db *DB) EnqueueMail(ctx context.Context, sealed []byte, at time.Time) error {
	_, err := db.exec(ctx,
		`INSERT INTO mail_outbox (body_sealed, created_at, next_attempt_at) VALUES ($1, $2, $2)`, sealed, millis(at))
	return err
}
