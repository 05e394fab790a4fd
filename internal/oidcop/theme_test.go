package oidcop_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/oauth"
)

// TestTheme: a site's stylesheet themes its hosted pages: linked after
// custos's, served from custos's origin as text/css, versioned by its
// content; without one the pages link custos's alone and theme.css is not
// found.
func TestTheme(t *testing.T) {
	forEachEngineHosted(t, func(t *testing.T, e *env) {
		c := e.newClient(t, false, nil)
		themeLink := regexp.MustCompile(`<link rel="stylesheet" href="(/oidc/op/v1\.0/[^/]+/theme\.css\?v=[0-9a-f]{16})">`)

		_, login, _ := e.start(t, c)
		r, _ := e.browser().page(t, login)
		if themeLink.Match(r.body) {
			t.Errorf("a theme linked without a stylesheet:\n%s", r.body)
		}
		wantJSONError(t, e.op(t, http.MethodGet, "theme.css", nil, nil), http.StatusNotFound, "invalid_request", errcode.NotFound)

		const css = ":root { --custos-accent: #6b2fb3; }\n"
		if _, err := e.OAuth.SetConfig(context.Background(), e.Site.ID, func(cfg *oauth.Config) error {
			cfg.Stylesheet = css
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		_, login, _ = e.start(t, c)
		r, _ = e.browser().page(t, login)
		m := themeLink.FindSubmatch(r.body)
		if m == nil || strings.Index(string(r.body), "pages.css") > strings.Index(string(r.body), "theme.css") {
			t.Fatalf("the theme is not linked after custos's stylesheet:\n%s", r.body)
		}
		sheet := e.do(t, http.MethodGet, strings.ReplaceAll(string(m[1]), "&amp;", "&"), nil, nil)
		if sheet.status != http.StatusOK || string(sheet.body) != css ||
			sheet.header.Get("Content-Type") != "text/css; charset=utf-8" || sheet.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("theme.css: %d %v %q", sheet.status, sheet.header, sheet.body)
		}

		// Bounded, and text.
		for _, bad := range []string{strings.Repeat("a", oauth.MaxStylesheetLen+1), "a\x00b", "\xff"} {
			_, err := e.OAuth.SetConfig(context.Background(), e.Site.ID, func(cfg *oauth.Config) error {
				cfg.Stylesheet = bad
				return nil
			})
			if ie, ok := err.(*oauth.InvalidError); !ok || ie.Attr != oauth.AttrStylesheet {
				t.Errorf("a stylesheet of %d bytes: %v", len(bad), err)
			}
		}
	})
}
