// Package oidcop is the OpenID Provider at /oidc/op/v1.0/{apiKey}/…, built
// on zitadel/oidc's op package over oauth.Service: custos supplies the
// storage, the login handoff (the site's proxy page or the hosted pages)
// and one table from the protocol's errors to the catalog (errors.go).
package oidcop

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/cors"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/ratelimit"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/token"
)

// Prefix is the path under which every site's provider lives:
// Prefix + apiKey is a site's issuer path.
const Prefix = "/oidc/op/v1.0/"

// Options configure a Provider.
type Options struct {
	Sites    *site.Service
	Accounts *account.Service
	Keys     *token.Keys
	OAuth    OAuth
	// Pages are the hosted login and consent pages; nil: the login and
	// consent paths answer not found (sites then need a proxy page).
	Pages Pages
	// PublicURL is custos's base URL: issuers are
	// <PublicURL>/oidc/op/v1.0/<apiKey>. Over plain http the provider runs
	// in the op package's insecure mode (development only).
	PublicURL string
	// MasterKey is the server's master key: the keys of the op package's
	// opaque tokens and of the pages' CSRF tokens are derived from it.
	MasterKey []byte
	// Limiter bounds each client's request rate per site at the endpoints
	// that store or check something (nil: no limit), as at the RPC and
	// REST dialects, sharing their buckets.
	Limiter *ratelimit.Limiter
	Now     func() time.Time
	Log     *slog.Logger
}

// OAuth is what the provider needs of oauth.Service.
type OAuth interface {
	Client(ctx context.Context, siteID int64, clientID string) (oauth.Client, error)
	AuthenticateClient(ctx context.Context, siteID int64, clientID, secret string) (oauth.Client, error)
	Config(ctx context.Context, siteID int64) (oauth.Config, error)
	CreateAuthRequest(ctx context.Context, r oauth.AuthRequest) (oauth.AuthRequest, error)
	AuthRequest(ctx context.Context, siteID int64, id string) (oauth.AuthRequest, error)
	Authenticate(ctx context.Context, siteID int64, id string, accountID int64, subject string, authTime time.Time, amr []string, done bool) error
	Approve(ctx context.Context, siteID int64, id string) error
	Deny(ctx context.Context, siteID int64, id string) error
	Consented(ctx context.Context, siteID, accountID int64, clientID string, scopes []string) (bool, error)
	SaveCode(ctx context.Context, siteID int64, id, code string) error
	AuthRequestByCode(ctx context.Context, siteID int64, code string) (oauth.AuthRequest, error)
	UseCode(ctx context.Context, siteID int64, id string) error
	Issue(ctx context.Context, g oauth.Grant) (oauth.Issued, error)
	Exchange(ctx context.Context, g oauth.Grant) (oauth.Issued, error)
	RefreshGrant(ctx context.Context, siteID int64, clientID, refreshToken string) (oauth.Token, error)
	Rotate(ctx context.Context, refreshToken string, g oauth.Grant) (oauth.Issued, error)
	AccessToken(ctx context.Context, siteID int64, id string) (oauth.Token, error)
	Revoke(ctx context.Context, siteID int64, clientID, tokenOrID string) error
	RevokeGrants(ctx context.Context, siteID, accountID int64, clientID string) error
}

var _ OAuth = (*oauth.Service)(nil)

// Provider is the OpenID Provider of every site.
type Provider struct {
	o       Options
	op      *op.Provider
	csrfKey []byte
	bindKey []byte // MACs the binding and SSO cookies (cookies.go)
	secure  bool
	// beforeIssue, when set (by tests), runs before the tokens of a
	// validated token request are stored: a barrier there lets concurrent
	// requests all pass validation first.
	beforeIssue func()
}

// The endpoints, relative to a site's issuer.
const (
	pathDiscovery  = oidc.DiscoveryEndpoint
	pathAuthorize  = "/authorize"
	pathContinue   = "/authorize/continue"
	pathToken      = "/token"
	pathUserinfo   = "/userinfo"
	pathJWKS       = "/jwks"
	pathIntrospect = "/introspect"
	pathRevoke     = "/revoke"
	pathEndSession = "/end_session"
	pathLoggedOut  = "/end_session/done"
	pathLogin      = "/login"
	pathConsent    = "/consent"
	pathTheme      = "/theme.css"
)

