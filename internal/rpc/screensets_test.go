package rpc_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/screenset"
)

func invalidValue(param, why string) string { return "Invalid parameter value: " + param + ": " + why }

// The screen-set methods: a server stores, replaces and deletes a site's
// sets; a client reads them with the apiKey, the built-in ones where the
// site stores none; every refusal is a catalog error naming the parameter,
// and a refused setScreenSets stores nothing.
func TestScreenSets(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		acme := e.Secret("screenSetID", "Acme-Login", "html", `<div class="gigya-screen-set" id="Acme-Login"></div>`,
			"css", ".gigya-screen{color:#222}", "javascript", "{onError: function (e) {}}",
			"translations", `{"default":{"CAPTION":"Log in"},"de":{"CAPTION":"Anmelden"},"pt_BR":{"CAPTION":"Entrar"}}`,
			"metadata", `{"version": 3, "desc": "ours"}`)
		acmeWant := map[string]any{"screenSetID": "Acme-Login", "html": `<div class="gigya-screen-set" id="Acme-Login"></div>`,
			"css": ".gigya-screen{color:#222}", "javascript": "{onError: function (e) {}}",
			"translations": map[string]any{"default": map[string]any{"CAPTION": "Log in"}, "de": map[string]any{"CAPTION": "Anmelden"},
				"pt-br": map[string]any{"CAPTION": "Entrar"}}}
		defaults := screenset.Defaults()
		builtin := defaults["Default-RegistrationLogin"]
		sets := func(want ...map[string]any) map[string]any {
			l := make([]any, len(want))
			for i, w := range want {
				l[i] = w
			}
			return map[string]any{"screenSets": l}
		}
		ids := func(want ...string) func(*testing.T, apitest.Response, map[string]any) {
			return func(t *testing.T, _ apitest.Response, m map[string]any) {
				var got []string
				for _, s := range m["screenSets"].([]any) {
					got = append(got, s.(map[string]any)["screenSetID"].(string))
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("screenSetIDs %v, want %v", got, want)
				}
			}
		}
		big := strings.Repeat("x", screenset.MaxHTML+1)
		many := make([]map[string]any, screenset.MaxPerChange+1)
		for i := range many {
			many[i] = map[string]any{"screenSetID": fmt.Sprint("S", i), "html": "<p></p>"}
		}
		manyJSON, _ := json.Marshal(many)
		run(t, e, []apitest.Scenario{
			{Name: "a built-in set, with the apiKey alone", Path: "/accounts.getScreenSets",
				Form:     apitest.Form("screenSetIDs", "Default-RegistrationLogin", "include", "screenSetID,html,"),
				WantBody: "", Want: sets(map[string]any{"screenSetID": "Default-RegistrationLogin", "html": builtin.HTML})},
			{Name: "every set: the built-in ones", Path: "/accounts.getScreenSets", Form: apitest.Form(),
				After: ids("Default-ProfileUpdate", "Default-RegistrationLogin")},
			{Name: "store one", Path: "/accounts.setScreenSet", Form: acme},
			{Name: "read it: all but metadata by default", Path: "/accounts.getScreenSets",
				Form: apitest.Form("screenSetIDs", "Acme-Login"), Want: sets(acmeWant),
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if s := m["screenSets"].([]any)[0].(map[string]any); s["metadata"] != nil {
						t.Errorf("metadata without include: %v", s["metadata"])
					}
				}},
			{Name: "metadata on request, translations of one language", Path: "/accounts.getScreenSets",
				Form: apitest.Form("screenSetIDs", `["Acme-Login"]`, "include", "metadata,translations", "lang", "de-AT"),
				Want: sets(map[string]any{"metadata": map[string]any{"version": 3, "desc": "ours"},
					"translations": map[string]any{"default": map[string]any{"CAPTION": "Log in"}, "de": map[string]any{"CAPTION": "Anmelden"}}})},
			{Name: "every set: stored and built-in, by id", Path: "/accounts.getScreenSets", Form: apitest.Form(),
				After: ids("Acme-Login", "Default-ProfileUpdate", "Default-RegistrationLogin")},
			{Name: "a stored set replaces the built-in one", Path: "/accounts.setScreenSet",
				Form: e.Secret("screenSetID", "Default-ProfileUpdate", "html", "<div>ours</div>")},
			{Name: "the site's own is answered", Path: "/accounts.getScreenSets",
				Form: apitest.Form("screenSetIDs", "Default-ProfileUpdate,Default-RegistrationLogin", "include", "screenSetID,html,css"),
				Want: sets(map[string]any{"screenSetID": "Default-ProfileUpdate", "html": "<div>ours</div>", "css": ""},
					map[string]any{"screenSetID": "Default-RegistrationLogin", "html": builtin.HTML, "css": builtin.CSS})},
			{Name: "delete it: the built-in one is back", Path: "/accounts.deleteScreenSet", Form: e.Secret("screenSetID", "Default-ProfileUpdate")},
			{Name: "the built-in one", Path: "/accounts.getScreenSets", Form: apitest.Form("screenSetIDs", "Default-ProfileUpdate", "include", "html"),
				Want: sets(map[string]any{"html": defaults["Default-ProfileUpdate"].HTML})},
			{Name: "setScreenSets writes several", Path: "/accounts.setScreenSets",
				Form: e.Secret("screenSets", `[{"screenSetID":"A-1","html":"<p>1</p>","translations":{"en":{"K":"v"}}},
					{"screenSetID":"A-2","html":"<p>2</p>","metadata":"{\"x\":1}"}]`)},
			{Name: "both are there", Path: "/accounts.getScreenSets", Form: apitest.Form("screenSetIDs", "A-2,A-1", "include", "screenSetID,translations,metadata"),
				Want: sets(map[string]any{"screenSetID": "A-2", "translations": map[string]any{}, "metadata": map[string]any{"x": 1}},
					map[string]any{"screenSetID": "A-1", "translations": map[string]any{"en": map[string]any{"K": "v"}}, "metadata": map[string]any{}})},
			{Name: "setScreenSets with one bad set", Path: "/accounts.setScreenSets",
				Form: e.Secret("screenSets", `[{"screenSetID":"A-1","html":"<p>changed</p>"},{"screenSetID":"A-3","html":""}]`),
				Code: 400002, Details: missing("screenSets[1].html")},
			{Name: "stores none of them", Path: "/accounts.getScreenSets", Form: apitest.Form("screenSetIDs", "A-1", "include", "html"),
				Want: sets(map[string]any{"html": "<p>1</p>"})},
			{Name: "and not the other", Path: "/accounts.getScreenSets", Form: apitest.Form("screenSetIDs", "A-3"),
				Code: 400006, Details: invalidValue("screenSetIDs", `the site has no screen-set "A-3"`)},

			// Who may call.
			{Name: "setScreenSet from a client", Path: "/accounts.setScreenSet", Form: apitest.Form("screenSetID", "X", "html", "<p></p>"),
				Code: 403007, Details: serverOnly("accounts.setScreenSet")},
			{Name: "setScreenSets from a client", Path: "/accounts.setScreenSets", Form: apitest.Form("screenSets", "[]"),
				Code: 403007, Details: serverOnly("accounts.setScreenSets")},
			{Name: "deleteScreenSet from a client", Path: "/accounts.deleteScreenSet", Form: apitest.Form("screenSetID", "A-1"),
				Code: 403007, Details: serverOnly("accounts.deleteScreenSet")},
			{Name: "getScreenSets without apiKey", Path: "/accounts.getScreenSets", Form: apitest.Form(), NoAPIKey: true,
				Code: 400092, Details: missing("apiKey")},
			{Name: "getScreenSets of an unknown apiKey", Path: "/accounts.getScreenSets", Form: apitest.Form("apiKey", "3_nosuchsite"),
				Code: 400093, Details: "Invalid ApiKey parameter"},

			// Refusals of getScreenSets.
			{Name: "unknown include", Path: "/accounts.getScreenSets", Form: apitest.Form("include", "html,designerHtml"),
				Code: 400006, Details: invalidValue("include", `unknown value "designerHtml"`)},
			{Name: "an id that is no id", Path: "/accounts.getScreenSets", Form: apitest.Form("screenSetIDs", "a b"),
				Code: 400006, Details: invalidValue("screenSetIDs", "want letters, digits, '-', '_' and '.' only")},
			{Name: "a broken array", Path: "/accounts.getScreenSets", Form: apitest.Form("screenSetIDs", `["a",`),
				Code: 400004, Details: "Invalid parameter format: screenSetIDs: malformed JSON"},

			// Refusals of setScreenSet, each field.
			{Name: "no id", Path: "/accounts.setScreenSet", Form: e.Secret("html", "<p></p>"),
				Code: 400002, Details: missing("screenSetID")},
			{Name: "no html", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "X"),
				Code: 400002, Details: missing("html")},
			{Name: "id too long", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", strings.Repeat("a", 101), "html", "<p></p>"),
				Code: 400006, Details: invalidValue("screenSetID", "longer than 100 characters")},
			{Name: "id starting with a dash", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "-x", "html", "<p></p>"),
				Code: 400006, Details: invalidValue("screenSetID", "want a letter or digit first")},
			{Name: "html too long", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "X", "html", big),
				Code: 400006, Details: invalidValue("html", "longer than 256 KiB")},
			{Name: "css with NUL", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "X", "html", "<p></p>", "css", "a\x00"),
				Code: 400004, Details: "Invalid parameter format: css: not valid UTF-8 text"},
			{Name: "javascript too long", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "X", "html", "<p></p>", "javascript", strings.Repeat("x", screenset.MaxJavaScript+1)),
				Code: 400006, Details: invalidValue("javascript", "longer than 64 KiB")},
			{Name: "translations not JSON", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "X", "html", "<p></p>", "translations", `{"en":`),
				Code: 400004, Details: "Invalid parameter format: translations: malformed JSON"},
			{Name: "translations of the wrong shape", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "X", "html", "<p></p>", "translations", `{"en":["a"]}`),
				Code: 400004, Details: `Invalid parameter format: translations: want {"<language>": {"<KEY>": "<text>"}}`},
			{Name: "translations of no language", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "X", "html", "<p></p>", "translations", `{"english!":{"K":"v"}}`),
				Code: 400006, Details: invalidValue("translations", `"english!" is not a language (want "default", "en", "pt-br" …)`)},
			{Name: "translations with a bad key", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "X", "html", "<p></p>", "translations", `{"en":{"a key":"v"}}`),
				Code: 400006, Details: invalidValue("translations", `en: "a key" is not a key (letters, digits, '-', '_', '.')`)},
			{Name: "metadata not an object", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "X", "html", "<p></p>", "metadata", `[1]`),
				Code: 400004, Details: "Invalid parameter format: metadata: want a JSON object"},
			{Name: "metadata too large", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "X", "html", "<p></p>", "metadata", `{"a":"`+strings.Repeat("x", screenset.MaxMetadata)+`"}`),
				Code: 400006, Details: invalidValue("metadata", "larger than 16 KiB")},

			// Refusals of setScreenSets and deleteScreenSet.
			{Name: "setScreenSets of nothing", Path: "/accounts.setScreenSets", Form: e.Secret(),
				Code: 400002, Details: missing("screenSets")},
			{Name: "setScreenSets of an empty array", Path: "/accounts.setScreenSets", Form: e.Secret("screenSets", "[]"),
				Code: 400002, Details: missing("screenSets")},
			{Name: "setScreenSets not an array", Path: "/accounts.setScreenSets", Form: e.Secret("screenSets", `{"a":1}`),
				Code: 400004, Details: "Invalid parameter format: screenSets: want a JSON array of screen-sets"},
			{Name: "setScreenSets of too many", Path: "/accounts.setScreenSets", Form: e.Secret("screenSets", string(manyJSON)),
				Code: 400006, Details: invalidValue("screenSets", "at most 20 screen-sets in one call")},
			{Name: "setScreenSets naming one twice", Path: "/accounts.setScreenSets",
				Form: e.Secret("screenSets", `[{"screenSetID":"D","html":"<p></p>"},{"screenSetID":"D","html":"<p></p>"}]`),
				Code: 400006, Details: invalidValue("screenSets", `screen-set "D" is given twice`)},
			{Name: "setScreenSets with an element that is no object", Path: "/accounts.setScreenSets", Form: e.Secret("screenSets", `[1]`),
				Code: 400004, Details: "Invalid parameter format: screenSets[0]: want an object of screenSetID, html, css, javascript, translations and metadata"},
			{Name: "deleteScreenSet of an unknown set", Path: "/accounts.deleteScreenSet", Form: e.Secret("screenSetID", "Nope"),
				Code: 400006, Details: invalidValue("screenSetID", `the site has no screen-set "Nope"`)},
			{Name: "deleteScreenSet of a built-in set", Path: "/accounts.deleteScreenSet", Form: e.Secret("screenSetID", "Default-RegistrationLogin"),
				Code: 400006, Details: invalidValue("screenSetID", "Default-RegistrationLogin is built in and the site stores none of it: there is nothing to delete")},
			{Name: "deleteScreenSet without an id", Path: "/accounts.deleteScreenSet", Form: e.Secret(),
				Code: 400002, Details: missing("screenSetID")},
		})
	}, apitest.WithServerDefaults()) // a 1 MiB body, for the sets past their limits
}

