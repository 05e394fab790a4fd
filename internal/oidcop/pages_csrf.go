package oidcop

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
)

// The hosted pages' CSRF defence has three layers:
//
//   - http.CrossOriginProtection refuses a POST the browser says came from
//     another origin (Sec-Fetch-Site, else Origin against Host);
//   - a per-browser random cookie (HttpOnly, SameSite=Lax, __Host- over
//     HTTPS), which another site can neither read nor set;
//   - a per-form token, the HMAC-SHA256 under a server key (derived from
//     the master key by the provider) of the page, the site, the
//     authorization request and that cookie, checked in constant time.
//
// A token bound to the request alone would not stop login CSRF: whoever
// starts an authorization request can read its login form and its token.
// Bound to the cookie as well, a token is good only in the browser it was
// shown to; bound to the request and the page, it is good for one form.
// The MAC needs no server state, so any instance of custos checks it.

// csrfCookieName is the name of the cookie under HTTPS (the __Host- prefix
// makes the browser refuse it from a sibling domain or over plain HTTP) and
// without.
func csrfCookieName(secure bool) string {
	if secure {
		return "__Host-custos-csrf"
	}
	return "custos-csrf"
}

// csrfField is the form field of the token.
const csrfField = "csrf"

// csrfBinding is what a form's token is bound to, besides the cookie.
type csrfBinding struct {
	Purpose string // "login" or "consent": a token of one page is no good for the other
	APIKey  string
	Request string // the authorization request's ID
}

// csrfCookieValue returns the browser's CSRF cookie, or a new one to set
// (set true). A cookie not of the form this server makes is replaced.
func csrfCookieValue(r *http.Request, secure bool) (value string, set bool) {
	if c, err := r.Cookie(csrfCookieName(secure)); err == nil && wellFormed(c.Value) {
		return c.Value, false
	}
	return rand.Text(), true
}

// wellFormed tells whether v can be a cookie of rand.Text: 26 characters
// of base32.
func wellFormed(v string) bool {
	if len(v) != 26 {
		return false
	}
	for _, c := range v {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

func csrfCookie(value string, secure bool) *http.Cookie {
	// Lax: the cookie comes along when the relying party sends the browser
	// here (a cross-site top-level GET), so that a browser keeps one cookie
	// across tabs; it never comes with another site's POST.
	return &http.Cookie{Name: csrfCookieName(secure), Value: value, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode}
}

// csrfToken is the token of the form b shown to the browser of cookie.
func csrfToken(key []byte, b csrfBinding, cookie string) string {
	return base64.RawURLEncoding.EncodeToString(csrfMAC(key, b, cookie))
}

func csrfMAC(key []byte, b csrfBinding, cookie string) []byte {
	m := hmac.New(sha256.New, key)
	// Each part is length-prefixed, so no two bindings have one message.
	for _, part := range []string{"custos oidc page csrf v1", b.Purpose, b.APIKey, b.Request, cookie} {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(part))))
		m.Write([]byte(part))
	}
	return m.Sum(nil)
}

// csrfValid checks the token a form posted against the browser's cookie,
// in constant time. No key, no cookie or no token: invalid.
func csrfValid(r *http.Request, key []byte, b csrfBinding, secure bool) bool {
	c, err := r.Cookie(csrfCookieName(secure))
	if len(key) == 0 || err != nil || !wellFormed(c.Value) {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(r.PostFormValue(csrfField))
	if err != nil {
		return false
	}
	return hmac.Equal(got, csrfMAC(key, b, c.Value))
}
