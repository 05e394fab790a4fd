// Package browser_test drives a real browser against an in-process custos.
//
// TestBrowser starts custos (SQLite, the real router, on 127.0.0.1), the
// test SMTP server, and a site on another origin (localhost, another port)
// that serves site/*; then it runs `node --test` on every *.test.mjs here,
// which drive Debian's Chromium with playwright-core (pinned in
// package.json and package-lock.json). It needs Node.js 20 or later, npm
// the first time, and the Chromium named by CUSTOS_TEST_CHROMIUM, which
// scripts/with-chromium.sh installs and exports (make test runs it):
//
//	./scripts/with-chromium.sh go test ./test/browser/
//
// CUSTOS_BROWSER_ONLY=sdk runs only the files whose name contains "sdk".
package browser_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	custosmail "github.com/custos-id/custos/internal/mail"
	"github.com/custos-id/custos/internal/mail/mailtest"
	"github.com/custos-id/custos/internal/nodetest"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/oidcop"
	"github.com/custos-id/custos/internal/rpc"
	"github.com/custos-id/custos/internal/site"
	socialpkg "github.com/custos-id/custos/internal/social"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
	"github.com/custos-id/custos/internal/token/tokentest"
)

const (
	nodeTimeout = 8 * time.Minute
	// mailWait bounds GET /_test/mail, as mailtest.WaitForTimeout bounds
	// WaitFor.
	mailWait = mailtest.WaitForTimeout
	// maxSiteFile bounds the site files the test site serves.
	maxSiteFile = 1 << 20
	// idleTimeout ends the admin sessions of the second custos
	// (console.test.mjs: a session that ends while the admin edits).
	idleTimeout = 4 * time.Second
)

