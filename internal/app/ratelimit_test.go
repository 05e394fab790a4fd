package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
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

// Each client address gets RateLimit requests a second per site, in bursts
// of RateBurst; past it 403048 with Retry-After, in both dialects.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	o := testOptions(db, server.DefaultConfig(), func() time.Time { return now })
	o.RateLimit, o.RateBurst = 1, 2
	o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	a, err := app.New(o)
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Sites.Create(context.Background(), "limited", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	e := &env{srv: srv, app: a, db: db, site: st, header: http.Header{"X-Forwarded-Proto": {"https"}}}
	rpc := func(client string) response {
		form := url.Values{"apiKey": {st.APIKey}, "loginID": {"x@example.com"}}
		return e.do(t, "POST", "/accounts.isAvailableLoginID", strings.NewReader(form.Encode()),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Forwarded-For": {client}})
	}
	for i := range 2 {
		if m := rpc("198.51.100.1").json(t); m["errorCode"] != 0.0 {
			t.Fatalf("request %d of the burst: %v", i, m)
		}
	}
	r := rpc("198.51.100.1")
	m := r.json(t)
	if m["errorCode"] != 403048.0 || m["statusCode"] != 403.0 || m["errorMessage"] != "API Rate Limit Exceeded" ||
		r.header.Get("Retry-After") != "1" {
		t.Fatalf("over the rate: %v, Retry-After %q", m, r.header.Get("Retry-After"))
	}
	if m := rpc("198.51.100.2").json(t); m["errorCode"] != 0.0 {
		t.Fatalf("another address was limited: %v", m)
	}

	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(strconv.FormatInt(st.ID, 10), st.SecretBase64())
	hdr := http.Header{"Authorization": {req.Header.Get("Authorization")}, "X-Forwarded-For": {"198.51.100.3"}}
	var last response
	for range 3 {
		last = e.do(t, "GET", rest.Prefix+"/users/find_by?username=nobody", nil, hdr)
	}
	if last.status != 403 || last.json(t)["error"] != "forbidden" || last.header.Get("Retry-After") != "1" {
		t.Fatalf("REST over the rate: %d %s %v", last.status, last.body, last.header)
	}
}
