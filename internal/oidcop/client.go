package oidcop

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/custos-id/custos/internal/oauth"
)

// client is a relying party as the op package sees it.
type client struct {
	c    oauth.Client
	cfg  oauth.Config
	p    *Provider
	call *call
}

var _ op.Client = (*client)(nil)

func (c *client) GetID() string                    { return c.c.ClientID }
func (c *client) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.c.PostLogoutRedirectURIs }

// ApplicationType: a confidential client is a web application; a public
// one is a browser application, or a native one when it registered a
// redirect URI of its own scheme or a loopback http one (RFC 8252 7.1,
// 7.3: a desktop or command-line app listening on 127.0.0.1, whose port
// the op package then lets vary).
func (c *client) ApplicationType() op.ApplicationType {
	if !c.c.Public() {
		return op.ApplicationTypeWeb
	}
	for _, u := range c.c.RedirectURIs {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return op.ApplicationTypeNative
		}
		if _, loopback := op.HTTPLoopbackOrLocalhost(u); loopback && strings.HasPrefix(u, "http://") {
			return op.ApplicationTypeNative
		}
	}
	return op.ApplicationTypeUserAgent
}

// AuthMethod: a public client authenticates with nothing but PKCE; a
// confidential one with its secret, by Basic or in the form (the op
// package accepts both for client_secret_basic).
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.c.Public() {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

func (c *client) ResponseTypes() []oidc.ResponseType {
	if len(c.c.ResponseTypes) == 0 {
		return []oidc.ResponseType{oidc.ResponseTypeCode}
	}
	out := make([]oidc.ResponseType, len(c.c.ResponseTypes))
	for i, t := range c.c.ResponseTypes {
		out[i] = oidc.ResponseType(t)
	}
	return out
}

func (c *client) GrantTypes() []oidc.GrantType {
	if len(c.c.GrantTypes) == 0 {
		return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	}
	out := make([]oidc.GrantType, len(c.c.GrantTypes))
	for i, t := range c.c.GrantTypes {
		out[i] = oidc.GrantType(t)
	}
	return out
}

// LoginURL is where authorize sends the browser with a new request:
// authorize/continue, which looks for the browser's session (the SSO
// cookie) before it shows any login page.
func (c *client) LoginURL(id string) string {
	return c.p.issuer(c.call.site.APIKey) + pathContinue + "?" + url.Values{"context": {id}}.Encode()
}

// loginPage is where continue sends a browser without a usable session:
// the site's proxy page (Gigya's flow) or the hosted login page. again
// tells the proxy page that the session it has is too old for the request
// (prompt=login, max_age), so that it asks the user to log in anew rather
// than hand the same session back.
func (c *client) loginPage(a oauth.AuthRequest, again bool) string {
	if c.cfg.ProxyPage == "" {
		return c.p.issuer(c.call.site.APIKey) + pathLogin + "?" + url.Values{"context": {a.ID}}.Encode()
	}
	q := url.Values{"context": {a.ID}, "client_id": {c.c.ClientID}, "mode": {"login"}, "scope": {strings.Join(a.Scopes, " ")}}
	if again {
		q.Set("prompt", oidc.PromptLogin)
	}
	sep := "?"
	if strings.Contains(c.cfg.ProxyPage, "?") {
		sep = "&"
	}
	return c.cfg.ProxyPage + sep + q.Encode()
}

func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

func (c *client) IDTokenLifetime() time.Duration {
	if c.cfg.IDTokenLifetime > 0 {
		return c.cfg.IDTokenLifetime
	}
	return oauth.DefaultIDTokenLifetime
}

func (c *client) DevMode() bool { return false }

func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed is asked for the scopes beyond the standard ones: the
// site's custom scopes, as far as the client may ask for them.
func (c *client) IsScopeAllowed(scope string) bool {
	if _, ok := c.cfg.CustomScopes[scope]; !ok {
		return false
	}
	return len(c.c.Scopes) == 0 || slices.Contains(c.c.Scopes, scope)
}

// IDTokenUserinfoClaimsAssertion: the id_token carries the claims of its
// scopes also when an access token comes with it, as Gigya's does (OpenID
// Connect Core 5.4 lets userinfo be their only source, and relying
// parties that read the email from the id_token break).
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
