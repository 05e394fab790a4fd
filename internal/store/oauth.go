package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/custos-id/custos/internal/oauth"
)

var _ oauth.Store = (*DB)(nil)

// --- clients ---

const oauthClientColumns = `id, site_id, client_id, name, secret_hash, redirect_uris, post_logout_redirect_uris,
	response_types, grant_types, scopes, require_consent, created_at, updated_at`

// CreateOAuthClient implements oauth.Store.
func (db *DB) CreateOAuthClient(ctx context.Context, c *oauth.Client) error {
	err := db.writeRow(ctx,
		`INSERT INTO oauth_clients (site_id, client_id, name, secret_hash, redirect_uris, post_logout_redirect_uris,
		   response_types, grant_types, scopes, require_consent, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		c.SiteID, c.ClientID, c.Name, nilBytes(c.SecretHash), jsonList(c.RedirectURIs), jsonList(c.PostLogoutRedirectURIs),
		jsonList(c.ResponseTypes), jsonList(c.GrantTypes), jsonList(c.Scopes), c.RequireConsent,
		millis(c.CreatedAt), millis(c.UpdatedAt),
	).Scan(&c.ID)
	if db.violates(err, "oauth_clients") {
		return oauth.ErrClientExists
	}
	return err
}

// OAuthClient implements oauth.Store.
func (db *DB) OAuthClient(ctx context.Context, siteID int64, clientID string) (oauth.Client, error) {
	return scanOAuthClient(db.row(ctx,
		`SELECT `+oauthClientColumns+` FROM oauth_clients WHERE site_id = $1 AND client_id = $2`, siteID, clientID))
}

// OAuthClients implements oauth.Store.
func (db *DB) OAuthClients(ctx context.Context, siteID int64) ([]oauth.Client, error) {
	rows, err := db.rows(ctx, `SELECT `+oauthClientColumns+` FROM oauth_clients WHERE site_id = $1 ORDER BY id`, siteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []oauth.Client{}
	for rows.Next() {
		c, err := scanOAuthClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateOAuthClient implements oauth.Store like UpdateSite: the row is
// read and written in one transaction, locked on PostgreSQL (FOR UPDATE)
// and behind the single writer on SQLite, so that concurrent updates
// queue; the write is conditional on updated_at still being the value
// read, so that a writer that got past the lock anyhow gets ErrChanged.
func (db *DB) UpdateOAuthClient(ctx context.Context, siteID int64, clientID string, fn func(*oauth.Client) error) (oauth.Client, error) {
	var c oauth.Client
	err := db.withTx(ctx, func(tx *DB) error {
		var err error
		c, err = scanOAuthClient(tx.row(ctx, `SELECT `+oauthClientColumns+` FROM oauth_clients
			WHERE site_id = $1 AND client_id = $2`+db.forUpdate(), siteID, clientID))
		if err != nil {
			return err
		}
		id, created, read := c.ID, c.CreatedAt, c.UpdatedAt
		if err := fn(&c); err != nil {
			return err
		}
		c.ID, c.SiteID, c.ClientID, c.CreatedAt = id, siteID, clientID, created
		if !c.UpdatedAt.After(read) {
			c.UpdatedAt = read.Add(time.Millisecond)
		}
		res, err := tx.exec(ctx,
			`UPDATE oauth_clients SET name = $1, secret_hash = $2, redirect_uris = $3, post_logout_redirect_uris = $4,
			   response_types = $5, grant_types = $6, scopes = $7, require_consent = $8, updated_at = $9
			 WHERE site_id = $10 AND client_id = $11 AND updated_at = $12`,
			c.Name, nilBytes(c.SecretHash), jsonList(c.RedirectURIs), jsonList(c.PostLogoutRedirectURIs),
			jsonList(c.ResponseTypes), jsonList(c.GrantTypes), jsonList(c.Scopes), c.RequireConsent,
			millis(c.UpdatedAt), siteID, clientID, millis(read))
		return affected(res, err, oauth.ErrChanged)
	})
	if err != nil {
		return oauth.Client{}, err
	}
	return c, nil
}

// DeleteOAuthClient implements oauth.Store: its requests, tokens and
// consents go with it (ON DELETE CASCADE).
func (db *DB) DeleteOAuthClient(ctx context.Context, siteID int64, clientID string) error {
	res, err := db.exec(ctx, `DELETE FROM oauth_clients WHERE site_id = $1 AND client_id = $2`, siteID, clientID)
	return affected(res, err, oauth.ErrNotFound)
}

func scanOAuthClient(row scanner) (oauth.Client, error) {
	var (
		c                                             oauth.Client
		redirects, logouts, responses, grants, scopes string
		created, updated                              int64
	)
	err := row.Scan(&c.ID, &c.SiteID, &c.ClientID, &c.Name, &c.SecretHash, &redirects, &logouts, &responses, &grants,
		&scopes, &c.RequireConsent, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return oauth.Client{}, oauth.ErrNotFound
	}
	if err != nil {
		return oauth.Client{}, err
	}
	c.CreatedAt, c.UpdatedAt = fromMillis(created), fromMillis(updated)
	if len(c.SecretHash) == 0 {
		c.SecretHash = nil
	}
	return c, errors.Join(decodeList(redirects, &c.RedirectURIs), decodeList(logouts, &c.PostLogoutRedirectURIs),
		decodeList(responses, &c.ResponseTypes), decodeList(grants, &c.GrantTypes), decodeList(scopes, &c.Scopes))
}

// --- configuration ---

// oauthConfig is a site's oauth.Config as oauth_configs keeps it:
// lifetimes in seconds, 0 for the default.
type oauthConfig struct {
	ProxyPage            string              `json:"proxyPage,omitempty"`
	CustomClaims         map[string]string   `json:"customClaims,omitempty"` // claim: fieldName
	CustomScopes         map[string][]string `json:"customScopes,omitempty"`
	Stylesheet           string              `json:"stylesheet,omitempty"`
	AccessTokenLifetime  int64               `json:"accessTokenLifetime,omitempty"`
	IDTokenLifetime      int64               `json:"idTokenLifetime,omitempty"`
	RefreshTokenLifetime int64               `json:"refreshTokenLifetime,omitempty"`
	CodeLifetime         int64               `json:"codeLifetime,omitempty"`
}

func encodeOAuthConfig(c oauth.Config) (string, error) {
	doc := oauthConfig{ProxyPage: c.ProxyPage, CustomScopes: c.CustomScopes, Stylesheet: c.Stylesheet,
		AccessTokenLifetime: seconds(c.AccessTokenLifetime), IDTokenLifetime: seconds(c.IDTokenLifetime),
		RefreshTokenLifetime: seconds(c.RefreshTokenLifetime), CodeLifetime: seconds(c.CodeLifetime)}
	if len(c.CustomClaims) > 0 {
		doc.CustomClaims = map[string]string{}
		for name, claim := range c.CustomClaims {
			doc.CustomClaims[name] = claim.FieldName
		}
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

func decodeOAuthConfig(s string) (oauth.Config, error) {
	var doc oauthConfig
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return oauth.Config{}, fmt.Errorf("oauth_configs.config: %w", err)
	}
	c := oauth.Config{ProxyPage: doc.ProxyPage, CustomScopes: doc.CustomScopes, Stylesheet: doc.Stylesheet,
		AccessTokenLifetime: time.Duration(doc.AccessTokenLifetime) * time.Second, IDTokenLifetime: time.Duration(doc.IDTokenLifetime) * time.Second,
		RefreshTokenLifetime: time.Duration(doc.RefreshTokenLifetime) * time.Second, CodeLifetime: time.Duration(doc.CodeLifetime) * time.Second}
	if len(doc.CustomClaims) > 0 {
		c.CustomClaims = map[string]oauth.Claim{}
		for name, field := range doc.CustomClaims {
			c.CustomClaims[name] = oauth.Claim{FieldName: field}
		}
	}
	return c, nil
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// OAuthConfig implements oauth.Store.
func (db *DB) OAuthConfig(ctx context.Context, siteID int64) (oauth.Config, error) {
	var doc string
	err := db.row(ctx, `SELECT config FROM oauth_configs WHERE site_id = $1`, siteID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return oauth.Config{}, nil
	}
	if err != nil {
		return oauth.Config{}, err
	}
	return decodeOAuthConfig(doc)
}

// UpdateOAuthConfig implements oauth.Store. A row of the defaults is
// inserted first when the site has none, so that concurrent first writers
// queue on it like any others.
func (db *DB) UpdateOAuthConfig(ctx context.Context, siteID int64, at time.Time, fn func(*oauth.Config) error) (oauth.Config, error) {
	var c oauth.Config
	err := db.withTx(ctx, func(tx *DB) error {
		if _, err := tx.exec(ctx, `INSERT INTO oauth_configs (site_id, config, updated_at) VALUES ($1, '{}', 0)
			ON CONFLICT (site_id) DO NOTHING`, siteID); err != nil {
			return err
		}
		var (
			doc  string
			read int64
		)
		err := tx.row(ctx, `SELECT config, updated_at FROM oauth_configs WHERE site_id = $1`+db.forUpdate(), siteID).Scan(&doc, &read)
		if errors.Is(err, sql.ErrNoRows) {
			return oauth.ErrChanged // cleared between the statements
		}
		if err != nil {
			return err
		}
		if c, err = decodeOAuthConfig(doc); err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		if doc, err = encodeOAuthConfig(c); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE oauth_configs SET config = $1, updated_at = $2 WHERE site_id = $3 AND updated_at = $4`,
			doc, max(millis(at), read+1), siteID, read)
		return affected(res, err, oauth.ErrChanged)
	})
	if err != nil {
		return oauth.Config{}, err
	}
	return c, nil
}