func TestBrowser(t *testing.T) {
	chromium := os.Getenv("CUSTOS_TEST_CHROMIUM")
	if chromium == "" {
		t.Skip("CUSTOS_TEST_CHROMIUM is not set: the browser tests need Chromium; " +
			"run them through scripts/with-chromium.sh (make test does), which installs Debian's chromium when missing")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("CUSTOS_TEST_CHROMIUM=%s: %v", chromium, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the browser tests need Node.js 20 or later and npm")
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	files := testFiles(t, dir)
	nodetest.InstallModules(t, dir, "")
	env := start(t, dir)

	shots := filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), nodeTimeout)
	defer cancel()
	args := append([]string{"--test", "--test-reporter=spec", "--test-concurrency=2"}, files...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	// Later entries win: these replace any of the caller's environment.
	cmd.Env = append(os.Environ(),
		"CUSTOS_URL="+env.custosURL,
		"SITE_URL="+env.siteURL,
		"CUSTOS_API_KEY="+env.apiKey,
		"CUSTOS_SECRET="+env.secret,
		"CUSTOS_SCREENSETS_API_KEY="+env.screenSets.APIKey,
		"CUSTOS_SCREENSETS_SECRET="+env.screenSets.SecretBase64(),
		"CUSTOS_ADMIN_USERNAME="+env.adminUsername,
		"CUSTOS_ADMIN_PASSWORD="+env.adminPassword,
		"CUSTOS_IDLE_URL="+env.idle.url,
		"CUSTOS_IDLE_ADMIN_USERNAME="+env.idle.username,
		"CUSTOS_IDLE_ADMIN_PASSWORD="+env.idle.password,
		"CUSTOS_IDLE_SITE_ID="+strconv.FormatInt(env.idle.site.ID, 10),
		"CUSTOS_IDLE_API_KEY="+env.idle.site.APIKey,
		"CUSTOS_IDLE_SECRET="+env.idle.site.SecretBase64(),
		"CUSTOS_IDLE_TIMEOUT_MS="+strconv.FormatInt(idleTimeout.Milliseconds(), 10),
		"CUSTOS_SOCIAL_API_KEY="+env.social.APIKey,
		"CUSTOS_SOCIAL_SECRET="+env.social.SecretBase64(),
		"CUSTOS_UPSTREAM_API_KEY="+env.upstream.APIKey,
		"CUSTOS_UPSTREAM_SECRET="+env.upstream.SecretBase64(),
		"MAIL_URL="+env.mailURL,
		"CHROMIUM="+chromium,
		"SCREENSHOT_DIR="+shots,
		"NO_COLOR=1",
	)
	if err := nodetest.Run(t, cmd); err != nil {
		if ctx.Err() != nil {
			t.Fatalf("node --test did not finish within %v: %v", nodeTimeout, err)
		}
		t.Fatalf("node --test %s: %v (its output is above)", strings.Join(files, " "), err)
	}
	t.Logf("screenshots are in %s", shots)
}

// testFiles are the *.test.mjs files to run: all, or those whose name
// contains CUSTOS_BROWSER_ONLY.
func testFiles(t *testing.T, dir string) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(dir, "*.test.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	only := os.Getenv("CUSTOS_BROWSER_ONLY")
	var files []string
	for _, f := range all {
		if name := filepath.Base(f); strings.Contains(name, only) {
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		t.Fatalf("no *.test.mjs in %s matches CUSTOS_BROWSER_ONLY=%q", dir, only)
	}
	return files
}

// environment is what the node tests are told.
type environment struct {
	custosURL, siteURL, mailURL string
	apiKey, secret              string
	// adminUsername and adminPassword are the first admin's, for
	// console.test.mjs (which enrolls its second factor).
	adminUsername, adminPassword string
	// screenSets is a second site for screensets.test.mjs, whose policies
	// and schema (required fields, email verification) would change what
	// the other files' flows answer.
	screenSets site.Site
	// social is the site of social.test.mjs, whose provider "custos-up" is
	// the OpenID Provider of the site upstream of the same custos.
	social, upstream site.Site
	// idle is a second custos whose admin sessions end after idleTimeout
	// without a request.
	idle idleCustos
}

// idleCustos is the second custos: its address, first admin and a site.
type idleCustos struct {
	url, username, password string
	site                    site.Site
}

// startIdle runs a second custos (its own database) whose admin sessions
// end after idleTimeout without a request, with its first admin and a site.
func startIdle(t *testing.T) idleCustos {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	a, err := app.New(app.Options{DB: storetest.Open(t, store.SQLite), MasterKey: bytes.Repeat([]byte{2}, 32),
		PublicURL: u, Password: apitest.CheapHashing, KeyGen: tokentest.KeyGen(),
		Admin: admin.Options{IdleTimeout: idleTimeout}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: a.Handler()}}
	srv.Start()
	t.Cleanup(srv.Close)
	st, err := a.Sites.Create(context.Background(), "Idle Shop", []string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	adm, pw, _, err := a.Admins.CreateFirst(context.Background(), "owner")
	if err != nil {
		t.Fatal(err)
	}
	return idleCustos{url: u, username: adm.Username, password: pw, site: st}
}

// start runs custos, the SMTP server and the site until the test ends.
func start(t *testing.T, dir string) environment {
	t.Helper()
	smtp := mailtest.NewServer(t)
	sender, err := custosmail.NewSMTP(smtp.URL(), "custos@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// custos's links in mail carry its own address: listen first.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	custosURL := "http://" + ln.Addr().String()
	a, err := app.New(app.Options{DB: storetest.Open(t, store.SQLite), MasterKey: bytes.Repeat([]byte{1}, 32),
		PublicURL: custosURL, Password: apitest.CheapHashing, KeyGen: tokentest.KeyGen(), Mail: sender,
		// social.test.mjs's providers are on 127.0.0.1, over plain http.
		SocialPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: a.Handler()}}
	srv.Start()
	t.Cleanup(srv.Close)
	apitest.RunWorker(t, a)

	// The site's pages are on localhost, the SDK's host is 127.0.0.1: two
	// origins, as a site and its identity server are.
	// *.shop.test: robustness.test.mjs maps it to 127.0.0.1 and checks that
	// glt_ goes on the site's base domain.
	st, err := a.Sites.Create(context.Background(), "Browser Test Shop", []string{"localhost", "*.shop.test"})
	if err != nil {
		t.Fatal(err)
	}
	ss, err := a.Sites.Create(context.Background(), "Screen-set Shop", []string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	// Its stored screen-sets' javascript runs (screensets.test.mjs tests the hooks).
	scripts := true
	if ss, err = a.Sites.Update(context.Background(), ss.ID, site.Changes{ScreenSetScripts: &scripts}); err != nil {
		t.Fatal(err)
	}
	// The first admin, as custos serve creates it on its first start.
	adm, adminPassword, _, err := a.Admins.CreateFirst(context.Background(), "owner")
	if err != nil {
		t.Fatal(err)
	}
	social, upstream := socialSites(t, a, custosURL)
	siteLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(siteLn.Addr().String())
	siteURL := "http://localhost:" + port
	// The social redirect flow ends at the page that starts it (the SDK's
	// default redirectURL): registered exactly, as a site must.
	if _, err := a.Social.SetRedirectURIs(context.Background(), social.ID, []string{siteURL + "/social.html"}); err != nil {
		t.Fatal(err)
	}
	site := &httptest.Server{Listener: siteLn, Config: &http.Server{Handler: siteHandler(filepath.Join(dir, "site"),
		strings.NewReplacer("{{CUSTOS_URL}}", custosURL, "{{API_KEY}}", st.APIKey,
			"{{SCREENSETS_API_KEY}}", ss.APIKey, "{{SOCIAL_API_KEY}}", social.APIKey), smtp)}}
	site.Start()
	t.Cleanup(site.Close)
	return environment{custosURL: custosURL, siteURL: siteURL, apiKey: st.APIKey, secret: st.SecretBase64(), screenSets: ss,
		adminUsername: adm.Username, adminPassword: adminPassword, idle: startIdle(t),
		social: social, upstream: upstream, mailURL: "http://" + siteLn.Addr().String() + "/_test/mail"}
}

// socialSites makes the sites of social.test.mjs: the Social Shop (its
// pages on localhost), and upstream, a site of the same custos whose OpenID
// Provider is the Social Shop's provider "custos-up" (a relying party whose
// redirect URI is custos's social callback). social.test.mjs adds the
// provider it starts itself (oidc-provider).
func socialSites(t *testing.T, a *app.App, custosURL string) (social, upstream site.Site) {
	t.Helper()
	ctx := context.Background()
	social, err := a.Sites.Create(ctx, "Social Shop", []string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	if upstream, err = a.Sites.Create(ctx, "Upstream", nil); err != nil {
		t.Fatal(err)
	}
	rp, err := a.OAuth.CreateClient(ctx, upstream.ID, oauth.Client{Name: "Social Shop",
		RedirectURIs: []string{custosURL + rpc.SocialCallbackPath}, ResponseTypes: []string{"code"},
		GrantTypes: []string{"authorization_code"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Social.SetProvider(ctx, social.ID, socialpkg.Provider{Name: "custos-up", Kind: socialpkg.OIDC,
		Issuer: custosURL + oidcop.Prefix + upstream.APIKey, ClientID: rp.ClientID, ClientSecret: rp.Secret,
		Scopes: []string{"openid", "email", "profile"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	return social, upstream
}

// siteHandler serves the test site: the files of dir, with {{CUSTOS_URL}}
// and {{API_KEY}} replaced in HTML (a page written for Gigya's SDK differs
// only in its script URL), and GET /_test/mail.
func siteHandler(dir string, vars *strings.Replacer, smtp *mailtest.Server) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_test/mail", func(w http.ResponseWriter, r *http.Request) {
		serveMail(w, r, smtp)
	})
	file := func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if name == "" {
			name = "index.html"
		}
		if strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\`) {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) > maxSiteFile {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		switch filepath.Ext(name) {
		case ".html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			b = []byte(vars.Replace(string(b)))
		case ".js", ".mjs":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		case ".css":
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
		}
		_, _ = w.Write(b)
	}
	// No icon: the browser's request for it would log a 404.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /{$}", file)
	mux.HandleFunc("GET /{file}", file)
	return mux
}

// mailJSON is a received message as GET /_test/mail answers it.
type mailJSON struct {
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html"`
	Links   []string `json:"links"`
	// Count is how many messages to the address have arrived in all.
	Count int `json:"count"`
}

// serveMail answers GET /_test/mail?to=<addr>[&n=<k>]: the last message to
// addr (with n, the k-th, counting from 1), waiting up to mailWait for it;
// 404 when it does not come.
func serveMail(w http.ResponseWriter, r *http.Request, smtp *mailtest.Server) {
	to := r.URL.Query().Get("to")
	if a, err := mail.ParseAddress(to); err == nil {
		to = a.Address
	}
	n := 1
	if v := r.URL.Query().Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			http.Error(w, "n: want a positive number", http.StatusBadRequest)
			return
		}
	}
	deadline := time.Now().Add(mailWait)
	for {
		var got []mailtest.Received
		for _, m := range smtp.Messages() {
			for _, rcpt := range m.To {
				if strings.EqualFold(rcpt, to) {
					got = append(got, m)
					break
				}
			}
		}
		if len(got) >= n {
			m := got[len(got)-1]
			if r.URL.Query().Has("n") {
				m = got[n-1]
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(mailJSON{Subject: m.Subject, Text: m.Text, HTML: m.HTML, Links: m.Links,
				Count: len(got)})
			return
		}
		if time.Now().After(deadline) || r.Context().Err() != nil {
			http.Error(w, "no mail to "+to+" within "+mailWait.String(), http.StatusNotFound)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
