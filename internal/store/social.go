package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/custos-id/custos/internal/social"
)

var _ social.Store = (*DB)(nil)

// PutSocialProvider implements social.Store.
func (db *DB) PutSocialProvider(ctx context.Context, r social.ProviderRecord) error {
	_, err := db.exec(ctx,
		`INSERT INTO social_providers (site_id, name, config, secret_sealed, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (site_id, name) DO UPDATE SET config = excluded.config, secret_sealed = excluded.secret_sealed,
		   updated_at = excluded.updated_at`,
		r.SiteID, r.Name, r.Config, nullBytes(r.SecretSealed), millis(r.CreatedAt), millis(r.UpdatedAt))
	return err
}

const socialProviderColumns = `site_id, name, config, secret_sealed, created_at, updated_at`

func scanSocialProvider(row interface{ Scan(...any) error }) (social.ProviderRecord, error) {
	var (
		r                social.ProviderRecord
		created, updated int64
	)
	if err := row.Scan(&r.SiteID, &r.Name, &r.Config, &r.SecretSealed, &created, &updated); err != nil {
		return social.ProviderRecord{}, err
	}
	r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
	return r, nil
}

// SocialProvider implements social.Store.
func (db *DB) SocialProvider(ctx context.Context, siteID int64, name string) (social.ProviderRecord, error) {
	r, err := scanSocialProvider(db.row(ctx,
		`SELECT `+socialProviderColumns+` FROM social_providers WHERE site_id = $1 AND name = $2`, siteID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return social.ProviderRecord{}, social.ErrNotFound
	}
	return r, err
}

// SocialProviders implements social.Store.
func (db *DB) SocialProviders(ctx context.Context, siteID int64) ([]social.ProviderRecord, error) {
	rows, err := db.rows(ctx, `SELECT `+socialProviderColumns+` FROM social_providers WHERE site_id = $1 ORDER BY name`, siteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []social.ProviderRecord
	for rows.Next() {
		r, err := scanSocialProvider(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteSocialProvider implements social.Store.
func (db *DB) DeleteSocialProvider(ctx context.Context, siteID int64, name string) error {
	res, err := db.exec(ctx, `DELETE FROM social_providers WHERE site_id = $1 AND name = $2`, siteID, name)
	return affected(res, err, social.ErrNotFound)
}

// CreateSocialAttempt implements social.Store.
func (db *DB) CreateSocialAttempt(ctx context.Context, a social.Attempt) error {
	_, err := db.exec(ctx,
		`INSERT INTO social_attempts (state_hash, site_id, provider, callback_url, verifier_sealed, nonce_hash, return_to,
		   created_at, expires_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.StateHash, a.SiteID, a.Provider, a.CallbackURL, a.VerifierSealed, nullBytes(a.NonceHash), a.Return,
		millis(a.CreatedAt), millis(a.ExpiresAt))
	return err
}

// TakeSocialAttempt implements social.Store: one DELETE … RETURNING, so
// that of concurrent takes exactly one gets the row.
func (db *DB) TakeSocialAttempt(ctx context.Context, stateHash []byte) (social.Attempt, error) {
	var (
		a                social.Attempt
		created, expires int64
	)
	err := db.writeRow(ctx,
		`DELETE FROM social_attempts WHERE state_hash = $1
		 RETURNING site_id, provider, callback_url, verifier_sealed, nonce_hash, return_to, created_at, expires_at`,
		stateHash,
	).Scan(&a.SiteID, &a.Provider, &a.CallbackURL, &a.VerifierSealed, &a.NonceHash, &a.Return, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return social.Attempt{}, social.ErrNotFound
	}
	if err != nil {
		return social.Attempt{}, err
	}
	a.StateHash, a.CreatedAt, a.ExpiresAt = stateHash, fromMillis(created), fromMillis(expires)
	return a, nil
}

// nullBytes is NULL for an empty value.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// SetSocialRedirectURIs implements social.Store.
func (db *DB) SetSocialRedirectURIs(ctx context.Context, siteID int64, uris []string, at time.Time) error {
	if uris == nil {
		uris = []string{}
	}
	b, err := json.Marshal(uris)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx,
		`INSERT INTO social_redirect_uris (site_id, uris, updated_at) VALUES ($1, $2, $3)
		 ON CONFLICT (site_id) DO UPDATE SET uris = excluded.uris, updated_at = excluded.updated_at`,
		siteID, string(b), millis(at))
	return err
}

// SocialRedirectURIs implements social.Store: none when the site set none.
func (db *DB) SocialRedirectURIs(ctx context.Context, siteID int64) ([]string, error) {
	var raw string
	err := db.row(ctx, `SELECT uris FROM social_redirect_uris WHERE site_id = $1`, siteID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return []string{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []string{}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, err
	}
	return out, nil
}

// UseSocialToken implements social.Store: one INSERT … ON CONFLICT DO
// NOTHING, so that of concurrent uses exactly one is the first.
func (db *DB) UseSocialToken(ctx context.Context, tokenHash []byte, expires time.Time) (bool, error) {
	res, err := db.exec(ctx, `INSERT INTO social_used_tokens (token_hash, expires_at) VALUES ($1, $2)
		ON CONFLICT (token_hash) DO NOTHING`, tokenHash, millis(expires))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
