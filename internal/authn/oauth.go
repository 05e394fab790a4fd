package authn

import (
	"context"
	"crypto/subtle"
	"errors"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/site"
)

// OAuthTokens resolves the access tokens of socialize.getToken
// (oauth.GigyaTokens).
type OAuthTokens interface {
	// Resolve finds a live token; siteID 0 takes the token's site:
	// oauth.ErrNotFound, ErrExpired, ErrRevoked.
	Resolve(ctx context.Context, siteID int64, token string) (oauth.GigyaToken, error)
}

// Accounts finds the account a user's access token acts for.
type Accounts interface {
	// ByID finds an account of a site: account.ErrNotFound.
	ByID(ctx context.Context, siteID, id int64) (account.Account, error)
}

type oauthTokens struct {
	tokens   OAuthTokens
	accounts Accounts
}

// UseOAuthTokens lets v accept the access tokens of socialize.getToken;
// without it, every one is invalid.
func (v *Verifier) UseOAuthTokens(tokens OAuthTokens, accounts Accounts) {
	v.oauth = &oauthTokens{tokens: tokens, accounts: accounts}
}

// OAuthToken checks an access token of socialize.getToken, over HTTPS only.
// st is the site the call names; the zero Site lets the token name it. Gigya
// has the token stand for the secret it was issued with ("almost the same
// permission as using an API key with the secret"): the principal is the
// site's server, bounded by the application key's scopes when the token was
// issued to one; a user's token (x_siteUID, or a code of a login) also names
// its account, which the calls that take a UID act on unless they name
// another. 403025 when the token is unknown, another site's, expired or
// revoked, its key or account is gone, or the site secret it was issued
// with has been rotated.
func (v *Verifier) OAuthToken(ctx context.Context, st site.Site, token string, secure bool) (*Principal, error) {
	if !secure {
		return nil, invalidToken("invalid_token: access tokens are accepted over HTTPS only")
	}
	if v.oauth == nil {
		return nil, invalidToken("invalid_token: unknown access token")
	}
	t, err := v.oauth.tokens.Resolve(ctx, st.ID, token)
	switch {
	case errors.Is(err, oauth.ErrNotFound):
		return nil, invalidToken("invalid_token: unknown access token")
	case errors.Is(err, oauth.ErrExpired):
		return nil, invalidToken("invalid_token: the access token has expired")
	case errors.Is(err, oauth.ErrRevoked):
		return nil, invalidToken("invalid_token: the access token was revoked")
	case err != nil:
		return nil, err
	}
	if st.ID == 0 {
		if st, err = v.sites.ByID(ctx, t.SiteID); errors.Is(err, site.ErrNotFound) {
			return nil, invalidToken("invalid_token: unknown access token")
		} else if err != nil {
			return nil, err
		}
	}
	p := &Principal{Site: st, Proof: OAuthToken, Server: true}
	if t.UserKey == "" && subtle.ConstantTimeCompare(t.SecretTag, oauth.SecretTag(st.Secret)) != 1 {
		return nil, invalidToken("invalid_token: the site secret the access token stands for was replaced")
	}
	if t.UserKey != "" {
		k, err := v.sites.Key(ctx, st.ID, t.UserKey)
		if errors.Is(err, site.ErrKeyNotFound) {
			return nil, invalidToken("invalid_token: the application key of the access token was revoked")
		} else if err != nil {
			return nil, err
		}
		p.Key = &k
	}
	if t.AccountID != 0 {
		a, err := v.oauth.accounts.ByID(ctx, st.ID, t.AccountID)
		if errors.Is(err, account.ErrNotFound) {
			return nil, invalidToken("invalid_token: the account of the access token is gone")
		} else if err != nil {
			return nil, err
		}
		p.Account = &a
	}
	return p, nil
}

func invalidToken(why string) error { return errcode.New(errcode.InvalidToken, "Invalid token: "+why) }
