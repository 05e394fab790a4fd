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

func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	var (
		d        dbFlags
		cfg      = server.DefaultConfig()
		addr     string
		logLevel slog.Level
		o        app.Options
	)
	d.register(fs, true)
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.TextVar(&logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error")
	fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", cfg.MaxBodyBytes, "largest request body accepted")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", cfg.ReadTimeout, "time to read a request")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", cfg.WriteTimeout, "time to write a response")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "time for requests in flight to finish on SIGINT/SIGTERM")
	fs.DurationVar(&o.SiteCacheTTL, "site-cache-ttl", 0, "how long a resolved apiKey stays cached (default 5s)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if cfg.MaxBodyBytes <= 0 {
		return fmt.Errorf("--max-body-bytes must be positive")
	}
	log := newLogger(stderr, logLevel)

	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if o.MasterKey, err = d.key(log); err != nil {
		return err
	}
	o.DB, o.Log, o.Server = db, log, cfg
	a, err := app.New(o)
	if err != nil {
		return err
	}
	if err := a.Sites.CheckMasterKey(ctx); err != nil {
		return err
	}
	if err := firstSite(ctx, a, stdout); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "engine", db.Engine(), "version", version())
	return server.Serve(ctx, ln, a.Handler(), cfg, log)
}

// firstSite creates the site "default" in an empty database and prints its
// credentials, so that a newcomer can call the API at once.
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
	return nil
}