// --- authorization requests and codes ---

// oauthRequest is what a relying party asked for, as
// oauth_auth_requests.request keeps it.
type oauthRequest struct {
	RedirectURI         string   `json:"redirectURI"`
	ResponseType        string   `json:"responseType"`
	ResponseMode        string   `json:"responseMode,omitempty"`
	Scopes              []string `json:"scopes"`
	State               string   `json:"state,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	CodeChallenge       string   `json:"codeChallenge,omitempty"`
	CodeChallengeMethod string   `json:"codeChallengeMethod,omitempty"`
	Prompt              []string `json:"prompt,omitempty"`
	MaxAge              *int64   `json:"maxAge,omitempty"` // nanoseconds
	ACRValues           []string `json:"acrValues,omitempty"`
	LoginHint           string   `json:"loginHint,omitempty"`
	UILocales           []string `json:"uiLocales,omitempty"`
}

const oauthRequestColumns = `id, site_id, client_id, request, account_id, subject, auth_time, amr, done,
	code_hash, code_expires_at, code_used_at, created_at, expires_at`

// CreateOAuthAuthRequest implements oauth.Store.
func (db *DB) CreateOAuthAuthRequest(ctx context.Context, r oauth.AuthRequest) error {
	req := oauthRequest{RedirectURI: r.RedirectURI, ResponseType: r.ResponseType, ResponseMode: r.ResponseMode,
		Scopes: r.Scopes, State: r.State, Nonce: r.Nonce, CodeChallenge: r.CodeChallenge,
		CodeChallengeMethod: r.CodeChallengeMethod, Prompt: r.Prompt, ACRValues: r.ACRValues, LoginHint: r.LoginHint,
		UILocales: r.UILocales}
	if r.MaxAge != nil {
		req.MaxAge = new(int64(*r.MaxAge))
	}
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx,
		`INSERT INTO oauth_auth_requests (id, site_id, client_id, request, account_id, subject, auth_time, amr, done,
		   created_at, expires_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.ID, r.SiteID, r.ClientID, string(b), nullInt(r.AccountID), r.Subject, optMillis(r.AuthTime), jsonList(r.AMR),
		r.Done, millis(r.CreatedAt), millis(r.ExpiresAt))
	return err
}

