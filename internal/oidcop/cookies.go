package oidcop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"net/url"
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

// setSSO hands the browser the session token for later authorizations;
// it ends with the session, or with the browser for a session that does
// not expire.
func (p *Provider) setSSO(w http.ResponseWriter, r *http.Request, apiKey, token string, expires time.Time) {
	c := p.cookie(r, apiKey, ssoName(apiKey), token)
	c.Expires = expires
	http.SetCookie(w, c)
}

func (p *Provider) ssoToken(r *http.Request, apiKey string) string {
	return p.cookieValue(r, ssoName(apiKey))
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
	m := hmac.New(sha256.New, p.bindKey)
	for _, part := range []string{"custos oidc request binding v1", apiKey, id} {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(part))))
		m.Write([]byte(part))
	}
	return m.Sum(nil)
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
