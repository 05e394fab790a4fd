// Package app wires the domain services, the two dialect adapters and the
// operational endpoints into one http.Handler.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/adminapi"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/console"
	"github.com/custos-id/custos/internal/job"
	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/oidcop"
	"github.com/custos-id/custos/internal/outbox"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/ratelimit"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/rpc"
	"github.com/custos-id/custos/internal/screenset"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/social"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/token"
	"github.com/custos-id/custos/internal/websdk"
	"github.com/custos-id/custos/internal/weburl"
)

// Options configure an App; zero values take defaults.
type Options struct {
	DB        *store.DB
	MasterKey []byte
	Log       *slog.Logger
	Now       func() time.Time
	Server    server.Config
	// SiteCacheTTL is how long a resolved apiKey stays cached (default 5s).
	SiteCacheTTL time.Duration
	// PublicURL is the base URL of links in mail, such as
	// https://id.example.com (required).
	PublicURL string
	// Issuer is the template of the JWT issuer, {apiKey} standing for each
	// site's API key, such as https://fidm.gigya.com/jwt/{apiKey}/ (default
	// <PublicURL>/jwt/{apiKey}/).
	Issuer string
	// KeyGen makes new JWT signing keys (default: RSA from crypto/rand);
	// tests pass pre-generated keys.
	KeyGen token.KeyGen
	// Mail sends mail; nil writes it to the log (development only).
	Mail mail.Sender
	// TrustedProxies may report HTTPS with X-Forwarded-Proto.
	TrustedProxies []netip.Prefix
	// RateLimit is the requests per second each client may make to a site
	// (0: no limit), with bursts of RateBurst.
	RateLimit float64
	RateBurst int
	// Captcha verifies CAPTCHA answers (nil: policies that need one are refused).
	Captcha account.Captcha
	// DataCenter is the Gigya data center whose canonical URL signed
	// requests may be signed for (default us1).
	DataCenter string
	// Password are the argon2id parameters (default password.DefaultParams);
	// CustomVerifierPrivate lets the remote verifiers of imported custom
	// hashes be on loopback and private addresses.
	CustomVerifierPrivate bool
	// HashConcurrency bounds the hashes running at once (default GOMAXPROCS).
	Password        password.Params
	HashConcurrency int
	// JobLease is how long a job stays with a process without news of
	// progress (default 1 minute); JobPauseAfter is job.Options.PauseAfter
	// (tests only).
	JobLease      time.Duration
	JobPauseAfter int64
	// EventsRetention is how long the change feed keeps an event (default
	// 30 days).
	EventsRetention time.Duration
	// OIDCPages are the OpenID Provider's hosted login and consent pages
	// (nil: custos's own, oidcop.HostedPages).
	OIDCPages oidcop.Pages
	// Admin are the admins' session timeouts and lockout (default
	// admin.Options's: 30 minutes idle, 12 hours, 5 failures lock 15
	// minutes); its Now defaults to Now.
	Admin admin.Options
	// SocialPrivate lets social login providers be on loopback and
	// private addresses and on plain http (tests, intranets).
	SocialPrivate bool
	// SocialHTTPClient, when set, is the HTTP client of the calls to
	// social login providers (tests that route every host to one server).
	SocialHTTPClient *http.Client
}

// App is a running custos: its services and its HTTP handler.
type App struct {
	Sites    *site.Service
	Accounts *account.Service
	Outbox   *outbox.Outbox
	Jobs     *job.Runner
	Keys     *token.Keys
	// ScreenSets reads the sites' screen-sets, with the built-in ones.
	ScreenSets *screenset.Service
	// OAuth keeps the OpenID Provider's clients, requests and tokens; OIDC
	// is the provider at /oidc/op/v1.0/{apiKey}/; GigyaTokens are the access
	// tokens of socialize.getToken and the codes it exchanges.
	OAuth       *oauth.Service
	OIDC        *oidcop.Provider
	GigyaTokens *oauth.GigyaTokens
	// Social keeps the sites' social login providers and runs the
	// upstream protocol.
	Social  *social.Service
	RPC     *rpc.Handler
	REST    *rest.Handler
	Metrics *server.Metrics
	// Admins are custos's operators, their sessions and the audit log;
	// AdminAPI is their API at /admin/api/v1.
	Admins   *admin.Service
	AdminAPI *adminapi.Handler
	handler  http.Handler
	db       *store.DB
	retain   time.Duration
	now      func() time.Time
	log      *slog.Logger
}

