package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/custos-id/custos/internal/site"
)

var _ site.Store = (*DB)(nil)

const siteColumns = `id, name, api_key, secret_sealed, domains, created_at, updated_at`

// CreateSite implements site.Store.
func (db *DB) CreateSite(ctx context.Context, r *site.Record) error {
	return insertSite(ctx, db.write, r)
}

// firstSiteLock is the PostgreSQL advisory lock key of CreateFirstSite.
const firstSiteLock = 0x637573746f73 // "custos"

// CreateFirstSite implements site.Store. Processes starting together on one
// empty database queue on a lock (SQLite: the write transaction itself), so
// exactly one of them creates the site.
func (db *DB) CreateFirstSite(ctx context.Context, r *site.Record) (created bool, err error) {
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if db.engine == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, firstSiteLock); err != nil {
				return err
			}
		}
		var any int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM sites LIMIT 1) s`).Scan(&any)
		if err != nil || any > 0 {
			return err
		}
		created = true
		return insertSite(ctx, tx, r)
	})
	return created && err == nil, err
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func insertSite(ctx context.Context, q queryer, r *site.Record) error {
	domains, err := json.Marshal(r.Domains)
	if err != nil {
		return err
	}
	return q.QueryRowContext(ctx,
		`INSERT INTO sites (name, api_key, secret_sealed, domains, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		r.Name, r.APIKey, r.SealedSecret, string(domains), millis(r.CreatedAt), millis(r.UpdatedAt),
	).Scan(&r.ID)
}

// SiteByID implements site.Store.
func (db *DB) SiteByID(ctx context.Context, id int64) (site.Record, error) {
	return scanSite(db.read.queryRow(ctx, `SELECT `+siteColumns+` FROM sites WHERE id = $1`, id))
}

// SiteByAPIKey implements site.Store.
func (db *DB) SiteByAPIKey(ctx context.Context, apiKey string) (site.Record, error) {
	return scanSite(db.read.queryRow(ctx, `SELECT `+siteColumns+` FROM sites WHERE api_key = $1`, apiKey))
}

// ListSites implements site.Store.
func (db *DB) ListSites(ctx context.Context) ([]site.Record, error) {
	rows, err := db.read.query(ctx, `SELECT `+siteColumns+` FROM sites ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []site.Record
	for rows.Next() {
		r, err := scanSite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UpdateSiteSecret implements site.Store.
func (db *DB) UpdateSiteSecret(ctx context.Context, id int64, sealed []byte, updatedAt time.Time) error {
	res, err := db.write.ExecContext(ctx,
		`UPDATE sites SET secret_sealed = $1, updated_at = $2 WHERE id = $3`, sealed, millis(updatedAt), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return site.ErrNotFound
	}
	return err
}

func scanSite(row scanner) (site.Record, error) {
	var (
		r                site.Record
		domains          string
		created, updated int64
	)
	err := row.Scan(&r.ID, &r.Name, &r.APIKey, &r.SealedSecret, &domains, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return site.Record{}, site.ErrNotFound
	}
	if err != nil {
		return site.Record{}, err
	}
	if err := json.Unmarshal([]byte(domains), &r.Domains); err != nil {
		return site.Record{}, fmt.Errorf("site %d domains: %w", r.ID, err)
	}
	r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
	return r, nil
}