// OAuthAuthRequest implements oauth.Store.
func (db *DB) OAuthAuthRequest(ctx context.Context, siteID int64, id string) (oauth.StoredAuthRequest, error) {
	return scanOAuthRequest(db.row(ctx,
		`SELECT `+oauthRequestColumns+` FROM oauth_auth_requests WHERE id = $1 AND site_id = $2`, id, siteID))
}

// OAuthAuthRequestByCode implements oauth.Store.
func (db *DB) OAuthAuthRequestByCode(ctx context.Context, siteID int64, codeHash []byte) (oauth.StoredAuthRequest, error) {
	return scanOAuthRequest(db.row(ctx,
		`SELECT `+oauthRequestColumns+` FROM oauth_auth_requests WHERE code_hash = $1 AND site_id = $2`, codeHash, siteID))
}

// AuthenticateOAuthAuthRequest implements oauth.Store.
func (db *DB) AuthenticateOAuthAuthRequest(ctx context.Context, r oauth.AuthRequest) error {
	res, err := db.exec(ctx,
		`UPDATE oauth_auth_requests SET account_id = $1, subject = $2, auth_time = $3, amr = $4, done = $5
		 WHERE id = $6 AND site_id = $7 AND code_hash IS NULL AND code_used_at IS NULL`,
		nullInt(r.AccountID), r.Subject, optMillis(r.AuthTime), jsonList(r.AMR), r.Done, r.ID, r.SiteID)
	return affected(res, err, oauth.ErrNotFound)
}