// A site holds at most screenset.MaxPerSite screen-sets.
func TestScreenSetsPerSite(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		for i := 0; i < screenset.MaxPerSite; i += screenset.MaxPerChange {
			var l []map[string]any
			for j := i; j < i+screenset.MaxPerChange; j++ {
				l = append(l, map[string]any{"screenSetID": fmt.Sprint("S", j), "html": "<p></p>"})
			}
			b, _ := json.Marshal(l)
			if m := e.Call(t, "accounts.setScreenSets", e.Secret("screenSets", string(b))); m["errorCode"] != 0.0 {
				t.Fatal(apitest.Dump(m))
			}
		}
		run(t, e, []apitest.Scenario{
			{Name: "one more", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "Last", "html", "<p></p>"),
				Code: 400006, Details: invalidValue("screenSetID", "a site holds at most 100 screen-sets: delete one first (accounts.deleteScreenSet)")},
			{Name: "replacing one is fine", Path: "/accounts.setScreenSet", Form: e.Secret("screenSetID", "S7", "html", "<p>7</p>")},
			// The limit is counted in the change's transaction, after its
			// writes: the batch replaces S1 and then crosses the limit, and
			// rolls back whole.
			{Name: "a batch past the limit after a write", Path: "/accounts.setScreenSets",
				Form: e.Secret("screenSets", `[{"screenSetID":"S1","html":"<p>changed</p>"},{"screenSetID":"New","html":"<p></p>"}]`),
				Code: 400006, Details: invalidValue("screenSets", "a site holds at most 100 screen-sets: delete one first (accounts.deleteScreenSet)")},
		})
		m := e.Call(t, "accounts.getScreenSets", apitest.Form("screenSetIDs", "S1", "include", "html"))
		if sets, _ := m["screenSets"].([]any); len(sets) != 1 || sets[0].(map[string]any)["html"] != "<p></p>" {
			t.Errorf("the refused batch changed S1: %s", apitest.Dump(m))
		}
		apitest.ExpectRPC(t, e.Call(t, "accounts.getScreenSets", apitest.Form("screenSetIDs", "New")), 400006,
			invalidValue("screenSetIDs", `the site has no screen-set "New"`))

		// Two writers at 99 sets, each adding one: exactly one gets the
		// last place, whatever the order (the site's row is locked).
		apitest.ExpectRPC(t, e.Call(t, "accounts.deleteScreenSet", e.Secret("screenSetID", "S0")), 0, "")
		codes := make(chan any, 2)
		var wg sync.WaitGroup
		for _, id := range []string{"A1", "A2"} {
			wg.Go(func() {
				codes <- e.Call(t, "accounts.setScreenSets", e.Secret("screenSets", `[{"screenSetID":"`+id+`","html":"<p></p>"}]`))["errorCode"]
			})
		}
		wg.Wait()
		close(codes)
		var got []any
		for c := range codes {
			got = append(got, c)
		}
		if !(got[0] == 0.0 && got[1] == 400006.0 || got[0] == 400006.0 && got[1] == 0.0) {
			t.Errorf("two writers for the last place: %v, want one 0 and one 400006", got)
		}
		if n, _, err := e.DB.ScreenSetUsage(t.Context(), e.Site.ID); err != nil || n != screenset.MaxPerSite {
			t.Errorf("after the two writers: %d sets, %v", n, err)
		}
	})
}