// New builds an App over an open, migrated database. Run starts its
// background work.
func New(o Options) (*App, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Server.MaxBodyBytes == 0 {
		o.Server = server.DefaultConfig()
	}
	o.Server.TrustedProxies = o.TrustedProxies
	if o.Password == (password.Params{}) {
		o.Password = password.DefaultParams()
	}
	if o.Mail == nil {
		o.Mail = mail.LogSender{Log: o.Log}
	}
	if o.EventsRetention <= 0 {
		o.EventsRetention = DefaultEventsRetention
	}
	o.PublicURL = strings.TrimSuffix(o.PublicURL, "/")
	// The hosted pages' CSP and the RPC dialect's own-origin exception
	// (rpc.checkOrigin) both rest on PublicURL's origin: without a host
	// there is none, and custos does not start.
	if u, err := url.Parse(o.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Hostname() == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("app: PublicURL must be an absolute http(s) URL with a host, no user info, query or fragment")
	}
	if o.Issuer == "" {
		o.Issuer = token.DefaultIssuer(o.PublicURL)
	}
	if err := token.CheckIssuer(o.Issuer); err != nil {
		return nil, fmt.Errorf("app: Issuer %q: %w", o.Issuer, err)
	}
	box, err := secretbox.New(o.MasterKey)
	if err != nil {
		return nil, err
	}
	hasher, err := password.NewHasher(o.Password, o.HashConcurrency)
	if err != nil {
		return nil, err
	}
	if o.CustomVerifierPrivate {
		hasher.SetHTTPClient(password.VerifierClient(true))
	}
	a := &App{
		Sites:   site.NewService(o.DB, box, site.Options{Now: o.Now, CacheTTL: o.SiteCacheTTL, CaptchaConfigured: o.Captcha != nil}),
		Outbox:  outbox.New(o.DB, box, o.Mail, o.Now, o.Log),
		Keys:    token.NewKeys(o.DB, box, token.Options{Now: o.Now, KeyGen: o.KeyGen}),
		OAuth:   oauth.NewService(o.DB, oauth.Options{Now: o.Now}),
		Metrics: server.NewMetrics(),
		Admins:  admin.New(o.DB, box, hasher, adminOptions(o)),
		db:      o.DB,
		retain:  o.EventsRetention,
		now:     o.Now,
		log:     o.Log,
	}
	kinds := []string{}
	for _, k := range mail.Kinds {
		kinds = append(kinds, string(k))
	}
	a.Outbox.Observe(a.Metrics.Mail(a.Outbox.Queued, kinds...))
	a.Accounts = account.NewService(o.DB, hasher, a.Outbox, box, account.Options{Now: o.Now, PublicURL: o.PublicURL,
		Log: o.Log, Captcha: o.Captcha, Schemas: a.Sites})
	a.Jobs = job.New(job.Options{Store: o.DB, Accounts: a.Accounts, Sites: a.Sites, Explain: rpc.Explain,
		Lease: o.JobLease, Now: o.Now, Log: o.Log, PauseAfter: o.JobPauseAfter})
	limiter := ratelimit.New(o.RateLimit, o.RateBurst, o.Now)
	verifier := authn.NewVerifier(a.Sites, a.Accounts.Sessions(), o.DB, o.Now)
	a.GigyaTokens = oauth.NewGigyaTokens(o.DB, o.Now, nil)
	verifier.UseOAuthTokens(a.GigyaTokens, a.Accounts)
	a.RPC = rpc.New(rpc.Options{Sites: a.Sites, Authn: verifier, TrustedProxies: o.TrustedProxies,
		DataCenter: o.DataCenter, Limiter: limiter, PublicURL: o.PublicURL, Now: o.Now, Log: o.Log})
	a.ScreenSets = screenset.NewService(o.DB)
	a.Social = social.NewService(o.DB, box, social.Options{Now: o.Now, AllowPrivate: o.SocialPrivate, HTTPClient: o.SocialHTTPClient})
	rpc.RegisterAccounts(a.RPC, rpc.Accounts{Accounts: a.Accounts, Sites: a.Sites, Keys: a.Keys, ScreenSets: a.ScreenSets,
		Issuer: o.Issuer, Now: o.Now, Social: a.Social})
	rpc.RegisterJobs(a.RPC, a.Jobs)
	rpc.RegisterStream(a.RPC, a.Accounts, o.Now)
	rpc.RegisterOAuth(a.RPC, rpc.OAuth{Tokens: a.GigyaTokens, Accounts: a.Accounts})
	rpc.RegisterSocialProviders(a.RPC, a.Social)
	socialCallback := rpc.RegisterSocialFlows(a.RPC, rpc.SocialFlows{Social: a.Social, Accounts: a.Accounts, Sites: a.Sites,
		Codes: a.GigyaTokens, PublicURL: o.PublicURL, Now: o.Now})
	if o.OIDCPages == nil {
		o.OIDCPages = oidcop.NewHostedPages(o.Log)
	}
	if a.OIDC, err = oidcop.New(oidcop.Options{Sites: a.Sites, Accounts: a.Accounts, Keys: a.Keys, OAuth: a.OAuth,
		Pages: o.OIDCPages, PublicURL: o.PublicURL, MasterKey: o.MasterKey, Limiter: limiter, Now: o.Now, Log: o.Log}); err != nil {
		return nil, err
	}
	rpc.RegisterOIDC(a.RPC, rpc.OIDC{OAuth: a.OAuth, Metadata: a.OIDC.Metadata})
	a.REST = rest.New(verifier, limiter, o.Log)
	rest.RegisterUsers(a.REST, rest.Users{Accounts: a.Accounts, BaseURL: o.PublicURL, Social: a.Social})
	a.AdminAPI = adminapi.New(adminapi.Options{Admins: a.Admins, Sites: a.Sites, Accounts: a.Accounts, OAuth: a.OAuth,
		ScreenSets: a.ScreenSets, Social: a.Social, Outbox: a.Outbox, Stats: o.DB, Log: o.Log, Now: o.Now,
		PublicURL: o.PublicURL, AuditFailed: a.Metrics.AuditWriteFailures()})

	mux := http.NewServeMux()
	server.Health(mux, o.DB.Ping)
	mux.Handle("GET /metrics", a.Metrics.Handler())
	pg := &pages{accounts: a.Accounts, sites: a.Sites, oauth: a.OAuth, log: o.Log, origin: weburl.Origin(o.PublicURL)}
	mux.Handle("GET /account/verify-email", pg.verifyEmail())
	mux.Handle("POST /account/verify-email", pg.verifyEmail())
	mux.Handle("GET /account/reset-password", pg.resetPassword())
	mux.Handle("POST /account/reset-password", pg.resetPassword())
	mux.Handle("GET "+HostedLoginPath, pg.hostedLogin())
	mux.Handle("GET "+HostedLoginScript, hostedLoginScript)
	mux.Handle("GET "+websdk.HooksPath, websdk.Hooks(a.Sites, a.ScreenSets))
	mux.Handle(oidcop.Prefix, a.OIDC)
	mux.Handle("GET "+rpc.SocialCallbackPath, socialCallback)
	mux.Handle("POST "+rpc.SocialCallbackPath, socialCallback)
	mux.Handle("GET "+rpc.SocialDonePath, rpc.SocialDonePage(a.Sites, o.PublicURL))
	mux.Handle("GET "+rpc.SocialDoneScript, rpc.SocialDoneJS())
	mux.Handle("GET "+oidcop.StylesheetPath, oidcop.Stylesheet())
	consoleFiles := console.Handler()
	mux.Handle(console.Prefix, consoleFiles)
	mux.Handle(strings.TrimSuffix(console.Prefix, "/"), consoleFiles) // its redirect to /console/
	sdk, err := websdk.New(websdk.Options{Sites: webSDKSite(a.Sites, a.Social), PublicURL: o.PublicURL, Log: o.Log})
	if err != nil {
		return nil, err
	}
	sdk.Register(mux)
	mux.Handle(adminapi.Prefix+"/", a.AdminAPI)
	mux.Handle(adminapi.Prefix, a.AdminAPI)
	mux.Handle("/v1/marketing/", a.REST)
	mux.Handle("/v1/marketing", a.REST) // a JSON 404, not the mux's redirect
	mux.Handle("/", a.RPC)
	a.handler = server.Middleware(a.route(mux), o.Server, o.Log, a.Metrics)
	return a, nil
}

