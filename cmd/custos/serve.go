package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"

	"github.com/custos-id/custos/internal/captcha"
	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/password"

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
	fs.StringVar(&o.PublicURL, "public-url", "", "the URL clients reach custos at, for links in mail and the JWT issuer (default http://<addr>)")
	fs.StringVar(&o.Issuer, "jwt-issuer", "", "base of the JWT issuer <base>/jwt/<apiKey>/, such as https://fidm.gigya.com (default --public-url)")
	var smtpURL, mailFrom string
	fs.StringVar(&smtpURL, "smtp", "", "SMTP relay: smtp://user:pass@host:587 (STARTTLS) or smtps://…:465; without it mail is written to the log (development)")
	fs.StringVar(&mailFrom, "mail-from", "custos@localhost", "sender address of mail")
	var proxies stringList
	fs.Var(&proxies, "trusted-proxy", "CIDR of a proxy whose X-Forwarded-Proto and X-Forwarded-For are believed (repeatable)")
	pw := password.DefaultParams()
	fs.Func("argon2-memory", fmt.Sprintf("argon2id memory in KiB (default %d)", pw.Memory), uintFlag(&pw.Memory))
	fs.Func("argon2-time", fmt.Sprintf("argon2id passes (default %d)", pw.Time), uintFlag(&pw.Time))
	fs.StringVar(&o.DataCenter, "data-center", "us1", "the Gigya data center SDKs are set to: signatures over https://<namespace>.<data-center>.gigya.com/… are accepted")
	fs.Float64Var(&o.RateLimit, "rate-limit", 20, "requests per second each client address may make to a site, per process (0: no limit)")
	fs.IntVar(&o.RateBurst, "rate-burst", 60, "requests a client may make at once above the rate")
	var captchaURL, captchaSecret string
	fs.StringVar(&captchaURL, "captcha-verify-url", "", "siteverify URL of the CAPTCHA service (reCAPTCHA, hCaptcha, Turnstile) for the CAPTCHA policies")
	fs.StringVar(&captchaSecret, "captcha-secret", "", "the secret custos sends to the CAPTCHA service")
	fs.IntVar(&o.HashConcurrency, "hash-concurrency", 0, "password hashes computed at once; the rest wait (default: the number of CPUs)")
	if err := parse(fs, args); err != nil {
		return err
	}
	o.Password = pw
	if captchaURL != "" {
		v, err := captcha.New(captchaURL, captchaSecret)
		if err != nil {
			return err
		}
		o.Captcha = v
	}
	for _, p := range proxies {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			return fmt.Errorf("--trusted-proxy %q: %w", p, err)
		}
		o.TrustedProxies = append(o.TrustedProxies, prefix)
	}
	if o.PublicURL == "" {
		o.PublicURL = "http://" + addr
	}
	if cfg.MaxBodyBytes <= 0 {
		return fmt.Errorf("--max-body-bytes must be positive")
	}
	log := newLogger(stderr, logLevel)
	if smtpURL != "" {
		sender, err := mail.NewSMTP(smtpURL, mailFrom)
		if err != nil {
			return err
		}
		o.Mail = sender
	} else {
		log.Warn("no --smtp: mail is written to this log, links and tokens included; for development only")
	}

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
	workers, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { a.Run(workers); close(done) }()
	err = server.Serve(ctx, ln, a.Handler(), cfg, log)
	stopWorkers()
	<-done
	return err
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

func uintFlag(dst *uint32) func(string) error {
	return func(s string) error {
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil || v == 0 {
			return fmt.Errorf("want a positive integer")
		}
		*dst = uint32(v)
		return nil
	}
}
