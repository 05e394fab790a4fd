package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/captcha"
	"github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/token"
)

// Config is every setting of "custos serve": its defaults, its flags (each
// with a CUSTOS_* variable, see parse) and its checks, in one place.
type Config struct {
	DB       dbFlags
	Addr     string
	LogLevel slog.Level
	// PublicURL is the URL clients reach custos at; empty is http://<Addr>.
	PublicURL string
	// JWTIssuer is the template of the JWT issuer, with {apiKey}; empty is
	// <PublicURL>/jwt/{apiKey}/.
	JWTIssuer       string
	Server          server.Config
	SiteCacheTTL    time.Duration
	SMTP            string
	MailFrom        string
	TrustedProxies  stringList
	Password        password.Params
	HashConcurrency int
	// CustomVerifierPrivate: see app.Options.
	CustomVerifierPrivate bool
	DataCenter            string
	RateLimit             float64
	RateBurst             int
	CaptchaURL            string
	CaptchaSecret         string
	TLS                   tlsFlags
	// JobLease is how long a job stays with a process that gives no news.
	JobLease time.Duration
	// EventsRetention is how long the change feed keeps an event.
	EventsRetention time.Duration
	// AdminIdleTimeout and AdminSessionLifetime end an admin's session
	// unused for so long, and so long after login.
	AdminIdleTimeout     time.Duration
	AdminSessionLifetime time.Duration
}

// DefaultConfig returns the settings serve runs with when given none.
func DefaultConfig() Config {
	return Config{
		DB:                   dbFlags{url: defaultDB},
		Addr:                 "127.0.0.1:8080",
		LogLevel:             slog.LevelInfo,
		Server:               server.DefaultConfig(),
		SiteCacheTTL:         5 * time.Second,
		MailFrom:             "custos@localhost",
		Password:             password.DefaultParams(),
		HashConcurrency:      runtime.GOMAXPROCS(0),
		DataCenter:           "us1",
		RateLimit:            20,
		RateBurst:            60,
		TLS:                  defaultTLS(),
		JobLease:             time.Minute,
		EventsRetention:      app.DefaultEventsRetention,
		AdminIdleTimeout:     30 * time.Minute,
		AdminSessionLifetime: 12 * time.Hour,
	}
}

// register adds a flag for every setting; each flag's default is c's value.
func (c *Config) register(fs *flag.FlagSet) {
	c.DB.register(fs, true)
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on")
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error")
	fs.Int64Var(&c.Server.MaxBodyBytes, "max-body-bytes", c.Server.MaxBodyBytes, "largest request body accepted")
	fs.DurationVar(&c.Server.ReadTimeout, "read-timeout", c.Server.ReadTimeout, "time to read a request")
	fs.DurationVar(&c.Server.WriteTimeout, "write-timeout", c.Server.WriteTimeout, "time to write a response")
	fs.DurationVar(&c.Server.IdleTimeout, "idle-timeout", c.Server.IdleTimeout, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&c.Server.ShutdownTimeout, "shutdown-timeout", c.Server.ShutdownTimeout, "time for requests in flight to finish on SIGINT/SIGTERM")
	fs.DurationVar(&c.SiteCacheTTL, "site-cache-ttl", c.SiteCacheTTL, "how long a resolved apiKey stays cached")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "the URL clients reach custos at, for links in mail and the JWT issuer (default http://<addr>)")
	fs.StringVar(&c.JWTIssuer, "jwt-issuer", c.JWTIssuer, "the JWT issuer, {apiKey} standing for each site's API key, such as https://fidm.gigya.com/jwt/{apiKey}/; a URL without {apiKey} is a base: <base>/jwt/{apiKey}/ (default <public-url>/jwt/{apiKey}/)")
	fs.StringVar(&c.SMTP, "smtp", c.SMTP, "SMTP relay: smtp://user:pass@host:587 (STARTTLS) or smtps://…:465; without it mail is written to the log (development)")
	fs.StringVar(&c.MailFrom, "mail-from", c.MailFrom, "sender address of mail; the display name is the site's name")
	fs.Var(&c.TrustedProxies, "trusted-proxy", "CIDR of a proxy whose X-Forwarded-Proto and X-Forwarded-For are believed (repeatable)")
	fs.Var((*uint32Value)(&c.Password.Memory), "argon2-memory", "argon2id memory in KiB")
	fs.Var((*uint32Value)(&c.Password.Time), "argon2-time", "argon2id passes")
	fs.StringVar(&c.DataCenter, "data-center", c.DataCenter, "the Gigya data center SDKs are set to: signatures over https://<namespace>.<data-center>.gigya.com/… are accepted")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "requests per second each client address may make to a site, per process (0: no limit)")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "requests a client may make at once above the rate")
	fs.StringVar(&c.CaptchaURL, "captcha-verify-url", c.CaptchaURL, "siteverify URL of the CAPTCHA service (reCAPTCHA, hCaptcha, Turnstile) for the CAPTCHA policies")
	fs.StringVar(&c.CaptchaSecret, "captcha-secret", c.CaptchaSecret, "the secret custos sends to the CAPTCHA service")
	fs.DurationVar(&c.EventsRetention, "events-retention", c.EventsRetention, "how long the change feed (accounts.stream.read) keeps an account event")
	fs.DurationVar(&c.JobLease, "job-lease", c.JobLease, "how long a job (accounts.importJob, exportJob) stays with a process that reports no progress: after a crash, another process takes it then")
	fs.IntVar(&c.HashConcurrency, "hash-concurrency", c.HashConcurrency, "password hashes computed at once, the rest wait (default the number of CPUs)")
	fs.BoolVar(&c.CustomVerifierPrivate, "custom-verifier-private", c.CustomVerifierPrivate, "let the remote verifiers of imported custom hashes be on loopback and private addresses")
	fs.DurationVar(&c.AdminIdleTimeout, "admin-idle-timeout", c.AdminIdleTimeout, "an admin's console session ends when unused for so long")
	fs.DurationVar(&c.AdminSessionLifetime, "admin-session-lifetime", c.AdminSessionLifetime, "an admin's console session ends so long after login, used or not")
	c.TLS.register(fs)
}

