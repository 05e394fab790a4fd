package app_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

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
		req.SetBasicAuth(id, secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
