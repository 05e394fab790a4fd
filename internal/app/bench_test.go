package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// The benchmarks drive the real router, middleware and adapters in process
// (no network) on each engine: PostgreSQL runs when CUSTOS_TEST_POSTGRES_URL
// names a server, as under scripts/with-postgres.sh. They build the App
// from app.Options alone, so that the same file runs on older commits and
// numbers compare commit against commit.

// benchApp is an App with one site and one registered account,
// bench@example.com, with the production argon2id parameters.
type benchApp struct {
	h    http.Handler
	site site.Site
}

const benchPassword = "bench-password-1"

func newBenchApp(b *testing.B, engine store.Engine) *benchApp {
	b.Helper()
	db := storetest.Open(b, engine)
	a, err := app.New(app.Options{DB: db, MasterKey: bytes.Repeat([]byte{1}, 32), Now: time.Now,
		PublicURL: "http://127.0.0.1:8080", Password: password.DefaultParams()})
	if err != nil {
		b.Fatal(err)
	}
	st, err := a.Sites.Create(context.Background(), "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	e := &benchApp{h: a.Handler(), site: st}
	e.post(b, "accounts.register", url.Values{"email": {"bench@example.com"}, "password": {benchPassword},
		"finalizeRegistration": {"true"}})
	return e
}

// post makes an RPC call from loopback and fails the benchmark unless it
// succeeds.
func (e *benchApp) post(b *testing.B, method string, form url.Values) map[string]any {
	form.Set("apiKey", e.site.APIKey)
	req := httptest.NewRequest("POST", "/"+method, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "127.0.0.1:40000"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	var m map[string]any
	json.Unmarshal(rec.Body.Bytes(), &m)
	if m["errorCode"] != 0.0 {
		b.Fatalf("%s: %s", method, rec.Body)
	}
	return m
}

func forEachBenchEngine(b *testing.B, bench func(b *testing.B, e *benchApp)) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) { bench(b, newBenchApp(b, engine)) })
	}
}

// A cheap call: parsing, the apiKey (cached), one indexed query, rendering,
// logging (discarded) and metrics.
func BenchmarkRPCIsAvailableLoginID(b *testing.B) {
	forEachBenchEngine(b, func(b *testing.B, e *benchApp) {
		target := "/accounts.isAvailableLoginID?apiKey=" + e.site.APIKey + "&loginID=bench@example.com"
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code)
			}
		}
	})
}

// The same lookup in the REST dialect, with Basic credentials (cached site,
// constant-time comparison).
func BenchmarkRESTFindBy(b *testing.B) {
	forEachBenchEngine(b, func(b *testing.B, e *benchApp) {
		id, secret := strconv.FormatInt(e.site.ID, 10), e.site.SecretBase64()
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest("GET", rest.Prefix+"/users/find_by?email_address=bench@example.com", nil)
			req.RemoteAddr = "127.0.0.1:40000" // credentials travel over HTTPS or loopback only
			req.SetBasicAuth(id, secret)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code)
			}
		}
	})
}

// Login costs the password hash (BenchmarkVerify of internal/password) and
// little else; a session check is one indexed lookup.
func BenchmarkRPCLogin(b *testing.B) {
	forEachBenchEngine(b, func(b *testing.B, e *benchApp) {
		login := url.Values{"loginID": {"bench@example.com"}, "password": {benchPassword}}
		b.Run("login", func(b *testing.B) {
			for b.Loop() {
				e.post(b, "accounts.login", login)
			}
		})
		token := e.post(b, "accounts.login", login)["sessionInfo"].(map[string]any)["cookieValue"].(string)
		b.Run("getAccountInfo-by-session", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.post(b, "accounts.getAccountInfo", url.Values{"login_token": {token}})
			}
		})
	})
}

// Registration costs the password hash and one transaction.
func BenchmarkRPCRegister(b *testing.B) {
	forEachBenchEngine(b, func(b *testing.B, e *benchApp) {
		var n atomic.Int64
		for b.Loop() {
			e.post(b, "accounts.register", url.Values{"email": {fmt.Sprintf("r%d@example.com", n.Add(1))},
				"password": {benchPassword}, "finalizeRegistration": {"true"}})
		}
	})
}

// The session check alone, as the Web SDK makes it: accounts.getAccountInfo
// with the login_token of a browser session and the default include
// (profile, data). The answer is checked, not decoded, so that the numbers
// are the server's.
func BenchmarkRPCSessionCheck(b *testing.B) {
	forEachBenchEngine(b, func(b *testing.B, e *benchApp) {
		token := e.fill(b)
		body := url.Values{"apiKey": {e.site.APIKey}, "login_token": {token}}.Encode()
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest("POST", "/accounts.getAccountInfo", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = "127.0.0.1:40000"
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if !bytes.Contains(rec.Body.Bytes(), []byte(`"errorCode":0,`)) {
				b.Fatal(rec.Body)
			}
		}
	})
}

// benchProfile and benchData are what a session check reads of an account
// beside its columns: a few fields, as a site keeps them.
const (
	benchProfile = `{"firstName":"Ada","lastName":"Lovelace","gender":"f","birthYear":1815,"city":"London","country":"GB","locale":"en"}`
	benchData    = `{"newsletter":true,"plan":"pro","visits":42,"tags":["a","b","c"]}`
)

// fill gives the bench account benchProfile and benchData and answers the
// login_token of a new browser session.
func (e *benchApp) fill(b *testing.B) string {
	login := url.Values{"loginID": {"bench@example.com"}, "password": {benchPassword}}
	res := e.post(b, "accounts.login", login)
	e.post(b, "accounts.setAccountInfo", url.Values{"secret": {e.site.SecretBase64()}, "UID": {res["UID"].(string)},
		"profile": {benchProfile}, "data": {benchData}})
	return res["sessionInfo"].(map[string]any)["cookieValue"].(string)
}

// The REST read of one user, GET /users/<id>, with Basic credentials.
func BenchmarkRESTShowUser(b *testing.B) {
	forEachBenchEngine(b, func(b *testing.B, e *benchApp) {
		e.fill(b)
		id, secret := strconv.FormatInt(e.site.ID, 10), e.site.SecretBase64()
		get := func(path string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", rest.Prefix+path, nil)
			req.RemoteAddr = "127.0.0.1:40000" // credentials travel over HTTPS or loopback only
			req.SetBasicAuth(id, secret)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code, rec.Body)
			}
			return rec
		}
		var found struct{ ID int64 }
		json.Unmarshal(get("/users/find_by?email_address=bench@example.com").Body.Bytes(), &found)
		path := "/users/" + strconv.FormatInt(found.ID, 10)
		b.ReportAllocs()
		for b.Loop() {
			get(path)
		}
	})
}
