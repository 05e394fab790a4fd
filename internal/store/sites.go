package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/custos-id/custos/internal/site"
)

var _ site.Store = (*DB)(nil)

const siteColumns = `id, name, api_key, secret_sealed, domains, policies, schema, require_referrer, web_sdk_config,
	screen_set_scripts, created_at, updated_at`

// CreateSite implements site.Store.
func (db *DB) CreateSite(ctx context.Context, r *site.Record) error {
	return db.insertSite(ctx, r)
}

// firstSiteLock is the PostgreSQL advisory lock key of CreateFirstSite.
const firstSiteLock = 0x637573746f73 // "custos"

// CreateFirstSite implements site.Store. Processes starting together on one
// empty database queue on a lock (SQLite: the write transaction itself), so
// exactly one of them creates the site.
func (db *DB) CreateFirstSite(ctx context.Context, r *site.Record) (created bool, err error) {
	err = db.withTx(ctx, func(tx *DB) error {
		if db.engine == Postgres {
			if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, firstSiteLock); err != nil {
				return err
			}
		}
		var any int
		err := tx.row(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM sites LIMIT 1) s`).Scan(&any)
		if err != nil || any > 0 {
			return err
		}
		created = true
		return tx.insertSite(ctx, r)
	})
	return created && err == nil, err
}

func (db *DB) insertSite(ctx context.Context, r *site.Record) error {
	domains, err := json.Marshal(r.Domains)
	if err != nil {
		return err
	}
	return db.writeRow(ctx,
		`INSERT INTO sites (name, api_key, secret_sealed, domains, policies, schema, require_referrer, web_sdk_config,
		   screen_set_scripts, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		r.Name, r.APIKey, r.SealedSecret, string(domains), cmp.Or(r.Policies, "{}"), r.Schema, r.RequireReferrer,
		cmp.Or(r.WebSDKConfig, "{}"), r.ScreenSetScripts, millis(r.CreatedAt), millis(r.UpdatedAt),
	).Scan(&r.ID)
}

// SiteByID implements site.Store.
func (db *DB) SiteByID(ctx context.Context, id int64) (site.Record, error) {
	return scanSite(db.row(ctx, `SELECT `+siteColumns+` FROM sites WHERE id = $1`, id))
}

// SiteByAPIKey implements site.Store.
func (db *DB) SiteByAPIKey(ctx context.Context, apiKey string) (site.Record, error) {
	return scanSite(db.row(ctx, `SELECT `+siteColumns+` FROM sites WHERE api_key = $1`, apiKey))
}

// ListSites implements site.Store.
func (db *DB) ListSites(ctx context.Context) ([]site.Record, error) {
	rows, err := db.rows(ctx, `SELECT `+siteColumns+` FROM sites ORDER BY id`)
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

// UpdateSite implements site.Store: the row is read and written in one
// transaction, locked on PostgreSQL (FOR UPDATE) and behind the single writer
// connection on SQLite, so that concurrent edits queue instead of
// overwriting each other. When fn leaves UpdatedAt at or before the value
// read, it becomes a millisecond later, in the record fn edited. ID, APIKey
// and CreatedAt are not written: the sealed secret is bound to the API key.
func (db *DB) UpdateSite(ctx context.Context, id int64, fn func(*site.Record, site.Tx) error) error {
	lock := ""
	if db.engine == Postgres {
		lock = ` FOR UPDATE`
	}
	return db.withTx(ctx, func(tx *DB) error {
		r, err := scanSite(tx.row(ctx, `SELECT `+siteColumns+` FROM sites WHERE id = $1`+lock, id))
		if err != nil {
			return err
		}
		read := r.UpdatedAt
		if err := fn(&r, tx); err != nil {
			return err
		}
		if !r.UpdatedAt.After(read) {
			r.UpdatedAt = read.Add(time.Millisecond)
		}
		domains, err := json.Marshal(r.Domains)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx,
			`UPDATE sites SET name = $1, secret_sealed = $2, domains = $3, policies = $4, schema = $5,
			   require_referrer = $6, web_sdk_config = $7, screen_set_scripts = $8, updated_at = $9 WHERE id = $10`,
			r.Name, r.SealedSecret, string(domains), cmp.Or(r.Policies, "{}"), r.Schema, r.RequireReferrer,
			cmp.Or(r.WebSDKConfig, "{}"), r.ScreenSetScripts, millis(r.UpdatedAt), id)
		return affected(res, err, site.ErrNotFound)
	})
}
func scanSite(row scanner) (site.Record, error) {
	var (
		r                site.Record
		domains          string
		created, updated int64
	)
	err := row.Scan(&r.ID, &r.Name, &r.APIKey, &r.SealedSecret, &domains, &r.Policies, &r.Schema, &r.RequireReferrer,
		&r.WebSDKConfig, &r.ScreenSetScripts, &created, &updated)
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
