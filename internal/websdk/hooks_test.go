package websdk_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/site"
)

// /js/screenset-hooks.js serves a stored screen-set's javascript as a
// script that hands it to the SDK, only when the site turned screen-set
// scripts on; otherwise a 404 JavaScript comment that repeats nothing of
// the request.
func TestScreenSetHooks(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		hooks := "{\n  onAfterScreenLoad: function (ev) { document.title = ev.currentScreen; }\n}"
		e.Call(t, "accounts.setScreenSet", e.Secret("screenSetID", "Acme-Login", "html", "<div></div>", "javascript", hooks))
		e.Call(t, "accounts.setScreenSet", e.Secret("screenSetID", "Plain", "html", "<div></div>"))
		get := func(query string) apitest.Response {
			return e.Do(t, "GET", "/js/screenset-hooks.js?"+query, nil, nil)
		}
		key := url.QueryEscape(e.Site.APIKey)
		for _, c := range []struct {
			name, query string
			status      int
			body        string
		}{
			{"scripts off", "apikey=" + key + "&screenSet=Acme-Login", 404, "/* custos: the site has not turned screen-set scripts on */\n"},
			{"no apikey", "screenSet=Acme-Login", 400, "/* custos: screenset-hooks.js needs apikey and screenSet */\n"},
			{"no set", "apikey=" + key, 400, "/* custos: screenset-hooks.js needs apikey and screenSet */\n"},
			{"a set id that is no id, not echoed", "apikey=" + key + "&screenSet=" + url.QueryEscape("*/alert(1)/*"), 400,
				"/* custos: screenSet is not a screen-set id */\n"},
			{"unknown site", "apikey=3_nosuch&screenSet=Acme-Login", 404, "/* custos: no site has this apikey */\n"},
		} {
			r := get(c.query)
			if r.Status != c.status || string(r.Body) != c.body || r.Header.Get("Content-Type") != "text/javascript; charset=utf-8" ||
				r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: %d %q %v", c.name, r.Status, r.Body, r.Header)
			}
		}
		on := true
		if _, err := e.App.Sites.Update(t.Context(), e.Site.ID, site.Changes{ScreenSetScripts: &on}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, query string
			status      int
			body        string
		}{
			{"scripts on", "apikey=" + key + "&screenSet=Acme-Login", 200,
				"gigya.__registerScreenSetHooks(\"Acme-Login\", (\n" + hooks + "\n));\n"},
			{"query keys in any case", "apiKey=" + key + "&SCREENSET=Acme-Login", 200,
				"gigya.__registerScreenSetHooks(\"Acme-Login\", (\n" + hooks + "\n));\n"},
			{"a set without javascript", "apikey=" + key + "&screenSet=Plain", 404,
				"/* custos: the site has no screen-set of this id with javascript */\n"},
			{"a built-in set has none", "apikey=" + key + "&screenSet=Default-RegistrationLogin", 404,
				"/* custos: the site has no screen-set of this id with javascript */\n"},
			{"an unknown set", "apikey=" + key + "&screenSet=Nope", 404,
				"/* custos: the site has no screen-set of this id with javascript */\n"},
		} {
			r := get(c.query)
			if r.Status != c.status || string(r.Body) != c.body || r.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
				t.Errorf("%s: %d %q %v", c.name, r.Status, r.Body, r.Header)
			}
			if c.status == 200 && (r.Header.Get("Cache-Control") != "public, max-age=60" || r.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin") {
				t.Errorf("%s: headers %v", c.name, r.Header)
			}
		}
		// Other methods are the RPC dialect's (an unknown method), never the script.
		if r := e.Do(t, "POST", "/js/screenset-hooks.js?apikey="+key+"&screenSet=Acme-Login", strings.NewReader(""), http.Header{}); strings.Contains(string(r.Body), "__registerScreenSetHooks") {
			t.Errorf("POST served the hooks: %d %s", r.Status, r.Body)
		}
	})
}
