package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A busy port fails the start before anything is created: no database, no
// credentials printed "once" into the void.
func TestServeBindsFirst(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"serve", "--addr", ln.Addr().String(), "--db", "sqlite:" + filepath.Join(dir, "c.db")}, &out, &errOut)
	if err == nil {
		t.Fatal("serve on a busy port succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 || out.Len() > 0 {
		t.Fatalf("a failed start left %v and printed %q", entries, out.String())
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for flagName, edit := range map[string]func(*Config){
		"--max-body-bytes":         func(c *Config) { c.Server.MaxBodyBytes = 0 },
		"--read-timeout":           func(c *Config) { c.Server.ReadTimeout = 0 },
		"--site-cache-ttl":         func(c *Config) { c.SiteCacheTTL = -1 },
		"--job-lease":              func(c *Config) { c.JobLease = 0 },
		"--events-retention":       func(c *Config) { c.EventsRetention = 0 },
		"--admin-idle-timeout":     func(c *Config) { c.AdminIdleTimeout = 0 },
		"--admin-session-lifetime": func(c *Config) { c.AdminSessionLifetime = 0 },
		"--public-url":             func(c *Config) { c.PublicURL = "id.example.com" },
		"--jwt-issuer":             func(c *Config) { c.JWTIssuer = "https://fidm.gigya.com/{apikey}/" },
		"--trusted-proxy":          func(c *Config) { c.TrustedProxies = stringList{"10.0.0.0/8", "nope"} },
		"--hash-concurrency":       func(c *Config) { c.HashConcurrency = 0 },
		"--rate-limit":             func(c *Config) { c.RateLimit = -1 },
		"--rate-burst":             func(c *Config) { c.RateBurst = 0 },
		"--captcha-verify-url":     func(c *Config) { c.CaptchaSecret = "s" },
		"--addr":                   func(c *Config) { c.Addr = "" },
		"--master-key-file":        func(c *Config) { c.DB.url = "postgres://custos@db.example/custos" },
	} {
		c := DefaultConfig()
		edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), flagName) {
			t.Errorf("%s: %v", flagName, err)
		}
	}
	// A base without {apiKey} is the issuer of earlier versions.
	for base, want := range map[string]string{"https://fidm.gigya.com": "https://fidm.gigya.com/jwt/{apiKey}/",
		"https://id.example.com/":              "https://id.example.com/jwt/{apiKey}/",
		"https://fidm.gigya.com/jwt/{apiKey}/": "https://fidm.gigya.com/jwt/{apiKey}/"} {
		c := DefaultConfig()
		c.JWTIssuer = base
		if err := c.Validate(); err != nil || c.issuer() != want {
			t.Errorf("--jwt-issuer %s: %v, issuer %s, want %s", base, err, c.issuer(), want)
		}
	}
	// A wrong --db is named as such, not as a missing master key, by serve
	// and by the commands that load the key.
	for _, url := range []string{"custos.db", "mysql://custos@db.example/custos", ""} {
		c := DefaultConfig()
		c.DB.url = url
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--db") || strings.Contains(err.Error(), "master-key") {
			t.Errorf("--db %q: %v", url, err)
		}
		if _, err := custos(t, "site", "show", "--id", "1", "--db", url); err == nil || !strings.Contains(err.Error(), "--db") ||
			strings.Contains(err.Error(), "master-key") {
			t.Errorf("site show --db %q: %v", url, err)
		}
	}
	// Several errors come out in one order, the flags'.
	c := DefaultConfig()
	c.Server.ReadTimeout, c.Server.WriteTimeout, c.Server.IdleTimeout, c.Server.ShutdownTimeout, c.SiteCacheTTL = 0, 0, 0, 0, 0
	want := "--read-timeout must be positive\n--write-timeout must be positive\n--idle-timeout must be positive\n" +
		"--shutdown-timeout must be positive\n--site-cache-ttl must be positive"
	for range 20 {
		if err := c.Validate(); err == nil || err.Error() != want {
			t.Fatalf("durations: %v", err)
		}
	}
	c = DefaultConfig()
	c.RateLimit, c.RateBurst = 0, 0 // no limit: the burst does not matter
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

