package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/custos-id/custos/internal/oauth"
)

// CreateGigyaToken implements oauth.GigyaStore.
func (db *DB) CreateGigyaToken(ctx context.Context, t *oauth.GigyaToken) error {
	return db.writeRow(ctx,
		`INSERT INTO gigya_tokens (token_hash, site_id, account_id, user_key, code_id, secret_tag, created_at, expires_at, revoked_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		t.Hash, t.SiteID, nullInt(t.AccountID), nullString(t.UserKey), nullInt(t.CodeID), t.SecretTag,
		millis(t.CreatedAt), gigyaMillis(t.ExpiresAt), gigyaMillis(t.RevokedAt),
	).Scan(&t.ID)
}

// GigyaTokenByHash implements oauth.GigyaStore: one lookup by the unique hash.
func (db *DB) GigyaTokenByHash(ctx context.Context, hash []byte) (oauth.GigyaToken, error) {
	var (
		t                 oauth.GigyaToken
		accountID, codeID sql.NullInt64
		userKey           sql.NullString
		created           int64
		expires, revoked  sql.NullInt64
	)
	err := db.row(ctx,
		`SELECT id, site_id, account_id, user_key, code_id, secret_tag, created_at, expires_at, revoked_at
		 FROM gigya_tokens WHERE token_hash = $1`, hash,
	).Scan(&t.ID, &t.SiteID, &accountID, &userKey, &codeID, &t.SecretTag, &created, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return oauth.GigyaToken{}, oauth.ErrNotFound
	}
	if err != nil {
		return oauth.GigyaToken{}, err
	}
	t.Hash, t.AccountID, t.UserKey, t.CodeID = hash, accountID.Int64, userKey.String, codeID.Int64
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = fromMillis(created), fromMillis(expires.Int64), fromMillis(revoked.Int64)
	return t, nil
}

// RevokeGigyaToken implements oauth.GigyaStore.
func (db *DB) RevokeGigyaToken(ctx context.Context, siteID int64, hash []byte, at time.Time) error {
	res, err := db.exec(ctx,
		`UPDATE gigya_tokens SET revoked_at = $3 WHERE token_hash = $1 AND site_id = $2 AND revoked_at IS NULL`,
		hash, siteID, millis(at))
	return affected(res, err, oauth.ErrNotFound)
}

// CreateGigyaCode implements oauth.GigyaStore.
func (db *DB) CreateGigyaCode(ctx context.Context, c *oauth.GigyaCode) error {
	return db.writeRow(ctx,
		`INSERT INTO gigya_codes (code_hash, site_id, account_id, redirect_uri, created_at, expires_at, used_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		c.Hash, c.SiteID, c.AccountID, c.RedirectURI, millis(c.CreatedAt), millis(c.ExpiresAt), gigyaMillis(c.UsedAt),
	).Scan(&c.ID)
}

// GigyaCodeByHash implements oauth.GigyaStore.
func (db *DB) GigyaCodeByHash(ctx context.Context, hash []byte) (oauth.GigyaCode, error) {
	var (
		c                oauth.GigyaCode
		created, expires int64
		used             sql.NullInt64
	)
	err := db.row(ctx,
		`SELECT id, site_id, account_id, redirect_uri, created_at, expires_at, used_at
		 FROM gigya_codes WHERE code_hash = $1`, hash,
	).Scan(&c.ID, &c.SiteID, &c.AccountID, &c.RedirectURI, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return oauth.GigyaCode{}, oauth.ErrNotFound
	}
	if err != nil {
		return oauth.GigyaCode{}, err
	}
	c.Hash, c.CreatedAt, c.ExpiresAt, c.UsedAt = hash, fromMillis(created), fromMillis(expires), fromMillis(used.Int64)
	return c, nil
}

// ExchangeGigyaCode implements oauth.GigyaStore: the conditional update
// lets one of concurrent exchanges win; the others find the code used.
func (db *DB) ExchangeGigyaCode(ctx context.Context, codeID int64, t *oauth.GigyaToken) error {
	return db.withTx(ctx, func(tx *DB) error {
		res, err := tx.exec(ctx, `UPDATE gigya_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL`,
			codeID, millis(t.CreatedAt))
		if err := affected(res, err, oauth.ErrReused); err != nil {
			return err
		}
		t.CodeID = codeID
		return tx.CreateGigyaToken(ctx, t)
	})
}

// RevokeGigyaCodeTokens implements oauth.GigyaStore.
func (db *DB) RevokeGigyaCodeTokens(ctx context.Context, codeID int64, at time.Time) error {
	_, err := db.exec(ctx, `UPDATE gigya_tokens SET revoked_at = $2 WHERE code_id = $1 AND revoked_at IS NULL`,
		codeID, millis(at))
	return err
}

// gigyaMillis is NULL for the zero time.
func gigyaMillis(t time.Time) sql.NullInt64 {
	return sql.NullInt64{Int64: millis(t), Valid: !t.IsZero()}
}