// A site's stored screen-sets hold at most screenset.MaxBytesPerSite in
// all (counted in the change's transaction), and one getScreenSets answer
// at most screenset.MaxAnswerBytes: a 100-byte request cannot fetch
// a site's every set of hundreds of KiB.
func TestScreenSetsSiteBytes(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		var tr strings.Builder
		tr.WriteString(`{"en":{`)
		for i := range 30 {
			if i > 0 {
				tr.WriteString(",")
			}
			fmt.Fprintf(&tr, `"K%d":"%s"`, i, strings.Repeat("t", 8000))
		}
		tr.WriteString(`}}`)
		big := func(id string) url.Values {
			return e.Secret("screenSetID", id, "html", "<p>"+strings.Repeat("h", 250<<10)+"</p>", "css", strings.Repeat("c", 120<<10),
				"javascript", "({})"+strings.Repeat(" ", 60<<10), "translations", tr.String())
		}
		var stored int64
		for i := 0; ; i++ {
			m := e.Call(t, "accounts.setScreenSet", big(fmt.Sprint("B", i)))
			if m["errorCode"] == 0.0 {
				_, stored, _ = e.DB.ScreenSetUsage(t.Context(), e.Site.ID)
				continue
			}
			apitest.ExpectRPC(t, m, 400006, invalidValue("screenSetID",
				"a site's screen-sets hold at most 8 MiB in all: make them smaller or delete one first (accounts.deleteScreenSet)"))
			if stored > screenset.MaxBytesPerSite || stored < screenset.MaxBytesPerSite-(1<<20) || i > 20 {
				t.Errorf("refused at set %d with %d bytes stored", i, stored)
			}
			if _, after, _ := e.DB.ScreenSetUsage(t.Context(), e.Site.ID); after != stored {
				t.Errorf("the refused set was stored: %d bytes, was %d", after, stored)
			}
			break
		}
		// Replacing a set by a smaller one is fine.
		apitest.ExpectRPC(t, e.Call(t, "accounts.setScreenSet", e.Secret("screenSetID", "B0", "html", "<p></p>")), 0, "")
		run(t, e, []apitest.Scenario{
			{Name: "every set in one answer", Path: "/accounts.getScreenSets", Form: apitest.Form(),
				Code: 400006, Details: invalidValue("screenSetIDs", "the screen-sets asked for hold more than 2 MiB: name fewer")},
			{Name: "a few by id", Path: "/accounts.getScreenSets", Form: apitest.Form("screenSetIDs", "B0,B1,Default-RegistrationLogin")},
		})
	}, apitest.WithServerDefaults()) // a 1 MiB body: one large set per call
}

