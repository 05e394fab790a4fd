package oidcop

import (
	"net/http"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/site"
)

// Pages are custos's hosted login and consent pages. The provider routes
// GET and POST of `/oidc/op/v1.0/{apiKey}/login?context=<id>` to Login and
// of `…/consent?context=<id>` to Consent, once it has resolved the site and
// the live authorization request of the context parameter (an unknown or
// expired context answers the error page before a page is called).
//
// Login logs the user in (its form, over Request.Accounts), then calls
// Request.Continue with the new session's token; Consent shows the client
// and the scopes and calls Request.Approve or Request.Deny.
type Pages interface {
	Login(w http.ResponseWriter, r *http.Request, req Request)
	Consent(w http.ResponseWriter, r *http.Request, req Request)
}

// Request is what a hosted page gets: the site, the authorization request
// (what the relying party asked for; Auth.Subject is set once the user
// logged in), its client and the site's provider configuration, and the
// provider's operations that finish the request.
type Request struct {
	Site   site.Site
	Auth   oauth.AuthRequest
	Client oauth.Client
	Config oauth.Config
	// Accounts logs the user in (account.Service.Login).
	Accounts *account.Service
	// CSRFKey is a secret of this server (derived from the master key) to
	// MAC the pages' per-form CSRF tokens with, bound to Auth.ID and a
	// cookie of the page's.
	CSRFKey []byte
	// Secure tells whether the request came over HTTPS (the cookies'
	// Secure attribute).
	Secure bool

	p *Provider
}

// Continue resumes the authorization request with the session of
// sessionToken, which the page opened by a password login (amr "pwd"), as
// authorize/continue does with login_token: the SSO cookie takes the
// session; on to the consent page when consent is needed, else the
// redirect to the client.
func (q Request) Continue(w http.ResponseWriter, r *http.Request, sessionToken string) {
	q.p.resume(w, r, q.Site, q.Auth.ID, login{token: sessionToken, amr: []string{"pwd"}, remember: true})
}

// Approve records the user's consent to the client for the request's
// scopes and finishes the request: the redirect to the client with the code.
func (q Request) Approve(w http.ResponseWriter, r *http.Request) {
	q.p.approve(w, r, q.Site, q.Auth.ID)
}

// Deny ends the request: the redirect to the client with access_denied.
func (q Request) Deny(w http.ResponseWriter, r *http.Request) {
	q.p.deny(w, r, q.Site, q.Auth.ID)
}

// Fail answers err (a condition of the domain, or an *oidc.Error) as the
// provider's HTML error page, with the code and status of the catalog.
func (q Request) Fail(w http.ResponseWriter, r *http.Request, err error) {
	q.p.pageError(w, r, err)
}
