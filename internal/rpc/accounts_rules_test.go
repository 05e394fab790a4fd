package rpc_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/store"
)

// Rules a careful reviewer asked for, beyond the error codes.
func TestAccountRules(t *testing.T) {
	t.Parallel()
	e := apitest.NewApp(t, store.SQLite)
	secret := e.Site.SecretBase64()
	// A pending registration is not a login: no UID signature to show a server.
	pending := e.Call(t, "accounts.register", url.Values{"email": {"rules@example.com"}, "password": {"rules-password-1"}})
	if pending["regToken"] == nil || pending["UIDSignature"] != nil || pending["unverifiedEmails"] != nil {
		t.Fatalf("pending registration: %v", pending)
	}
	done := e.Call(t, "accounts.finalizeRegistration", url.Values{"regToken": {pending["regToken"].(string)}})
	if done["errorCode"] != 0.0 || done["UIDSignature"] == nil {
		t.Fatalf("finalized: %v", done)
	}
	uid := done["UID"].(string)

	// The only login ID cannot go; nothing changes.
	m := e.Call(t, "accounts.setAccountInfo", url.Values{"UID": {uid}, "secret": {secret}, "removeLoginEmails": {"rules@example.com"}})
	if m["errorCode"] != 400006.0 || m["errorDetails"] != "Invalid parameter value: removeLoginEmails: the account would have no login ID left" {
		t.Fatalf("removing the last login ID: %v", m)
	}
	// With a second email, the primary one gives way to it.
	for _, form := range []url.Values{
		{"UID": {uid}, "secret": {secret}, "addLoginEmails": {"second@example.com"}},
		{"UID": {uid}, "secret": {secret}, "removeLoginEmails": {"rules@example.com"}},
	} {
		if m := e.Call(t, "accounts.setAccountInfo", form); m["errorCode"] != 0.0 {
			t.Fatalf("setAccountInfo %v: %v", form, m)
		}
	}
	info := e.Call(t, "accounts.getAccountInfo", url.Values{"UID": {uid}, "secret": {secret}})
	if p := info["profile"].(map[string]any); p["email"] != "second@example.com" {
		t.Fatalf("profile.email after removing the primary email: %v", p)
	}

	// A deactivated account gets no JWT.
	e.Call(t, "accounts.setAccountInfo", url.Values{"UID": {uid}, "secret": {secret}, "isActive": {"false"}})
	if m := e.Call(t, "accounts.getJWT", url.Values{"targetUID": {uid}, "secret": {secret}}); m["errorCode"] != 403041.0 {
		t.Fatalf("getJWT of a deactivated account: %v", m)
	}

	// A session without expiry keeps its cookie past the browser's life.
	form := url.Values{"apiKey": {e.Site.APIKey}, "email": {"forever@example.com"}, "password": {"rules-password-1"},
		"finalizeRegistration": {"true"}, "sessionExpiration": {"-2"}}
	r := e.Do(t, "POST", "/accounts.register", strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	res := http.Response{Header: r.Header}
	cookies := res.Cookies()
	if len(cookies) != 1 || cookies[0].Expires.Before(apitest.Now.AddDate(9, 0, 0)) || !cookies[0].HttpOnly {
		t.Fatalf("cookie of a session without expiry: %+v", cookies)
	}
}

// The session cookie counts on POST only: a link on another site (a GET
// the browser sends with the cookie) cannot act for the user.
func TestSessionCookieOnPostOnly(t *testing.T) {
	t.Parallel()
	e := apitest.NewApp(t, store.SQLite)
	reg := e.Call(t, "accounts.register", url.Values{"email": {"csrf@example.com"}, "password": {"csrf-password-1"},
		"finalizeRegistration": {"true"}})
	token, _ := reg["sessionInfo"].(map[string]any)["cookieValue"].(string)
	cookie := http.Header{"Cookie": {"glt_" + e.Site.APIKey + "=" + token}}
	r := e.Do(t, "GET", "/accounts.setAccountInfo?apiKey="+e.Site.APIKey+"&addLoginEmails=attacker@example.com", nil, cookie)
	if m := r.JSON(t); m["errorCode"] != 403012.0 {
		t.Fatalf("GET with the cookie: %v", m)
	}
	form := url.Values{"apiKey": {e.Site.APIKey}, "include": {"loginIDs"}}
	hdr := http.Header{"Cookie": cookie["Cookie"], "Content-Type": {"application/x-www-form-urlencoded"}}
	m := e.Do(t, "POST", "/accounts.getAccountInfo", strings.NewReader(form.Encode()), hdr).JSON(t)
	if m["errorCode"] != 0.0 || strings.Contains(fmt.Sprint(m["loginIDs"]), "attacker") {
		t.Fatalf("POST with the cookie: %v", m)
	}
}
