package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/custos-id/custos/internal/account"
)

const identityColumns = `provider, provider_uid, account_id, email, email_verified, profile, created_at, updated_at, last_login_at,
	issuer`

// CreateIdentity implements account.IdentityStore: the primary key (site,
// provider, issuer, provider_uid) and the unique (account_id, provider)
// decide races.
func (db *DB) CreateIdentity(ctx context.Context, siteID int64, id account.StoredIdentity) error {
	profile, err := json.Marshal(orEmpty(id.Profile))
	if err != nil {
		return err
	}
	_, err = db.exec(ctx,
		`INSERT INTO identities (site_id, `+identityColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		siteID, id.Provider, id.ProviderUID, id.AccountID, id.Email, id.EmailVerified, string(profile),
		millis(id.CreatedAt), millis(id.UpdatedAt), optMillis(id.LastLoginAt), id.Issuer)
	if db.violates(err, "identities") {
		return account.ErrIdentityTaken
	}
	return err
}

// IdentityByProviderUID implements account.IdentityStore: one primary-key lookup.
func (db *DB) IdentityByProviderUID(ctx context.Context, siteID int64, provider, issuer, providerUID string) (account.StoredIdentity, error) {
	return scanIdentity(db.row(ctx, `SELECT `+identityColumns+` FROM identities
		WHERE site_id = $1 AND provider = $2 AND issuer = $3 AND provider_uid = $4`, siteID, provider, issuer, providerUID))
}

// Identities implements account.IdentityStore.
func (db *DB) Identities(ctx context.Context, accountID int64) ([]account.StoredIdentity, error) {
	rows, err := db.rows(ctx, `SELECT `+identityColumns+` FROM identities WHERE account_id = $1
		ORDER BY created_at, provider`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account.StoredIdentity
	for rows.Next() {
		id, err := scanIdentity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// UpdateIdentity implements account.IdentityStore.
func (db *DB) UpdateIdentity(ctx context.Context, siteID int64, id account.StoredIdentity) error {
	profile, err := json.Marshal(orEmpty(id.Profile))
	if err != nil {
		return err
	}
	res, err := db.exec(ctx, `UPDATE identities SET email = $1, email_verified = $2, profile = $3, updated_at = $4,
		last_login_at = $5 WHERE site_id = $6 AND provider = $7 AND issuer = $8 AND provider_uid = $9`,
		id.Email, id.EmailVerified, string(profile), millis(id.UpdatedAt), optMillis(id.LastLoginAt),
		siteID, id.Provider, id.Issuer, id.ProviderUID)
	return affected(res, err, account.ErrNotFound)
}

// DeleteIdentity implements account.IdentityStore.
func (db *DB) DeleteIdentity(ctx context.Context, accountID int64, provider string) error {
	res, err := db.exec(ctx, `DELETE FROM identities WHERE account_id = $1 AND provider = $2`, accountID, provider)
	return affected(res, err, account.ErrNotFound)
}

func scanIdentity(row scanner) (account.StoredIdentity, error) {
	var (
		id                      account.StoredIdentity
		profile                 string
		created, updated, login int64
	)
	err := row.Scan(&id.Provider, &id.ProviderUID, &id.AccountID, &id.Email, &id.EmailVerified, &profile,
		&created, &updated, &login, &id.Issuer)
	if errors.Is(err, sql.ErrNoRows) {
		return account.StoredIdentity{}, account.ErrNotFound
	}
	if err != nil {
		return account.StoredIdentity{}, err
	}
	id.CreatedAt, id.UpdatedAt, id.LastLoginAt = fromMillis(created), fromMillis(updated), fromMillis(login)
	return id, unmarshalObject(profile, &id.Profile)
}

const pendingIdentityColumns = `token_hash, site_id, provider, provider_uid, email, email_verified, profile,
	conflict_account_id, created_at, issuer, browser_hash`

// CreatePendingIdentity implements account.IdentityStore: the pending
// identities of the same identity in the site go first, with their tokens
// (the rows' foreign key takes them along), so that an identity waits
// under one regToken at most.
func (db *DB) CreatePendingIdentity(ctx context.Context, p account.PendingIdentity) error {
	profile, err := json.Marshal(orEmpty(p.Profile))
	if err != nil {
		return err
	}
	if _, err := db.exec(ctx, `DELETE FROM tokens WHERE token_hash IN (SELECT token_hash FROM pending_identities
		WHERE site_id = $1 AND provider = $2 AND provider_uid = $3)`, p.SiteID, p.Provider, p.ProviderUID); err != nil {
		return err
	}
	var browser any
	if len(p.BrowserHash) > 0 {
		browser = p.BrowserHash
	}
	_, err = db.exec(ctx, `INSERT INTO pending_identities (`+pendingIdentityColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		p.TokenHash, p.SiteID, p.Provider, p.ProviderUID, p.Email, p.EmailVerified, string(profile),
		p.ConflictAccountID, millis(p.CreatedAt), p.Issuer, browser)
	return err
}

// PendingIdentityByHash implements account.IdentityStore.
func (db *DB) PendingIdentityByHash(ctx context.Context, hash []byte) (account.PendingIdentity, error) {
	var (
		p       account.PendingIdentity
		profile string
		created int64
	)
	err := db.row(ctx, `SELECT `+pendingIdentityColumns+` FROM pending_identities WHERE token_hash = $1`, hash).
		Scan(&p.TokenHash, &p.SiteID, &p.Provider, &p.ProviderUID, &p.Email, &p.EmailVerified, &profile,
			&p.ConflictAccountID, &created, &p.Issuer, &p.BrowserHash)
	if errors.Is(err, sql.ErrNoRows) {
		return account.PendingIdentity{}, account.ErrNotFound
	}
	if err != nil {
		return account.PendingIdentity{}, err
	}
	p.CreatedAt = fromMillis(created)
	return p, unmarshalObject(profile, &p.Profile)
}
