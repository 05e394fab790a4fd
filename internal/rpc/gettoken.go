package rpc

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/site"
)

// OAuth is what socialize.getToken needs: Gigya's access tokens, and the
// accounts x_siteUID names.
type OAuth struct {
	Tokens   *oauth.GigyaTokens
	Accounts interface {
		ByUID(ctx context.Context, siteID int64, uid string) (account.Account, error)
	}
}

// RegisterOAuth adds socialize.getToken (gigya-api-2.md §4.1).
func RegisterOAuth(h *Handler, x OAuth) {
	h.Register("socialize.getToken", Method{Auth: OAuthClient, Run: x.getToken, Params: []string{
		"grant_type", "code", "redirect_uri", "x_siteUID", "x_sessionExpiration", "client_id", "client_secret",
		// accepted:
		"x_userInfo", "regSource"}})
}

// getToken issues an access token: for a code of a login
// (authorization_code), or for the client itself (none, client_credentials),
// then a server token, or a user's token when x_siteUID names the user.
func (x OAuth) getToken(ctx context.Context, c *Call) (any, error) {
	var (
		n   oauth.NewGigyaToken
		err error
	)
	userKey := ""
	if c.Key != nil {
		userKey = c.Key.UserKey
	}
	switch grant := c.Params.Get("grant_type"); grant {
	case "":
		return nil, errcode.Missing("grant_type")
	case "authorization_code":
		n, err = x.exchange(ctx, c, userKey)
	case "none", "client_credentials":
		n, err = x.issue(ctx, c, userKey)
	default:
		return nil, errcode.Newf(errcode.UnsupportedGrantType,
			"Unsupported grant type: %.64q; socialize.getToken takes authorization_code, client_credentials or none", grant)
	}
	if err != nil {
		return nil, err
	}
	out := obj{"access_token": n.Token}
	if s, ok := oauth.GigyaLifetime(n.GigyaToken); ok {
		out["expires_in"] = s
	}
	return out, nil
}

func (x OAuth) exchange(ctx context.Context, c *Call, userKey string) (oauth.NewGigyaToken, error) {
	code, err := c.Params.Required("code")
	if err != nil {
		return oauth.NewGigyaToken{}, err
	}
	redirect, err := c.Params.Required("redirect_uri")
	if err != nil {
		return oauth.NewGigyaToken{}, err
	}
	n, err := x.Tokens.Exchange(ctx, c.Site.ID, userKey, secretTag(c.Site, userKey), code, redirect)
	switch {
	case errors.Is(err, oauth.ErrNotFound):
		return n, errcode.InvalidValue("code", "unknown authorization code")
	case errors.Is(err, oauth.ErrWrongClient):
		return n, errcode.New(errcode.InvalidGrant, "Invalid grant: the code was issued to another site")
	case errors.Is(err, oauth.ErrReused):
		return n, errcode.New(errcode.InvalidGrant, "Invalid grant: the code was used before; the token issued for it is revoked")
	case errors.Is(err, oauth.ErrCodeExpired):
		return n, errcode.New(errcode.CodeExpired, "Code expired: exchange the code within a few minutes of the login")
	case errors.Is(err, oauth.ErrCodeRedirectURI):
		return n, errcode.New(errcode.InvalidRedirectURI, "Invalid redirect URI: redirect_uri differs from the one of the login request")
	}
	return n, err
}

func (x OAuth) issue(ctx context.Context, c *Call, userKey string) (oauth.NewGigyaToken, error) {
	g := oauth.GigyaGrant{SiteID: c.Site.ID, UserKey: userKey, SecretTag: secretTag(c.Site, userKey)}
	if v := c.Params.Get("x_sessionExpiration"); v != "" {
		s, err := strconv.Atoi(v)
		switch {
		case err != nil || s < 0 && s != -2 || s > maxTokenSeconds:
			return oauth.NewGigyaToken{}, errcode.InvalidValue("x_sessionExpiration",
				"want seconds (0: until the browser closes, which for a token is an hour; -2: forever)")
		case s == 0:
			g.Lifetime = oauth.GigyaBrowserTokenLifetime
		case s > 0:
			g.Lifetime = time.Duration(s) * time.Second
		}
	}
	if uid := c.Params.Get("x_siteUID"); uid != "" {
		a, err := x.Accounts.ByUID(ctx, c.Site.ID, uid)
		if errors.Is(err, account.ErrNotFound) {
			return oauth.NewGigyaToken{}, errcode.Newf(errcode.UnauthorizedUser, "Unauthorized user: no account with x_siteUID %.64q", uid)
		}
		if err != nil {
			return oauth.NewGigyaToken{}, err
		}
		g.AccountID = a.ID
	}
	return x.Tokens.Issue(ctx, g)
}

