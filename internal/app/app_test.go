package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

func TestOps(t *testing.T) {
	t.Parallel()
	e := newEnv(t, store.SQLite)
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.do(t, "GET", p, nil, nil); r.status != 200 || r.json(t)["status"] != "ok" {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	e.do(t, "GET", "/accounts.isAvailableLoginID?apiKey=3_nope", nil, nil)
	r := e.do(t, "GET", "/metrics", nil, nil)
	for _, want := range []string{
		`custos_requests_total{dialect="rpc",error_code="400093",method="accounts.isAvailableLoginID"} 1`,
		`custos_request_duration_seconds_bucket{dialect="rpc",error_code="400093",method="accounts.isAvailableLoginID",le="+Inf"} 1`,
		`custos_requests_total{dialect="ops",error_code="0",method="healthz"} 1`,
	} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// With the database gone, the process is up but not ready.
	e.db.Close()
	if r := e.do(t, "GET", "/healthz", nil, nil); r.status != 200 {
		t.Errorf("healthz after close: %d", r.status)
	}
	if r := e.do(t, "GET", "/readyz", nil, nil); r.status != 503 || r.json(t)["status"] != "database unavailable" {
		t.Errorf("readyz after close: %d %s", r.status, r.body)
	}
}

// The log of calls that carry secrets holds none of them: paths only, no
// query strings, no credentials.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	db := storetest.Open(t, store.SQLite)
	o := testOptions(db, server.DefaultConfig(), time.Now)
	o.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	a, err := app.New(o)
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Sites.Create(context.Background(), "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	e := &env{srv: srv, app: a, db: db, site: st}
	secret := st.SecretBase64()
	e.do(t, "GET", "/accounts.isAvailableLoginID?apiKey="+st.APIKey+"&loginID=x&secret="+url.QueryEscape(secret), nil, nil)
	e.do(t, "POST", "/accounts.isAvailableLoginID", strings.NewReader("apiKey="+st.APIKey+"&secret="+url.QueryEscape(secret)),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	hdr := http.Header{}
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(strconv.FormatInt(st.ID, 10), secret)
	hdr.Set("Authorization", req.Header.Get("Authorization"))
	e.do(t, "GET", rest.Prefix+"/users/find_by?username=x", nil, hdr)
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