// browser tells, for each endpoint, whether a browser navigates to it (its
// errors are the HTML error page) or a program calls it (JSON errors).
var browser = map[string]bool{
	pathDiscovery: false, pathAuthorize: true, pathContinue: true, pathToken: false, pathUserinfo: false,
	pathJWKS: false, pathIntrospect: false, pathRevoke: false, pathEndSession: true, pathLoggedOut: true, pathLogin: true, pathTheme: false,
	pathConsent: true,
}

// limited tells whether a request to endpoint counts against the
// client's rate limit: every endpoint that stores a request, checks a
// credential or a token, or logs in; not discovery, the keys, nor the
// pages a browser merely shows.
func limited(endpoint, method string) bool {
	switch endpoint {
	case pathAuthorize, pathContinue, pathLogin, pathToken, pathIntrospect, pathRevoke, pathUserinfo:
		return true
	case pathConsent:
		return method == http.MethodPost
	}
	return false
}

// New builds the provider.
func New(o Options) (*Provider, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	o.PublicURL = strings.TrimSuffix(o.PublicURL, "/")
	p := &Provider{o: o, secure: strings.HasPrefix(o.PublicURL, "https://")}
	cryptoKey, err := derive(o.MasterKey, "custos oidcop: op crypto key")
	if err != nil {
		return nil, err
	}
	if p.csrfKey, err = derive(o.MasterKey, "custos oidcop: csrf key"); err != nil {
		return nil, err
	}
	if p.bindKey, err = derive(o.MasterKey, "custos oidcop: request binding key"); err != nil {
		return nil, err
	}
	cfg := &op.Config{
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
		SupportedScopes:       []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopePhone, oidc.ScopeAddress, oidc.ScopeOfflineAccess},
		SupportedClaims: append(append([]string{}, op.DefaultSupportedClaims...), "nickname", "picture", "gender",
			"birthdate", "updated_at", "address"),
	}
	copy(cfg.CryptoKey[:], cryptoKey)
	opts := []op.Option{
		op.WithCustomEndpoints(op.NewEndpoint(pathAuthorize), op.NewEndpoint(pathToken), op.NewEndpoint(pathUserinfo),
			op.NewEndpoint(pathRevoke), op.NewEndpoint(pathEndSession), op.NewEndpoint(pathJWKS)),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint(pathIntrospect)),
		// Browsers may call the token and userinfo endpoints from any
		// origin, without cookies: none of them reads one.
		op.WithCORSOptions(&cors.Options{AllowOriginFunc: func(string) bool { return true },
			AllowedHeaders: []string{"Authorization", "Content-Type"}, AllowedMethods: []string{http.MethodGet, http.MethodPost}}),
	}
	if !p.secure {
		opts = append(opts, op.WithAllowInsecure())
	}
	issuer := func(bool) (op.IssuerFromRequest, error) {
		return func(r *http.Request) string { return p.issuer(callOf(r.Context()).site.APIKey) }, nil
	}
	p.op, err = op.NewProvider(cfg, &storage{p: p}, issuer, opts...)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// derive is a 32-byte key for purpose, from the master key (HKDF-SHA256).
func derive(master []byte, purpose string) ([]byte, error) {
	if len(master) == 0 {
		return nil, errors.New("oidcop: no master key")
	}
	return hkdf.Key(sha256.New, master, nil, purpose, 32)
}

// issuer is the issuer of the site of apiKey.
func (p *Provider) issuer(apiKey string) string {
	return p.o.PublicURL + strings.TrimSuffix(Prefix, "/") + "/" + apiKey
}

// call is what one request to the provider carries through the op
// package to the storage: its site, the request and the domain condition
// that made it fail (for the error table).
type call struct {
	site     site.Site
	endpoint string
	r        *http.Request
	w        http.ResponseWriter
	// cond is the first domain condition a storage method met.
	cond error
	// client is the last client the storage looked up (the token
	// endpoint's, once the op package authenticated it).
	client *client
	// used is the authorization request whose tokens used it up.
	used string
	// basic: the client sent Basic credentials in the Authorization
	// header (not the form's, which secretPost turns into Basic ones).
	basic bool
}