// What the Web SDK needs of the server (issue 13, item 3): its logins
// (targetEnv=jssdk) answer sessionInfo.login_token and expires_in; it
// sends the token back as login_token with authMode=cookie; its include
// ends in a comma; its pages are on a site domain, whose origin CORS
// echoes with credentials; getAccountInfo takes the regToken of a pending
// registration; accounts.session.verify checks the session.
func TestWebSDKCalls(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		if _, err := e.App.Sites.SetDomains(t.Context(), e.Site.ID, []string{"shop.example.com"}, false); err != nil {
			t.Fatal(err)
		}
		page := http.Header{"Origin": {"https://shop.example.com"}}
		sdk := func(kv ...string) url.Values {
			return apitest.Form(append([]string{"targetEnv", "jssdk", "sdk", "js_custos", "sdkBuild", "1", "format", "json",
				"pageURL", "https://shop.example.com/login"}, kv...)...)
		}
		tokenOf := func(t *testing.T, m map[string]any) string {
			si := apitest.Object(t, m, "sessionInfo")
			tok, _ := si["login_token"].(string)
			// Gigya answers expires_in as a string of seconds ("0": a browser session).
			if exp, ok := si["expires_in"].(string); tok == "" || !ok || exp == "" {
				t.Errorf("sessionInfo %s: want login_token and expires_in", apitest.Dump(si))
			}
			return tok
		}
		cors := func(t *testing.T, r apitest.Response, origin string) {
			if r.Header.Get("Access-Control-Allow-Origin") != origin || r.Header.Get("Access-Control-Allow-Credentials") != "true" {
				t.Errorf("CORS %q %q, want %q with credentials", r.Header.Get("Access-Control-Allow-Origin"),
					r.Header.Get("Access-Control-Allow-Credentials"), origin)
			}
		}
		var token string
		t.Run("register answers login_token", func(t *testing.T) {
			r, m := e.RPC(t, "accounts.register", sdk("email", "web@example.com", "password", "pass-word-1",
				"finalizeRegistration", "true", "include", "profile,data,"), page)
			apitest.ExpectRPC(t, m, 0, "")
			tokenOf(t, m)
			cors(t, r, "https://shop.example.com")
			apitest.Object(t, m, "profile")
			apitest.Object(t, m, "data")
		})
		t.Run("login answers login_token", func(t *testing.T) {
			r, m := e.RPC(t, "accounts.login", sdk("loginID", "web@example.com", "password", "pass-word-1", "include", "profile,data,emails,"), page)
			apitest.ExpectRPC(t, m, 0, "")
			token = tokenOf(t, m)
			cors(t, r, "https://shop.example.com")
		})
		t.Run("login_token with authMode=cookie", func(t *testing.T) {
			r, m := e.RPC(t, "accounts.getAccountInfo", sdk("login_token", token, "authMode", "cookie", "include", "profile,data,"), page)
			apitest.ExpectRPC(t, m, 0, "")
			apitest.ExpectFields(t, m, map[string]any{"isRegistered": true})
			apitest.ExpectAbsent(t, m, "ignoredParams")
			cors(t, r, "https://shop.example.com")
			if m["UIDSignature"] == nil {
				t.Error("a session's getAccountInfo lacks UIDSignature")
			}
		})
		t.Run("session.verify", func(t *testing.T) {
			_, m := e.RPC(t, "accounts.session.verify", sdk("login_token", token, "authMode", "cookie"), page)
			apitest.ExpectRPC(t, m, 0, "")
			_, m = e.RPC(t, "accounts.session.verify", sdk("login_token", "st1_nosuchtoken", "authMode", "cookie"), page)
			apitest.ExpectRPC(t, m, 403001, badToken)
			apitest.ExpectRPC(t, e.Call(t, "accounts.session.verify", e.Secret("UID", "nobody")), 403005, noUID("nobody"))
			_, m = e.RPC(t, "accounts.session.verify", sdk(), page)
			apitest.ExpectRPC(t, m, 403012, "No valid session: log in first (the session cookie counts on POST only), or make a server call with the secret and UID")
			uid := e.Call(t, "accounts.getAccountInfo", apitest.Form("login_token", token))["UID"].(string)
			apitest.ExpectRPC(t, e.Call(t, "accounts.session.verify", e.Secret("UID", uid)), 0, "")
		})
		t.Run("an unknown apiKey is readable by the page", func(t *testing.T) {
			r, m := e.RPC(t, "accounts.login", sdk("apiKey", "3_nosuchsite", "loginID", "a@example.com", "password", "x"), page)
			apitest.ExpectRPC(t, m, 400093, "Invalid ApiKey parameter")
			cors(t, r, "https://shop.example.com")
		})
		t.Run("a page outside the domains is not let read", func(t *testing.T) {
			r, m := e.RPC(t, "accounts.login", sdk("loginID", "web@example.com", "password", "pass-word-1"),
				http.Header{"Origin": {"https://evil.example.net"}})
			apitest.ExpectRPC(t, m, 400120, `Invalid site domain: "evil.example.net" is not a domain of the site`)
			if r.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("CORS granted to another origin: %v", r.Header)
			}
		})
		t.Run("preflight", func(t *testing.T) {
			r := e.Do(t, "OPTIONS", "/accounts.getJWT?apiKey="+url.QueryEscape(e.Site.APIKey), nil, http.Header{
				"Origin": {"https://shop.example.com"}, "Access-Control-Request-Method": {"POST"},
				"Access-Control-Request-Headers": {"content-type"}})
			if r.Status != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Methods") != "GET, POST" {
				t.Errorf("preflight: %d %v", r.Status, r.Header)
			}
			cors(t, r, "https://shop.example.com")
		})
		t.Run("finalizeRegistration answers login_token", func(t *testing.T) {
			_, m := e.RPC(t, "accounts.initRegistration", sdk(), page)
			reg, _ := m["regToken"].(string)
			_, m = e.RPC(t, "accounts.register", sdk("regToken", reg, "email", "fin@example.com", "password", "pass-word-1"), page)
			apitest.ExpectRPC(t, m, 0, "")
			apitest.ExpectAbsent(t, m, "sessionInfo")
			reg, _ = m["regToken"].(string)
			_, m = e.RPC(t, "accounts.finalizeRegistration", sdk("regToken", reg, "include", "profile,"), page)
			apitest.ExpectRPC(t, m, 0, "")
			tokenOf(t, m)
		})
	})
}