// secretTag is the tag of the site secret a token issued without an
// application key stands for.
func secretTag(st site.Site, userKey string) []byte {
	if userKey != "" {
		return nil
	}
	return oauth.SecretTag(st.Secret)
}

// maxTokenSeconds bounds x_sessionExpiration: ten years.
const maxTokenSeconds = 10 * 366 * 24 * 3600

// oauthClient authenticates the OAuth client of socialize.getToken, over
// HTTPS and POST only: client_id and client_secret in HTTP Basic or in
// parameters, or apiKey, userKey and secret as in any server call. The
// client_id is the site's apiKey (its secret is the site's) or, with
// apiKey, an application key's userKey (its secret is the key's).
func (h *Handler) oauthClient(r *http.Request, m registered, p *Params) (*Call, error) {
	ctx := r.Context()
	info := callctx.From(ctx)
	id, secret, err := clientCredentials(r, p)
	if err != nil {
		return nil, err
	}
	apiKey, userKey := p.Get("apiKey"), p.Get("userKey")
	switch {
	case id == "":
	case apiKey == "":
		apiKey = id
	case id != apiKey && userKey != "" && userKey != id:
		return nil, errcode.New(errcode.InvalidRequestFormat, "Invalid request format: client_id names neither apiKey nor userKey")
	case id != apiKey:
		userKey = id
	}
	if apiKey == "" {
		return nil, errcode.New(errcode.MissingAPIKey, "Missing required parameter: apiKey or client_id")
	}
	st, err := h.sites.ByAPIKey(ctx, apiKey)
	if err != nil {
		if errors.Is(err, site.ErrNotFound) {
			return nil, errcode.New(errcode.InvalidAPIKey, "Invalid ApiKey parameter: apiKey or client_id names no site (an application key's client_id goes with apiKey)")
		}
		return nil, err
	}
	c := &Call{Principal: *authn.Anonymous(st), Params: p, Secure: info.Secure}
	if ok, wait := h.limiter.Allow(st.ID, info.ClientIP); !ok {
		return c, info.RateLimited(wait)
	}
	switch {
	case !c.Secure:
		return c, errcode.Newf(errcode.SecretSentOverHTTP, "Secret Sent Over Http: %s is called over HTTPS only", m.name)
	case r.Method != http.MethodPost:
		return c, errcode.Newf(errcode.InvalidRequestFormat, "Invalid request format: %s takes a POST", m.name)
	case secret == "":
		return c, errcode.Newf(errcode.PermissionDenied, "Permission denied: %s needs the client's secret", m.name)
	}
	pr, err := h.authn.Secret(ctx, st, userKey, secret, c.Secure)
	if err != nil {
		return c, err
	}
	c.Principal = *pr
	if !c.Allows(m.name) {
		return c, errcode.Newf(errcode.PermissionDenied, "Permission denied: the application key may not call %s", m.name)
	}
	return c, nil
}

// clientCredentials reads the client's id and secret: HTTP Basic
// client_id:client_secret, or the parameters client_id and client_secret
// (or secret), each only once. 400008 for an Authorization header that is
// not well-formed Basic.
func clientCredentials(r *http.Request, p *Params) (id, secret string, err error) {
	if p.Get("client_secret") != "" && p.Get("secret") != "" {
		return "", "", errcode.New(errcode.InvalidRequestFormat, "Invalid request format: send client_secret or secret, not both")
	}
	id, secret = p.Get("client_id"), p.Get("client_secret")+p.Get("secret")
	header := r.Header.Get("Authorization")
	if header == "" {
		return id, secret, nil
	}
	scheme, value, _ := strings.Cut(header, " ")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	bid, bsecret, ok := strings.Cut(string(raw), ":")
	if !strings.EqualFold(scheme, "Basic") || err != nil || !ok || bid == "" {
		return "", "", errcode.New(errcode.InvalidAuthenticationHeader,
			"Invalid authentication header: want Authorization: Basic base64(client_id:client_secret)")
	}
	if id != "" || secret != "" {
		return "", "", errcode.New(errcode.InvalidRequestFormat, "Invalid request format: the client's credentials come once, in HTTP Basic or in parameters")
	}
	return bid, bsecret, nil
}