// route keeps every answer in the catalog. The ServeMux would answer a path
// not in canonical form ("/../x", "/./x", "//x") with a redirect and a
// CONNECT with a text 404, and would hand a body declared too large to
// endpoints that ignore bodies: those requests go straight to the dialect
// their path names (RPC unless REST), which answers in its own format.
func (a *App) route(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tooLarge := callctx.From(r.Context()).BodyTooLarge
		if !tooLarge && r.Method != http.MethodConnect && server.CanonicalPath(r.URL.Path) {
			mux.ServeHTTP(w, r)
			return
		}
		isREST := r.URL.Path == "/v1/marketing" || strings.HasPrefix(r.URL.Path, "/v1/marketing/")
		isAdmin := r.URL.Path == adminapi.Prefix || strings.HasPrefix(r.URL.Path, adminapi.Prefix+"/")
		switch {
		case isAdmin && tooLarge && r.Method != http.MethodConnect && server.CanonicalPath(r.URL.Path):
			a.AdminAPI.ServeHTTP(w, r)
		case isAdmin:
			a.AdminAPI.NotFound().ServeHTTP(w, r)
		case !isREST:
			a.RPC.ServeHTTP(w, r)
		case tooLarge && r.Method != http.MethodConnect && server.CanonicalPath(r.URL.Path):
			a.REST.ServeHTTP(w, r)
		default:
			a.REST.NotFound().ServeHTTP(w, r)
		}
	})
}

