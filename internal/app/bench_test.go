package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/server"
	"github.com/custos-id/custos/internal/store/storetest"

	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/store"
)

// The cost of a call through the real router, middleware and adapter, less
// the network: parsing, the apiKey (cached) or Basic credentials, one
// indexed query, rendering, logging (discarded) and metrics.
func BenchmarkRPCIsAvailableLoginID(b *testing.B) {
	e := newEnv(b, store.SQLite)
	h := e.app.Handler()
	url := "/accounts.isAvailableLoginID?apiKey=" + e.site.APIKey + "&loginID=ann@example.com"
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkRESTFindBy(b *testing.B) {
	e := newEnv(b, store.SQLite)
	h := e.app.Handler()
	id, secret := strconv.FormatInt(e.site.ID, 10), e.site.SecretBase64()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", rest.Prefix+"/users/find_by?username=ann", nil)
		req.RemoteAddr = "127.0.0.1:40000" // credentials travel over HTTPS or loopback only
		req.SetBasicAuth(id, secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// Login with the production argon2id parameters: the cost should be the
// hash (BenchmarkVerify of internal/password) and little else.
func BenchmarkRPCLogin(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	o := testOptions(db, server.DefaultConfig(), time.Now)
	o.Password = password.DefaultParams()
	a, err := app.New(o)
	if err != nil {
		b.Fatal(err)
	}
	st, err := a.Sites.Create(context.Background(), "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	h := a.Handler()
	post := func(method string, form url.Values) map[string]any {
		form.Set("apiKey", st.APIKey)
		req := httptest.NewRequest("POST", "/"+method, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var m map[string]any
		json.Unmarshal(rec.Body.Bytes(), &m)
		if m["errorCode"] != 0.0 {
			b.Fatalf("%s: %s", method, rec.Body)
		}
		return m
	}
	post("accounts.register", url.Values{"email": {"bench@example.com"}, "password": {"bench-password-1"}, "finalizeRegistration": {"true"}})
	b.Run("login", func(b *testing.B) {
		for b.Loop() {
			post("accounts.login", url.Values{"loginID": {"bench@example.com"}, "password": {"bench-password-1"}})
		}
	})
	token := post("accounts.login", url.Values{"loginID": {"bench@example.com"}, "password": {"bench-password-1"}})["sessionInfo"].(map[string]any)["cookieValue"].(string)
	b.Run("getAccountInfo-by-session", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			post("accounts.getAccountInfo", url.Values{"login_token": {token}})
		}
	})
}
