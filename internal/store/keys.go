package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/custos-id/custos/internal/jwt"
)

var _ jwt.KeyStore = (*DB)(nil)

// SiteKey implements jwt.KeyStore.
func (db *DB) SiteKey(ctx context.Context, siteID int64) (jwt.StoredKey, error) {
	var (
		k       = jwt.StoredKey{SiteID: siteID}
		created int64
	)
	err := db.read.queryRow(ctx,
		`SELECT kid, alg, private_sealed, created_at FROM site_keys WHERE site_id = $1`, siteID,
	).Scan(&k.KID, &k.Alg, &k.PrivateSealed, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return jwt.StoredKey{}, jwt.ErrNoKey
	}
	if err != nil {
		return jwt.StoredKey{}, err
	}
	k.CreatedAt = fromMillis(created)
	return k, nil
}

// CreateSiteKey implements jwt.KeyStore: of inserts racing for one site, the
// first to commit wins and the others change nothing.
func (db *DB) CreateSiteKey(ctx context.Context, k jwt.StoredKey) (created bool, err error) {
	res, err := db.write.ExecContext(ctx,
		`INSERT INTO site_keys (site_id, kid, alg, private_sealed, created_at)
		 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site_id) DO NOTHING`,
		k.SiteID, k.KID, k.Alg, k.PrivateSealed, millis(k.CreatedAt))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
