package app_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

func TestOps(t *testing.T) {
	t.Parallel()
	e := apitest.NewApp(t, store.SQLite)
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.Do(t, "GET", p, nil, nil); r.Status != 200 || r.JSON(t)["status"] != "ok" {
			t.Errorf("%s: %d %s", p, r.Status, r.Body)
		}
	}
	e.Do(t, "GET", "/accounts.isAvailableLoginID?apiKey=3_nope", nil, nil)
	r := e.Do(t, "GET", "/metrics", nil, nil)
	for _, want := range []string{
		`custos_requests_total{dialect="rpc",error_code="400093",method="accounts.isAvailableLoginID"} 1`,
		`custos_request_duration_seconds_bucket{dialect="rpc",error_code="400093",method="accounts.isAvailableLoginID",le="+Inf"} 1`,
		`custos_requests_total{dialect="ops",error_code="0",method="healthz"} 1`,
	} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// With the database gone, the process is up but not ready.
	e.DB.Close()
	if r := e.Do(t, "GET", "/healthz", nil, nil); r.Status != 200 {
		t.Errorf("healthz after close: %d", r.Status)
	}
	if r := e.Do(t, "GET", "/readyz", nil, nil); r.Status != 503 || r.JSON(t)["status"] != "database unavailable" {
		t.Errorf("readyz after close: %d %s", r.Status, r.Body)
	}
}

// The log of calls that carry secrets holds none of them: paths only, no
// query strings, no credentials.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var logs apitest.SyncBuffer
	e := apitest.NewApp(t, store.SQLite, apitest.WithRealTime(), apitest.WithServerDefaults(), apitest.WithSite("s"),
		apitest.WithOptions(func(o *app.Options) { o.Log = slog.New(slog.NewJSONHandler(&logs, nil)) }))
	st := e.Site
	secret := st.SecretBase64()
	e.Do(t, "GET", "/accounts.isAvailableLoginID?apiKey="+st.APIKey+"&loginID=x&secret="+url.QueryEscape(secret), nil, nil)
	e.Do(t, "POST", "/accounts.isAvailableLoginID", strings.NewReader("apiKey="+st.APIKey+"&secret="+url.QueryEscape(secret)),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	hdr := http.Header{}
	hdr.Set("Authorization", apitest.Basic(st.ID, secret))
	e.Do(t, "GET", rest.Prefix+"/users/find_by?username=x", nil, hdr)
	out := logs.String()
	if strings.Count(out, `"msg":"request"`) != 3 {
		t.Fatalf("expected 3 access log lines:\n%s", out)
	}
	for _, s := range []string{secret, url.QueryEscape(secret), hdr.Get("Authorization"), "loginID="} {
		if strings.Contains(out, s) {
			t.Fatalf("log holds %q:\n%s", s, out)
		}
	}
}

// custos does not start without a PublicURL origin: the hosted pages' CSP
// names their scripts by it, and the RPC dialect's own-origin exception
// compares pages with it.
func TestPublicURLNeedsAnOrigin(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	for _, u := range []string{"", "/custos", "example.com", "ftp://example.com", "http://", "https:///path", "http://:8080",
		"https://user@example.com", "https://example.com/?x=1", "https://example.com/#x"} {
		if _, err := app.New(app.Options{DB: db, MasterKey: bytes.Repeat([]byte{1}, 32), Now: time.Now, PublicURL: u}); err == nil {
			t.Errorf("PublicURL %q: custos starts", u)
		}
	}
	if _, err := app.New(app.Options{DB: db, MasterKey: bytes.Repeat([]byte{1}, 32), Now: time.Now, PublicURL: "https://id.example.com/custos/"}); err != nil {
		t.Errorf("a path-prefixed PublicURL: %v", err)
	}
}
