package oidcop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/oauth"
)

// The provider's own cookies: the SSO cookie, which holds the browser's
// custos session for the provider, and one binding cookie per
// authorization request, which ties the request to the browser that
// started it. Both are HttpOnly and SameSite=Lax: they must come along
// when a relying party or the site's proxy page (another site) sends the
// browser here by a top-level GET, and never with another site's POST.
//
// Over HTTPS their names take the __Host- prefix, so that no sibling
// domain can set or overwrite them (a tossed SSO cookie would log the
// user into another account). The prefix demands Path=/; over plain HTTP
// (development only) the cookies are limited to the site's issuer path.

// cookieName is name with the __Host- prefix over HTTPS.
func cookieName(name string, secure bool) string {
	if secure {
		return "__Host-" + name
	}
	return name
}

// cookie is one of the provider's cookies for the site of apiKey.
func (p *Provider) cookie(r *http.Request, apiKey, name, value string) *http.Cookie {
	secure := callctx.From(r.Context()).Secure
	path := "/"
	if !secure {
		if u, err := url.Parse(p.issuer(apiKey)); err == nil && u.Path != "" {
			path = u.Path
		}
	}
	return &http.Cookie{Name: cookieName(name, secure), Value: value, Path: path, HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode}
}

func (p *Provider) cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(cookieName(name, callctx.From(r.Context()).Secure))
	if err != nil {
		return ""
	}
	return c.Value
}

func (p *Provider) clearCookie(w http.ResponseWriter, r *http.Request, apiKey, name string) {
	c := p.cookie(r, apiKey, name, "")
	c.MaxAge = -1
	http.SetCookie(w, c)
}

// --- SSO ---

// ssoName is the SSO cookie's name: one per site.
func ssoName(apiKey string) string { return "custos-sso-" + apiKey }

// setSSO hands the browser the session of l for later authorizations;
// the cookie ends with the session, or with the browser for a session that
// does not expire. How the user authenticated (amr) goes with the token
// under a MAC, so that later authorizations on the session say it too:
// the session itself does not record it.
func (p *Provider) setSSO(w http.ResponseWriter, r *http.Request, apiKey string, l login, expires time.Time) {
	v := l.token
	if len(l.amr) > 0 {
		amr := strings.Join(l.amr, " ")
		v += "." + base64.RawURLEncoding.EncodeToString([]byte(amr)) + "." +
			base64.RawURLEncoding.EncodeToString(p.mac("custos oidc sso amr v1", apiKey, l.token, amr))
	}
	c := p.cookie(r, apiKey, ssoName(apiKey), v)
	c.Expires = expires
	http.SetCookie(w, c)
}

// ssoLogin is the session of the browser's SSO cookie: its token, and its
// amr when the MAC holds.
func (p *Provider) ssoLogin(r *http.Request, apiKey string) login {
	tok, rest, _ := strings.Cut(p.cookieValue(r, ssoName(apiKey)), ".")
	l := login{token: tok, fromSSO: true}
	enc, sum, _ := strings.Cut(rest, ".")
	amr, err1 := base64.RawURLEncoding.DecodeString(enc)
	got, err2 := base64.RawURLEncoding.DecodeString(sum)
	if err1 == nil && err2 == nil && len(amr) > 0 && hmac.Equal(got, p.mac("custos oidc sso amr v1", apiKey, tok, string(amr))) {
		l.amr = strings.Fields(string(amr))
	}
	return l
}

// mac is the HMAC-SHA256 under the provider's cookie key of purpose and
// parts, each length-prefixed so that no two lists have one message.
func (p *Provider) mac(purpose string, parts ...string) []byte {
	m := hmac.New(sha256.New, p.bindKey)
	for _, part := range append([]string{purpose}, parts...) {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(part))))
		m.Write([]byte(part))
	}
	return m.Sum(nil)
}

func (p *Provider) clearSSO(w http.ResponseWriter, r *http.Request, apiKey string) {
	p.clearCookie(w, r, apiKey, ssoName(apiKey))
}

// --- binding ---
//
// The context parameter names an authorization request, and travels in
// URLs (the proxy page's among them). Alone it would be a bearer secret
// once the user logged in: whoever holds it could consent or take the
// code. authorize therefore sets a cookie whose value is the HMAC of the
// site and the request under a key of this server, and continue, login
// and consent require it: a request goes on only in the browser that
// started it. The MAC needs no server state; each request has its own
// cookie (named after a hash of its id), so that requests in several tabs
// do not displace each other, and it lives no longer than the request.

// bindingName is the binding cookie's name of request id.
func bindingName(id string) string {
	h := sha256.Sum256([]byte(id))
	return "custos-ar-" + hex.EncodeToString(h[:8])
}

func (p *Provider) bindingValue(apiKey, id string) []byte {
	return p.mac("custos oidc request binding v1", apiKey, id)
}

// bind sets the binding cookie of the request just created.
func (p *Provider) bind(w http.ResponseWriter, r *http.Request, apiKey, id string) {
	c := p.cookie(r, apiKey, bindingName(id), base64.RawURLEncoding.EncodeToString(p.bindingValue(apiKey, id)))
	c.MaxAge = int(oauth.AuthRequestLifetime / time.Second)
	http.SetCookie(w, c)
}

// bound tells, in constant time, whether r comes from the browser that
// started request id.
func (p *Provider) bound(r *http.Request, apiKey, id string) bool {
	got, err := base64.RawURLEncoding.DecodeString(p.cookieValue(r, bindingName(id)))
	return err == nil && hmac.Equal(got, p.bindingValue(apiKey, id))
}

// unbind removes the binding cookie of a request that is answered.
func (p *Provider) unbind(w http.ResponseWriter, r *http.Request, apiKey, id string) {
	p.clearCookie(w, r, apiKey, bindingName(id))
}