// Help is asked for, printed, and not an error; each default shows once,
// in every command's help, and a flag without one shows none.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"site", "-h"}, {"site", "--help"}, {"key", "-h"}, {"help"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err != nil || !strings.Contains(out.String(), "usage: custos") {
			t.Errorf("%v: %v %q", args, err, out.String())
		}
	}
	help := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), append(args, "-h"), &out, &errOut); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%v -h: %v", args, err)
		}
		return errOut.String()
	}
	serve := help("serve")
	for _, want := range []string{"--site-cache-ttl (CUSTOS_SITE_CACHE_TTL)", "(default 5s)", "(default 19456)",
		"(default 127.0.0.1:8080)", "(default the number of CPUs)"} {
		if !strings.Contains(serve, want) {
			t.Errorf("serve -h lacks %q:\n%s", want, serve)
		}
	}
	for _, args := range [][]string{{"serve"}, {"migrate"}, {"errors"},
		{"site", "create"}, {"site", "list"}, {"site", "show"}, {"site", "update"}, {"site", "rotate-secret"}, {"site", "rotate-key"},
		{"key", "create"}, {"key", "list"}, {"key", "revoke"}} {
		for _, entry := range strings.Split(help(args...), "\n  --")[1:] {
			if n := strings.Count(strings.ToLower(entry), "default"); n > 1 || strings.Contains(entry, "(default 0)") {
				t.Errorf("%v: a default said %d times, or one that is none: --%s", args, n, entry)
			}
		}
	}
}

func TestSiteUpdateName(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "u.db")
	mustCustos(t, "site", "create", "--db", db, "--name", "old", "--domain", "a.example.com")
	out := mustCustos(t, "site", "update", "--db", db, "--id", "1", "--name", "  New name ")
	if !strings.Contains(out, "name:    New name\n") || !strings.Contains(out, "domains: a.example.com") {
		t.Fatalf("rename = %s", out)
	}
	out = mustCustos(t, "site", "update", "--db", db, "--id", "1", "--name", "Newer", "--domain", "b.example.com")
	if !strings.Contains(out, "name:    Newer\n") || !strings.Contains(out, "domains: b.example.com") {
		t.Fatalf("rename with domains = %s", out)
	}
	if _, err := custos(t, "site", "update", "--db", db, "--id", "1", "--name", " "); err == nil {
		t.Fatal("a blank name was accepted")
	}
	if list := mustCustos(t, "site", "list", "--db", db); !strings.Contains(list, "Newer") {
		t.Fatalf("list = %s", list)
	}
}

// A catalog error prints its text once.
func TestErrorTextOnce(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "e.db")
	_, err := custos(t, "site", "create", "--db", db)
	if err == nil || err.Error() != "400002 Missing required parameter: name" {
		t.Fatalf("err = %v", err)
	}
}

// Renaming and changing the domains is one change: a bad domain refuses the
// whole update, the name included.
func TestSiteUpdateIsOneChange(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "one.db")
	mustCustos(t, "site", "create", "--db", db, "--name", "old", "--domain", "a.example.com")
	if _, err := custos(t, "site", "update", "--db", db, "--id", "1", "--name", "new", "--domain", "bad domain"); err == nil {
		t.Fatal("a bad domain was accepted")
	}
	if out := mustCustos(t, "site", "show", "--db", db, "--id", "1"); !strings.Contains(out, "name:    old\n") ||
		!strings.Contains(out, "domains: a.example.com\n") {
		t.Fatalf("a refused update wrote: %s", out)
	}
}

// A PostgreSQL database needs --master-key-file, and every command finds
// out before it connects or migrates (this URL reaches no server); a master
// key that cannot be read stops serve before it creates a database.
func TestMasterKeyBeforeDatabase(t *testing.T) {
	pg := "postgres://custos@127.0.0.1:1/none?sslmode=disable"
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--db", pg},
		{"site", "show", "--id", "1", "--db", pg},
		{"key", "create", "--site", "1", "--name", "k", "--db", pg},
	} {
		if _, err := custos(t, args...); err == nil || !strings.Contains(err.Error(), "--master-key-file") {
			t.Errorf("%v: %v", args, err)
		}
	}
	dir := t.TempDir()
	_, err := custos(t, "serve", "--addr", "127.0.0.1:0", "--db", "sqlite:"+filepath.Join(dir, "c.db"),
		"--master-key-file", filepath.Join(dir, "missing.key"))
	if entries, _ := os.ReadDir(dir); err == nil || len(entries) > 0 {
		t.Fatalf("serve with a missing master key: %v, left %v", err, entries)
	}
}