// getAccountInfo with the regToken of a pending registration reads the
// account it continues, as the complete-registration screen does.
func TestAccountInfoWithRegToken(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetSchema(t, "profileSchema", `{"fields":{"firstName":{"required":true}}}`)
		run(t, e, []apitest.Scenario{
			{Name: "register without the required field", Path: "/accounts.register",
				Form: apitest.Form("email", "pend@example.com", "password", "pass-word-1", "profile", `{"lastName":"P"}`, "finalizeRegistration", "true"),
				Code: 206001, Details: "Missing required fields for registration: profile.firstName", Save: map[string]string{"regToken": "regToken", "uid": "UID"}},
			{Name: "getAccountInfo with the regToken", Path: "/accounts.getAccountInfo",
				Form: apitest.Form("regToken", "{regToken}", "include", "profile,missing-required-fields,"),
				Want: map[string]any{"isRegistered": false, "profile": map[string]any{"email": "pend@example.com", "lastName": "P"},
					"missingRequiredFields": []any{"profile.firstName"}},
				Absent: []string{"UIDSignature", "signatureTimestamp", "sessionInfo"},
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if m["UID"] != e.Vars["uid"] {
						t.Errorf("UID %v, want %v", m["UID"], e.Vars["uid"])
					}
				}},
			{Name: "an unknown regToken", Path: "/accounts.getAccountInfo", Form: apitest.Form("regToken", "nosuchtoken"),
				Code: 400006, Details: "Invalid parameter value: regToken: unknown or already used", Absent: []string{"UID"}},
			{Name: "complete it", Path: "/accounts.setAccountInfo", Form: apitest.Form("regToken", "{regToken}", "profile", `{"firstName":"Pen"}`)},
			{Name: "finalize", Path: "/accounts.finalizeRegistration", Form: apitest.Form("regToken", "{regToken}")},
			{Name: "a finalized registration's regToken reads nothing", Path: "/accounts.getAccountInfo", Form: apitest.Form("regToken", "{regToken}"),
				Code: 400006, Details: "Invalid parameter value: regToken: unknown or already used", Absent: []string{"UID"}},
		})
	})
}

