package oidcop

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/custos-id/custos/errcode"
)

// TestErrorPageKeepsCookies: the error page drops the headers of the
// answer it replaces but not its cookies. No request through the router
// fails after a cookie was set today, so the page is called directly.
func TestErrorPageKeepsCookies(t *testing.T) {
	w := httptest.NewRecorder()
	http.SetCookie(w, &http.Cookie{Name: "glt_k", Value: "st1_x"})
	w.Header().Set("Location", "https://rp.example/cb")
	(&Provider{}).errorPage(w, httptest.NewRequest(http.MethodGet, "/", nil), failure{code: errcode.Forbidden})
	h := w.Result().Header
	body := w.Body.String()
	if w.Code != http.StatusForbidden || len(h["Set-Cookie"]) != 1 || h.Get("Location") != "" ||
		h.Get("Content-Security-Policy") != errorPageCSP || !strings.Contains(body, "Error 403000: Forbidden") ||
		!strings.Contains(body, `href="`+StylesheetPath+"?v=") {
		t.Errorf("HTTP %d %v %s", w.Code, h, body)
	}
}
