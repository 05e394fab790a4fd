package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/custos-id/custos/internal/token"
)

var _ token.KeyStore = (*DB)(nil)

// SiteKeys implements token.KeyStore.
func (db *DB) SiteKeys(ctx context.Context, siteID int64, retiredSince time.Time) ([]token.StoredKey, error) {
	rows, err := db.rows(ctx,
		`SELECT kid, alg, private_sealed, created_at, activate_at, retired_at FROM site_keys
		 WHERE site_id = $1 AND (retired_at IS NULL OR retired_at >= $2)
		 ORDER BY activate_at DESC, kid`, siteID, millis(retiredSince))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []token.StoredKey
	for rows.Next() {
		var (
			k                 = token.StoredKey{SiteID: siteID}
			created, activate int64
			retired           sql.NullInt64
		)
		if err := rows.Scan(&k.KID, &k.Alg, &k.PrivateSealed, &created, &activate, &retired); err != nil {
			return nil, err
		}
		k.CreatedAt, k.ActivateAt, k.RetiredAt = fromMillis(created), fromMillis(activate), fromMillis(retired.Int64)
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// CreateSiteKey implements token.KeyStore: of inserts racing for a site
// without a key, the first to commit wins (the partial unique index
// site_keys_newest) and the others change nothing. It locks the site's row
// as RotateSiteKey does: a rotation that found no key (there was none yet)
// must not meet a first key committed meanwhile.
func (db *DB) CreateSiteKey(ctx context.Context, k token.StoredKey) (created bool, err error) {
	err = db.withTx(ctx, func(tx *DB) error {
		if err := tx.lockSite(ctx, k.SiteID); err != nil {
			return err
		}
		res, err := tx.exec(ctx,
			`INSERT INTO site_keys (site_id, kid, alg, private_sealed, created_at, activate_at)
			 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (site_id) WHERE retired_at IS NULL DO NOTHING`,
			k.SiteID, k.KID, k.Alg, k.PrivateSealed, millis(k.CreatedAt), millis(k.ActivateAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		created = n == 1
		return err
	})
	return created, err
}

// lockSite holds the row of site id until the transaction ends, so that
// changes to the site's key set run one after the other.
func (db *DB) lockSite(ctx context.Context, id int64) error {
	_, err := db.exec(ctx, `UPDATE sites SET id = id WHERE id = $1`, id)
	return err
}

// RotateSiteKey implements token.KeyStore. The transaction first locks the
// site's row, so that racing rotations run one after the other, each
// appending to the chain the one before left.
func (db *DB) RotateSiteKey(ctx context.Context, k token.StoredKey) (activateAt time.Time, err error) {
	err = db.withTx(ctx, func(tx *DB) error {
		if err := tx.lockSite(ctx, k.SiteID); err != nil {
			return err
		}
		at := millis(k.ActivateAt)
		var newest int64
		err := tx.row(ctx, `SELECT activate_at FROM site_keys WHERE site_id = $1 AND retired_at IS NULL`,
			k.SiteID).Scan(&newest)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			at = millis(k.CreatedAt)
		case err != nil:
			return err
		default:
			at = max(at, newest+1)
			if _, err := tx.exec(ctx, `UPDATE site_keys SET retired_at = $2 WHERE site_id = $1 AND retired_at IS NULL`,
				k.SiteID, at); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO site_keys (site_id, kid, alg, private_sealed, created_at, activate_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, k.SiteID, k.KID, k.Alg, k.PrivateSealed, millis(k.CreatedAt), at); err != nil {
			return err
		}
		activateAt = fromMillis(at)
		return nil
	})
	return activateAt, err
}
