// Package app wires the domain services, the two dialect adapters and the
// operational endpoints into one http.Handler.
package app

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/custos-id/custos/internal/account"
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
}

// App is a running custos: its services and its HTTP handler.
type App struct {
	Sites    *site.Service
	Accounts *account.Service
	RPC      *rpc.Handler
	REST     *rest.Handler
	Metrics  *server.Metrics
	handler  http.Handler
}

// New builds an App over an open, migrated database.
func New(o Options) (*App, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Server == (server.Config{}) {
		o.Server = server.DefaultConfig()
	}
	box, err := secretbox.New(o.MasterKey)
	if err != nil {
		return nil, err
	}
	a := &App{
		Sites:    site.NewService(o.DB, box, site.Options{Now: o.Now, CacheTTL: o.SiteCacheTTL}),
		Accounts: account.NewService(o.DB),
		Metrics:  server.NewMetrics(),
	}
	a.RPC = rpc.New(a.Sites, o.Now, o.Log)
	rpc.RegisterAccounts(a.RPC, a.Accounts)
	a.REST = rest.New(a.Sites, o.Log)
	rest.RegisterUsers(a.REST, a.Accounts)

	mux := http.NewServeMux()
	server.Health(mux, o.DB.Ping)
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.Handle("/v1/marketing/", a.REST)
	mux.Handle("/v1/marketing", a.REST) // a JSON 404, not the mux's redirect
	mux.Handle("/", a.RPC)
	a.handler = server.Middleware(mux, o.Server, o.Log, a.Metrics)
	return a, nil
}

// Handler is the root handler of the HTTP server.
func (a *App) Handler() http.Handler { return a.handler }