// ApproveOAuthAuthRequest implements oauth.Store. The consent row is
// inserted empty first when there is none, so that concurrent approvals
// queue on it and each adds its scopes.
func (db *DB) ApproveOAuthAuthRequest(ctx context.Context, siteID int64, id string, accountID int64, clientID string, scopes []string, at time.Time) error {
	return db.withTx(ctx, func(tx *DB) error {
		res, err := tx.exec(ctx, `UPDATE oauth_auth_requests SET done = $1
			WHERE id = $2 AND site_id = $3 AND account_id = $4 AND client_id = $5 AND code_hash IS NULL AND code_used_at IS NULL`,
			true, id, siteID, accountID, clientID)
		if err := affected(res, err, oauth.ErrNotFound); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO oauth_consents (account_id, site_id, client_id, scopes, created_at, updated_at)
			VALUES ($1, $2, $3, '[]', $4, $4) ON CONFLICT (account_id, site_id, client_id) DO NOTHING`,
			accountID, siteID, clientID, millis(at)); err != nil {
			return err
		}
		var doc string
		if err := tx.row(ctx, `SELECT scopes FROM oauth_consents WHERE account_id = $1 AND site_id = $2 AND client_id = $3`+
			db.forUpdate(), accountID, siteID, clientID).Scan(&doc); err != nil {
			return err
		}
		var given []string
		if err := decodeList(doc, &given); err != nil {
			return err
		}
		for _, s := range scopes {
			if !slices.Contains(given, s) {
				given = append(given, s)
			}
		}
		_, err = tx.exec(ctx, `UPDATE oauth_consents SET scopes = $1, updated_at = $2
			WHERE account_id = $3 AND site_id = $4 AND client_id = $5`, jsonList(given), millis(at), accountID, siteID, clientID)
		return err
	})
}

// OAuthConsent implements oauth.Store.
func (db *DB) OAuthConsent(ctx context.Context, siteID, accountID int64, clientID string) ([]string, error) {
	var doc string
	err := db.row(ctx, `SELECT scopes FROM oauth_consents WHERE account_id = $1 AND site_id = $2 AND client_id = $3`,
		accountID, siteID, clientID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, oauth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var scopes []string
	return scopes, decodeList(doc, &scopes)
}

// keepUntil is SQL for "expires_at, or $n when later", in both engines.
func keepUntil(n int) string {
	return fmt.Sprintf(`CASE WHEN expires_at > $%[1]d THEN expires_at ELSE $%[1]d END`, n)
}

// SetOAuthCode implements oauth.Store.
func (db *DB) SetOAuthCode(ctx context.Context, siteID int64, id string, codeHash []byte, expiresAt time.Time) error {
	res, err := db.exec(ctx, `UPDATE oauth_auth_requests SET code_hash = $1, code_expires_at = $2, expires_at = `+keepUntil(2)+`
		WHERE id = $3 AND site_id = $4 AND done = $5 AND code_hash IS NULL AND code_used_at IS NULL`, codeHash, millis(expiresAt), id, siteID, true)
	return affected(res, err, oauth.ErrNotFound)
}

// UseOAuthCode implements oauth.Store: the conditional UPDATE lets one of
// concurrent uses of a code (or of a request answered without one) win,
// and the winner's tokens are stored in its transaction: a loser that
// sees the mark sees them too.
func (db *DB) UseOAuthCode(ctx context.Context, siteID int64, id string, at, keep time.Time, issue ...oauth.StoredToken) error {
	return db.withTx(ctx, func(tx *DB) error {
		res, err := tx.exec(ctx, `UPDATE oauth_auth_requests SET code_used_at = $1, expires_at = `+keepUntil(2)+`
			WHERE id = $3 AND site_id = $4 AND done = $5 AND code_used_at IS NULL`, millis(at), millis(keep), id, siteID, true)
		if err := affected(res, err, oauth.ErrNotFound); !errors.Is(err, oauth.ErrNotFound) {
			if err != nil {
				return err
			}
			for _, t := range issue {
				if err := tx.insertOAuthToken(ctx, t); err != nil {
					return err
				}
			}
			return nil
		}
		var used sql.NullInt64
		err = tx.row(ctx, `SELECT code_used_at FROM oauth_auth_requests WHERE id = $1 AND site_id = $2`, id, siteID).Scan(&used)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return oauth.ErrNotFound
		case err != nil:
			return err
		case used.Valid:
			return oauth.ErrReused
		}
		return oauth.ErrNotFound
	})
}

func scanOAuthRequest(row scanner) (oauth.StoredAuthRequest, error) {
	var (
		r                                       oauth.StoredAuthRequest
		doc, amr                                string
		accountID, used                         sql.NullInt64
		authTime, codeExpires, created, expires int64
	)
	err := row.Scan(&r.ID, &r.SiteID, &r.ClientID, &doc, &accountID, &r.Subject, &authTime, &amr, &r.Done,
		&r.CodeHash, &codeExpires, &used, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return oauth.StoredAuthRequest{}, oauth.ErrNotFound
	}
	if err != nil {
		return oauth.StoredAuthRequest{}, err
	}
	var req oauthRequest
	if err := json.Unmarshal([]byte(doc), &req); err != nil {
		return oauth.StoredAuthRequest{}, fmt.Errorf("oauth_auth_requests.request: %w", err)
	}
	r.RedirectURI, r.ResponseType, r.ResponseMode, r.Scopes = req.RedirectURI, req.ResponseType, req.ResponseMode, req.Scopes
	r.State, r.Nonce, r.CodeChallenge, r.CodeChallengeMethod = req.State, req.Nonce, req.CodeChallenge, req.CodeChallengeMethod
	r.Prompt, r.ACRValues, r.LoginHint, r.UILocales = req.Prompt, req.ACRValues, req.LoginHint, req.UILocales
	if req.MaxAge != nil {
		r.MaxAge = new(time.Duration(*req.MaxAge))
	}
	r.AccountID, r.AuthTime = accountID.Int64, fromMillis(authTime)
	r.CodeExpiresAt, r.CodeUsedAt = fromMillis(codeExpires), fromMillis(used.Int64)
	r.CreatedAt, r.ExpiresAt = fromMillis(created), fromMillis(expires)
	if len(r.CodeHash) == 0 {
		r.CodeHash = nil
	}
	return r, decodeList(amr, &r.AMR)
}

// --- tokens ---

const oauthTokenColumns = `id, site_id, client_id, account_id, subject, scopes, audience, auth_time, amr, family_id,
	auth_request_id, refresh_hash, refresh_used_at, expires_at, refresh_expires_at, revoked_at, created_at`

// CreateOAuthToken implements oauth.Store.
func (db *DB) CreateOAuthToken(ctx context.Context, t oauth.StoredToken) error {
	return db.insertOAuthToken(ctx, t)
}

func (db *DB) insertOAuthToken(ctx context.Context, t oauth.StoredToken) error {
	_, err := db.exec(ctx,
		`INSERT INTO oauth_tokens (id, site_id, client_id, account_id, subject, scopes, audience, auth_time, amr, family_id,
		   auth_request_id, refresh_hash, expires_at, refresh_expires_at, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		t.ID, t.SiteID, t.ClientID, nullInt(t.AccountID), t.Subject, jsonList(t.Scopes), jsonList(t.Audience),
		optMillis(t.AuthTime), jsonList(t.AMR), t.FamilyID, t.AuthRequestID, nilBytes(t.RefreshHash), millis(t.ExpiresAt),
		optMillis(t.RefreshExpires), millis(t.CreatedAt))
	return err
}

// OAuthToken implements oauth.Store.
func (db *DB) OAuthToken(ctx context.Context, siteID int64, id string) (oauth.StoredToken, error) {
	return scanOAuthToken(db.row(ctx, `SELECT `+oauthTokenColumns+` FROM oauth_tokens WHERE id = $1 AND site_id = $2`, id, siteID))
}

// OAuthTokenByRefresh implements oauth.Store.
func (db *DB) OAuthTokenByRefresh(ctx context.Context, siteID int64, refreshHash []byte) (oauth.StoredToken, error) {
	return scanOAuthToken(db.row(ctx, `SELECT `+oauthTokenColumns+` FROM oauth_tokens WHERE refresh_hash = $1 AND site_id = $2`,
		refreshHash, siteID))
}

// RotateOAuthToken implements oauth.Store: of concurrent rotations, the
// conditional UPDATE lets exactly one mark the token used.
func (db *DB) RotateOAuthToken(ctx context.Context, siteID int64, refreshHash []byte, at time.Time, next oauth.StoredToken, more ...oauth.StoredToken) error {
	return db.withTx(ctx, func(tx *DB) error {
		var revoked sql.NullInt64
		err := tx.writeRow(ctx, `UPDATE oauth_tokens SET refresh_used_at = $1
			WHERE refresh_hash = $2 AND site_id = $3 AND refresh_used_at IS NULL RETURNING revoked_at`,
			millis(at), refreshHash, siteID).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			var n int
			if err := tx.row(ctx, `SELECT COUNT(*) FROM oauth_tokens WHERE refresh_hash = $1 AND site_id = $2`,
				refreshHash, siteID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return oauth.ErrReused
			}
			return oauth.ErrNotFound
		}
		if err != nil {
			return err
		}
		if revoked.Valid {
			return oauth.ErrRevoked
		}
		for _, t := range append([]oauth.StoredToken{next}, more...) {
			if err := tx.insertOAuthToken(ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// RevokeOAuthFamily implements oauth.Store.
func (db *DB) RevokeOAuthFamily(ctx context.Context, siteID int64, familyID string, at time.Time) error {
	_, err := db.exec(ctx, `UPDATE oauth_tokens SET revoked_at = $1 WHERE family_id = $2 AND site_id = $3 AND revoked_at IS NULL`,
		millis(at), familyID, siteID)
	return err
}

// RevokeOAuthAuthRequestTokens implements oauth.Store.
func (db *DB) RevokeOAuthAuthRequestTokens(ctx context.Context, siteID int64, id string, at time.Time) error {
	if id == "" {
		return nil
	}
	_, err := db.exec(ctx, `UPDATE oauth_tokens SET revoked_at = $1
		WHERE site_id = $2 AND revoked_at IS NULL AND family_id IN (SELECT family_id FROM oauth_tokens WHERE auth_request_id = $3 AND site_id = $2)`,
		millis(at), siteID, id)
	return err
}

// RevokeOAuthGrants implements oauth.Store.
func (db *DB) RevokeOAuthGrants(ctx context.Context, siteID, accountID int64, clientID string, at time.Time) error {
	_, err := db.exec(ctx, `UPDATE oauth_tokens SET revoked_at = $1
		WHERE account_id = $2 AND site_id = $3 AND ($4 = '' OR client_id = $4) AND revoked_at IS NULL`,
		millis(at), accountID, siteID, clientID)
	return err
}

// RevokeAccountGrants implements account.Store: a password change or
// reset, a logout of every session and a deactivation end what the
// account granted relying parties (every token family) and Gigya's tokens
// that act for it.
func (db *DB) RevokeAccountGrants(ctx context.Context, accountID int64, at time.Time) error {
	if _, err := db.exec(ctx, `UPDATE oauth_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL`,
		millis(at), accountID); err != nil {
		return err
	}
	_, err := db.exec(ctx, `UPDATE gigya_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL`,
		millis(at), accountID)
	return err
}

func scanOAuthToken(row scanner) (oauth.StoredToken, error) {
	var (
		t                                      oauth.StoredToken
		scopes, audience, amr                  string
		accountID, used, revoked               sql.NullInt64
		authTime, expires, refreshExp, created int64
	)
	err := row.Scan(&t.ID, &t.SiteID, &t.ClientID, &accountID, &t.Subject, &scopes, &audience, &authTime, &amr, &t.FamilyID,
		&t.AuthRequestID, &t.RefreshHash, &used, &expires, &refreshExp, &revoked, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return oauth.StoredToken{}, oauth.ErrNotFound
	}
	if err != nil {
		return oauth.StoredToken{}, err
	}
	t.AccountID, t.AuthTime, t.RefreshUsedAt = accountID.Int64, fromMillis(authTime), fromMillis(used.Int64)
	t.ExpiresAt, t.RefreshExpires, t.RevokedAt, t.CreatedAt = fromMillis(expires), fromMillis(refreshExp), fromMillis(revoked.Int64), fromMillis(created)
	if len(t.RefreshHash) == 0 {
		t.RefreshHash = nil
	}
	return t, errors.Join(decodeList(scopes, &t.Scopes), decodeList(audience, &t.Audience), decodeList(amr, &t.AMR))
}

// --- helpers ---

// forUpdate locks the rows a transaction reads on PostgreSQL; SQLite's
// single writer serialises write transactions already.
func (db *DB) forUpdate() string {
	if db.engine == Postgres {
		return ` FOR UPDATE`
	}
	return ""
}

// jsonList is a list as a JSON array; nil is [].
func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // strings always marshal
	return string(b)
}

// decodeList reads a JSON array; [] is nil.
func decodeList(s string, dst *[]string) error {
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return err
	}
	if len(l) == 0 {
		l = nil
	}
	*dst = l
	return nil
}

// nilBytes is b, or NULL when empty.
func nilBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