// Validate checks every setting before anything is opened; an error names
// the flag at fault.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.Addr != "", "--addr is required")
	if err := c.DB.checkURL(); err != nil {
		errs = append(errs, err)
	} else {
		check(c.DB.hasKey(), "--master-key-file (CUSTOS_MASTER_KEY_FILE) is required with PostgreSQL")
	}
	check(c.Server.MaxBodyBytes > 0, "--max-body-bytes must be positive")
	// A slice, not a map: the joined errors come out in flag order.
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"read-timeout", c.Server.ReadTimeout}, {"write-timeout", c.Server.WriteTimeout}, {"idle-timeout", c.Server.IdleTimeout},
		{"shutdown-timeout", c.Server.ShutdownTimeout}, {"site-cache-ttl", c.SiteCacheTTL}, {"job-lease", c.JobLease}, {"events-retention", c.EventsRetention},
		{"admin-idle-timeout", c.AdminIdleTimeout}, {"admin-session-lifetime", c.AdminSessionLifetime}} {
		check(d.d > 0, "--%s must be positive", d.name)
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "",
			"--public-url %q: want an absolute http(s) URL", c.PublicURL)
	}
	if c.JWTIssuer != "" {
		if err := token.CheckIssuer(c.issuer()); err != nil {
			errs = append(errs, fmt.Errorf("--jwt-issuer %q: %w", c.JWTIssuer, err))
		}
	}
	for _, p := range c.TrustedProxies {
		_, err := netip.ParsePrefix(p)
		check(err == nil, "--trusted-proxy %q: want a CIDR such as 10.0.0.0/8", p)
	}
	check(c.HashConcurrency > 0, "--hash-concurrency must be positive")
	check(c.DataCenter != "", "--data-center is required")
	check(c.RateLimit >= 0, "--rate-limit must not be negative")
	check(c.RateLimit == 0 || c.RateBurst > 0, "--rate-burst must be positive")
	check(c.CaptchaURL != "" || c.CaptchaSecret == "", "--captcha-secret needs --captcha-verify-url")
	errs = append(errs, c.TLS.validate()...)
	return errors.Join(errs...)
}

// issuer is the JWT issuer template. A value without {apiKey} is a base
// URL, as --jwt-issuer was before it took templates: <base>/jwt/{apiKey}/.
func (c *Config) issuer() string {
	if c.JWTIssuer == "" || strings.Contains(c.JWTIssuer, token.APIKeyPlaceholder) {
		return c.JWTIssuer
	}
	return token.DefaultIssuer(c.JWTIssuer)
}

// options turns a valid Config into the App's options, less the database.
func (c *Config) options(log *slog.Logger) (app.Options, error) {
	o := app.Options{Server: c.Server, SiteCacheTTL: c.SiteCacheTTL, PublicURL: c.PublicURL, Issuer: c.issuer(), Password: c.Password,
		HashConcurrency: c.HashConcurrency, CustomVerifierPrivate: c.CustomVerifierPrivate, DataCenter: c.DataCenter, RateLimit: c.RateLimit, RateBurst: c.RateBurst, Log: log,
		JobLease: c.JobLease, EventsRetention: c.EventsRetention,
		Admin: admin.Options{IdleTimeout: c.AdminIdleTimeout, AbsoluteTimeout: c.AdminSessionLifetime}}
	if o.PublicURL == "" {
		o.PublicURL = "http://" + c.Addr
		if c.TLS.enabled() {
			o.PublicURL = "https://" + c.Addr
		}
	}
	for _, p := range c.TrustedProxies {
		o.TrustedProxies = append(o.TrustedProxies, netip.MustParsePrefix(p)) // Validate parsed it
	}
	if c.CaptchaURL != "" {
		v, err := captcha.New(c.CaptchaURL, c.CaptchaSecret)
		if err != nil {
			return app.Options{}, err
		}
		o.Captcha = v
	}
	if c.SMTP != "" {
		sender, err := mail.NewSMTP(c.SMTP, c.MailFrom)
		if err != nil {
			return app.Options{}, err
		}
		o.Mail = sender
	}
	return o, nil
}

// uint32Value is a flag of a positive 32-bit integer.
type uint32Value uint32

func (v *uint32Value) String() string { return strconv.FormatUint(uint64(*v), 10) }

func (v *uint32Value) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return errors.New("want a positive integer")
	}
	*v = uint32Value(n)
	return nil
}