type callKey struct{}

func callOf(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	if c == nil {
		return &call{}
	}
	return c
}

// ServeHTTP answers /oidc/op/v1.0/{apiKey}/…: it resolves the site, puts
// it in the request's context and hands the path below the issuer to the
// endpoint.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	apiKey, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, Prefix), "/")
	endpoint := "/" + rest
	isBrowser, known := browser[endpoint]
	c := &call{endpoint: endpoint, w: w}
	if known {
		info := callctx.From(r.Context())
		info.Dialect, info.Method = "oidc", endpoint[1:]
	}
	ctx := context.WithValue(r.Context(), callKey{}, c)
	r = r.WithContext(ctx)
	c.r = r
	if !known || apiKey == "" {
		p.fail(w, r, isBrowser, errNotFound)
		return
	}
	st, err := p.o.Sites.ByAPIKey(ctx, apiKey)
	if err != nil {
		p.fail(w, r, isBrowser, err)
		return
	}
	c.site = st
	if limited(endpoint, r.Method) {
		info := callctx.From(ctx)
		if ok, wait := p.o.Limiter.Allow(st.ID, info.ClientIP); !ok {
			info.RetryAfter = wait
			p.fail(w, r, isBrowser, errRateLimited)
			return
		}
	}
	if err := checkAuthorization(r, endpoint); err != nil {
		p.fail(w, r, isBrowser, err)
		return
	}
	// The op package's own endpoints get the issuer from IssuerFromRequest;
	// continue and the pages, which call its functions, from here.
	inner := r.Clone(op.ContextWithIssuer(ctx, p.issuer(st.APIKey)))
	inner.URL.Path, inner.URL.RawPath = endpoint, ""
	c.r = inner
	if endpoint != pathDiscovery && endpoint != pathJWKS {
		w.Header().Set("Cache-Control", "no-store") // codes, tokens, claims
	}
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	c.basic = strings.EqualFold(scheme, "Basic")
	if endpoint == pathIntrospect {
		secretPost(inner)
	}
	switch endpoint {
	case pathDiscovery:
		p.discovery(w, inner)
	case pathTheme:
		p.theme(w, inner)
	case pathLoggedOut:
		loggedOut(w, inner)
	case pathContinue:
		p.continueHandler(w, inner)
	case pathLogin, pathConsent:
		p.page(w, inner)
	case pathAuthorize, pathEndSession:
		var out http.ResponseWriter = w
		if endpoint == pathAuthorize && inner.FormValue("response_mode") == string(oidc.ResponseModeFormPost) {
			out = &formPostRedirects{ResponseWriter: w, redirectURI: inner.FormValue("redirect_uri")}
		}
		bw := &bufferedErrors{w: out}
		p.op.ServeHTTP(bw, inner)
		bw.finish(func(status int, body []byte) { p.errorPage(w, inner, p.opError(inner, status, body)) })
	default:
		bw := &bufferedErrors{w: w}
		p.op.ServeHTTP(bw, inner)
		bw.finish(func(status int, body []byte) {
			f := p.opError(inner, status, body)
			p.jsonError(w, inner, f.status, f)
		})
	}
}

// secretPost turns client_secret_post credentials into Basic ones: the op
// package authenticates introspection by Basic only, and custos takes the
// secret in the form there as at the token endpoint.
func secretPost(r *http.Request) {
	if r.Header.Get("Authorization") != "" || r.ParseForm() != nil {
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if id != "" && secret != "" {
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		r.PostForm.Del("client_secret")
		r.Form.Del("client_secret")
	}
}

// Handler is the provider as an http.Handler.
func (p *Provider) Handler() http.Handler { return p }

// ContinuePath is the path of a site's authorize/continue: where a login
// page the provider handed an authorization request to (a proxy page, such
// as custos's hosted login page) sends the browser back once the person is
// logged in.
func ContinuePath(apiKey string) string { return Prefix + apiKey + pathContinue }
