package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/server"
)

func serveCmd(ctx context.Context, args []string, d deps) error {
	fs := newFlags("serve", d.stderr)
	cfg := DefaultConfig()
	cfg.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	// The log is written by a goroutine of its own (server.LogWriter): a
	// request never waits for the log's write. Close, deferred first, runs
	// last and writes every line logged before it.
	logOut := server.NewLogWriter(d.stderr, server.LogCapacity)
	defer logOut.Close()
	log := newLogger(logOut, cfg.LogLevel)
	// zitadel/oidc's op package logs through slog's default logger only.
	slog.SetDefault(log)
	o, err := cfg.options(log)
	if err != nil {
		return err
	}
	if o.Mail == nil {
		log.Warn("no --smtp: mail is written to this log, links and tokens included; for development only")
	}
	// The certificate before the port and the database: a pair that does
	// not load stops serve before it creates anything.
	cert, stopTLS, err := cfg.TLS.start(ctx, log)
	if err != nil {
		return err
	}
	defer stopTLS()
	if cert != nil {
		cfg.Server.TLS = cert.TLSConfig()
	}
	// Bind before anything is created: a busy port must not leave behind a
	// new database whose "once only" credentials went nowhere.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if cfg.PublicURL == "" {
		o.PublicURL = defaultPublicURL(cfg.Addr, ln.Addr(), cert != nil)
	}

	// The master key before the database: a missing key must not leave a
	// database created or migrated behind.
	if o.MasterKey, err = cfg.DB.key(log); err != nil {
		return err
	}
	db, err := cfg.DB.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	o.DB, o.KeyGen, o.JobPauseAfter = db, d.keyGen, d.jobPauseAfter
	a, err := app.New(o)
	if err != nil {
		return err
	}
	a.Metrics.ObserveLogDrops(logOut.Dropped)
	if err := a.Sites.CheckMasterKey(ctx); err != nil {
		return err
	}
	if err := firstSite(ctx, a, d.stdout); err != nil {
		return err
	}

	log.Info("listening", "addr", ln.Addr().String(), "tls", cert != nil, "engine", db.Engine(), "version", version())
	workers, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { a.Run(workers); close(done) }()
	err = server.Serve(ctx, ln, a.Handler(), cfg.Server, log)
	stopWorkers()
	<-done
	return err
}

// defaultPublicURL is http(s)://<addr>, with the port bound when addr asks
// for any free one (port 0).
func defaultPublicURL(addr string, bound net.Addr, tls bool) string {
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port != "0" {
		return scheme + addr
	}
	_, port, _ = net.SplitHostPort(bound.String())
	return scheme + net.JoinHostPort(host, port)
}

// firstSite creates the site "default" in an empty database and prints its
// credentials, so that a newcomer can call the API at once; and, in that new
// database only, the owner "admin" with a password for its first login,
// which must replace it (an upgraded database that has sites gets no admin
// by itself: "custos admin create" adds one).
func firstSite(ctx context.Context, a *app.App, stdout io.Writer) error {
	st, created, err := a.Sites.CreateFirst(ctx, "default")
	if err != nil || !created {
		return err
	}
	fmt.Fprintf(stdout, `custos: created the site "default" in this new database. Its credentials:

  siteId: %d
  apiKey: %s
  secret: %s

They are printed on this first start only; "custos site show --id %d" shows them again.
`, st.ID, st.APIKey, st.SecretBase64(), st.ID)
	owner, pw, created, err := a.Admins.CreateFirst(ctx, "admin")
	if err != nil || !created {
		return err
	}
	fmt.Fprintf(stdout, `custos: created the owner of the admin console (/console/):

  username: %s
  password: %s

This password is for the first login only: it enrolls a TOTP second factor and must be replaced by a new
password then. "custos admin create" adds more admins.
`, owner.Username, pw)
	return nil
}
