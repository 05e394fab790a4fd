package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/custos-id/custos/internal/site"
)

// CreateAppKey implements site.Store.
func (db *DB) CreateAppKey(ctx context.Context, k site.AppKeyRecord) error {
	scopes, err := json.Marshal(k.Scopes)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx,
		`INSERT INTO app_keys (user_key, site_id, name, secret_sealed, scopes, public_key, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.UserKey, k.SiteID, k.Name, k.SecretSealed, string(scopes), k.PublicKey, millis(k.CreatedAt))
	return err
}

const appKeyColumns = `user_key, site_id, name, secret_sealed, scopes, public_key, created_at, revoked_at`

// AppKeyByUserKey implements site.Store.
func (db *DB) AppKeyByUserKey(ctx context.Context, userKey string) (site.AppKeyRecord, error) {
	return scanAppKey(db.row(ctx, `SELECT `+appKeyColumns+` FROM app_keys WHERE user_key = $1`, userKey))
}

// ListAppKeys implements site.Store.
func (db *DB) ListAppKeys(ctx context.Context, siteID int64) ([]site.AppKeyRecord, error) {
	rows, err := db.rows(ctx, `SELECT `+appKeyColumns+` FROM app_keys WHERE site_id = $1 ORDER BY created_at, user_key`, siteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []site.AppKeyRecord
	for rows.Next() {
		k, err := scanAppKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAppKey implements site.Store.
func (db *DB) RevokeAppKey(ctx context.Context, siteID int64, userKey string, at time.Time) error {
	res, err := db.exec(ctx, `UPDATE app_keys SET revoked_at = $1 WHERE user_key = $2 AND site_id = $3 AND revoked_at = 0`,
		millis(at), userKey, siteID)
	return affected(res, err, site.ErrKeyNotFound)
}

func scanAppKey(row scanner) (site.AppKeyRecord, error) {
	var (
		k                site.AppKeyRecord
		scopes           string
		created, revoked int64
	)
	err := row.Scan(&k.UserKey, &k.SiteID, &k.Name, &k.SecretSealed, &scopes, &k.PublicKey, &created, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return site.AppKeyRecord{}, site.ErrKeyNotFound
	}
	if err != nil {
		return site.AppKeyRecord{}, err
	}
	if err := json.Unmarshal([]byte(scopes), &k.Scopes); err != nil {
		return site.AppKeyRecord{}, err
	}
	k.CreatedAt, k.RevokedAt = fromMillis(created), fromMillis(revoked)
	return k, nil
}

// UseNonce records a nonce of a signed request until expires: false when it
// was seen before (a replay). The primary key decides, across processes.
func (db *DB) UseNonce(ctx context.Context, siteID int64, nonce string, expires time.Time) (bool, error) {
	res, err := db.exec(ctx,
		`INSERT INTO nonces (site_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT (site_id, nonce) DO NOTHING`,
		siteID, nonce, millis(expires))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
