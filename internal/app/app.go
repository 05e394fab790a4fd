// Package app wires the domain services, the two dialect adapters and the
// operational endpoints into one http.Handler.
package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/jwt"
	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/outbox"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/ratelimit"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/rpc"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
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
	// PublicURL is the base URL of links in mail and of the JWT issuer,
	// such as https://id.example.com (required).
	PublicURL string
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
	// HashConcurrency bounds the hashes running at once (default GOMAXPROCS).
	Password        password.Params
	HashConcurrency int
}

// App is a running custos: its services and its HTTP handler.
type App struct {
	Sites    *site.Service
	Accounts *account.Service
	Outbox   *outbox.Outbox
	Keys     *jwt.Keys
	RPC      *rpc.Handler
	REST     *rest.Handler
	Metrics  *server.Metrics
	handler  http.Handler
	db       *store.DB
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
	o.PublicURL = strings.TrimSuffix(o.PublicURL, "/")
	if !strings.HasPrefix(o.PublicURL, "http://") && !strings.HasPrefix(o.PublicURL, "https://") {
		return nil, errors.New("app: PublicURL must be an absolute http(s) URL")
	}
	box, err := secretbox.New(o.MasterKey)
	if err != nil {
		return nil, err
	}
	hasher, err := password.NewHasher(o.Password, o.HashConcurrency)
	if err != nil {
		return nil, err
	}
	a := &App{
		Sites:   site.NewService(o.DB, box, site.Options{Now: o.Now, CacheTTL: o.SiteCacheTTL, CaptchaConfigured: o.Captcha != nil}),
		Outbox:  outbox.New(o.DB, box, o.Mail, o.Now, o.Log),
		Keys:    jwt.NewKeys(o.DB, box, jwt.Options{Now: o.Now}),
		Metrics: server.NewMetrics(),
		db:      o.DB,
		now:     o.Now,
		log:     o.Log,
	}
	a.Accounts = account.NewService(o.DB, hasher, a.Outbox, box, account.Options{Now: o.Now, PublicURL: o.PublicURL,
		Log: o.Log, Captcha: o.Captcha})
	limiter := ratelimit.New(o.RateLimit, o.RateBurst, o.Now)
	a.RPC = rpc.New(rpc.Options{Sites: a.Sites, Sessions: a.Accounts, Nonces: o.DB, TrustedProxies: o.TrustedProxies,
		DataCenter: o.DataCenter, Limiter: limiter, Now: o.Now, Log: o.Log})
	rpc.RegisterAccounts(a.RPC, rpc.Accounts{Accounts: a.Accounts, Sites: a.Sites, Keys: a.Keys, Issuer: o.PublicURL, Now: o.Now})
	a.REST = rest.New(a.Sites, limiter, o.Log)
	rest.RegisterUsers(a.REST, rest.Users{Accounts: a.Accounts, BaseURL: o.PublicURL})

	mux := http.NewServeMux()
	server.Health(mux, o.DB.Ping)
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.Handle("GET /account/verify-email", verifyEmailPage(a.Accounts, o.Log))
	mux.Handle("GET /account/reset-password", resetPasswordPage(a.Accounts, a.Sites, o.Log))
	mux.Handle("POST /account/reset-password", resetPasswordPage(a.Accounts, a.Sites, o.Log))
	mux.Handle("/v1/marketing/", a.REST)
	mux.Handle("/v1/marketing", a.REST) // a JSON 404, not the mux's redirect
	mux.Handle("/", a.RPC)
	a.handler = server.Middleware(mux, o.Server, o.Log, a.Metrics)
	return a, nil
}

// Handler is the root handler of the HTTP server.
func (a *App) Handler() http.Handler { return a.handler }

// purgeInterval is how often expired tokens, sessions and old mail go.
const purgeInterval = 10 * time.Minute

// Run does the background work until ctx ends: mail delivery, and the
// purge of what has expired.
func (a *App) Run(ctx context.Context) {
	defer a.Accounts.Wait() // reset mails started after their answer
	go a.Outbox.Run(ctx)
	t := time.NewTicker(purgeInterval)
	defer t.Stop()
	for {
		if n, err := a.db.Purge(ctx, a.now()); err != nil && ctx.Err() == nil {
			a.log.Error("purge", "err", err)
		} else if n > 0 {
			a.log.Info("purged expired rows", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