// Handler is the root handler of the HTTP server.
func (a *App) Handler() http.Handler { return a.handler }

// DefaultEventsRetention is how long the change feed keeps an event.
const DefaultEventsRetention = 30 * 24 * time.Hour

// purgeInterval is how often expired tokens, sessions and old mail go.
const purgeInterval = 10 * time.Minute

// Run does the background work until ctx ends: mail delivery, jobs, and
// the purge of what has expired.
func (a *App) Run(ctx context.Context) {
	defer a.Accounts.Close() // reset mails started after their answer
	go a.Outbox.Run(ctx)
	go a.Jobs.Run(ctx)
	t := time.NewTicker(purgeInterval)
	defer t.Stop()
	for {
		a.purge(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// adminOptions are o.Admin on o's clock.
func adminOptions(o Options) admin.Options {
	ao := o.Admin
	if ao.Now == nil {
		ao.Now = o.Now
	}
	return ao
}

// purge deletes what has expired, and the change feed's events older than
// the retention.
func (a *App) purge(ctx context.Context) {
	now := a.now()
	n, err := a.db.Purge(ctx, now)
	if err == nil {
		var m int64
		m, err = a.db.PurgeEvents(ctx, now.Add(-a.retain))
		n += m
	}
	if err == nil {
		var m int64
		m, err = a.Admins.Purge(ctx)
		n += m
	}
	if err != nil && ctx.Err() == nil {
		a.log.Error("purge", "err", err)
	} else if n > 0 {
		a.log.Info("purged expired rows", "rows", n)
	}
}