// The codes the Web SDK's interruption screens meet, through HTTP: a
// regToken of a registration pending verification (206002), one of
// initRegistration that no registration uses yet (400006), one of a due
// password change (403100), and accounts.session.verify's outcomes.
func TestRegTokenAndVerifyCodes(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		e.SetPolicies(t, "accountOptions", `{"verifyEmail":true}`)
		e.SetSchema(t, "profileSchema", `{"fields":{"firstName":{"required":true}}}`)
		pendingVerification := "Account Pending Verification: follow the link sent to ver@example.com"
		notVerified := "Account Pending Verification: the email address is not verified"
		passwordDue := "Pending password change: change it with accounts.setAccountInfo (regToken, password, newPassword), then log in"
		run(t, e, []apitest.Scenario{
			{Name: "initRegistration", Path: "/accounts.initRegistration", Form: apitest.Form(), Save: map[string]string{"init": "regToken"}},
			{Name: "getAccountInfo with an unused initRegistration token", Path: "/accounts.getAccountInfo", Form: apitest.Form("regToken", "{init}"),
				Code: 400006, Details: "Invalid parameter value: regToken: no registration uses it yet: call accounts.register with it", Absent: []string{"UID"}},
			{Name: "register, pending verification", Path: "/accounts.register",
				Form: apitest.Form("email", "ver@example.com", "password", "pass-word-1", "profile", `{"firstName":"V"}`, "finalizeRegistration", "true"),
				Code: 206002, Details: pendingVerification, Save: map[string]string{"vtok": "regToken", "vuid": "UID"}},
			{Name: "getAccountInfo with its regToken", Path: "/accounts.getAccountInfo", Form: apitest.Form("regToken", "{vtok}"),
				Code: 206002, Details: notVerified, Absent: []string{"profile"}},
			{Name: "session.verify of it (server)", Path: "/accounts.session.verify", Form: e.Secret("UID", "{vuid}"),
				Code: 206002, Details: notVerified},
			{Name: "register without the required field", Path: "/accounts.register",
				Form: apitest.Form("email", "miss@example.com", "password", "pass-word-1", "finalizeRegistration", "true"),
				Code: 206001, Details: "Missing required fields for registration: profile.firstName", Save: map[string]string{"muid": "UID"}},
			{Name: "session.verify of a pending registration (server)", Path: "/accounts.session.verify", Form: e.Secret("UID", "{muid}"),
				Code: 206001, Details: "Missing required fields for registration: profile.firstName"},
		})
		e.SetPolicies(t, "accountOptions", `{"verifyEmail":false}`)
		run(t, e, []apitest.Scenario{
			{Name: "register", Path: "/accounts.register",
				Form: apitest.Form("email", "pw@example.com", "password", "pass-word-1", "profile", `{"firstName":"P"}`, "finalizeRegistration", "true"),
				Save: map[string]string{"puid": "UID"}},
		})
		e.Vars["ptok"] = login(t, e, "pw@example.com", "pass-word-1")
		run(t, e, []apitest.Scenario{
			{Name: "session.verify of the session", Path: "/accounts.session.verify", Form: apitest.Form("login_token", "{ptok}")},
			{Name: "session.verify of the account (server)", Path: "/accounts.session.verify", Form: e.Secret("UID", "{puid}")},
			{Name: "session.verify of an unknown token", Path: "/accounts.session.verify", Form: apitest.Form("login_token", "st1_nope"),
				Code: 403001, Details: "Invalid session token"},
			{Name: "session.verify without a session", Path: "/accounts.session.verify", Form: apitest.Form(), Code: 403012, Details: noSession},
			{Name: "require a password change", Path: "/accounts.setAccountInfo", Form: e.Secret("UID", "{puid}", "requirePasswordChange", "true")},
			{Name: "login", Path: "/accounts.login", Form: apitest.Form("loginID", "pw@example.com", "password", "pass-word-1"),
				Code: 403100, Details: passwordDue, Save: map[string]string{"pctok": "regToken"}},
			{Name: "getAccountInfo with the password change's regToken", Path: "/accounts.getAccountInfo", Form: apitest.Form("regToken", "{pctok}"),
				// It changes the password only: it reads nothing (docs/rpc.md).
				Code: 400006, Details: "Invalid parameter value: regToken: unknown or already used", Absent: []string{"UID", "profile"}},
			{Name: "deactivate", Path: "/accounts.setAccountInfo", Form: e.Secret("UID", "{puid}", "isActive", "false")},
			{Name: "session.verify of a disabled account (server)", Path: "/accounts.session.verify", Form: e.Secret("UID", "{puid}"),
				Code: 403041, Details: "Account is disabled"},
		})
	})
}
