package authn

import (
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/site"
)

// Proof names what a request proved itself with.
type Proof int

// The proofs a Verifier checks.
const (
	// None: an apiKey only, a client call nobody vouches for.
	None Proof = iota
	// Secret: the site's or an application key's secret, in clear.
	Secret
	// Signature: timestamp, nonce and sig made with the site's, an
	// application key's or a mobile session's secret.
	Signature
	// Bearer: a JWT signed with an application key's RSA key.
	Bearer
	// Basic: HTTP Basic <siteId>:<secret>.
	Basic
	// SessionToken: a session token or the session cookie.
	SessionToken
	// OAuthToken: an access token of socialize.getToken.
	OAuthToken
)

// Principal is who makes a request, as its proof tells: the site, maybe an
// application key, maybe a session and its account, and whether the call
// is a server's.
type Principal struct {
	Site  site.Site
	Proof Proof
	// Server is true when the request proved the site's secret or an
	// application key's (itself or by a signature or JWT made with it): the
	// site's server, which answers for its users.
	Server bool
	// Key is the application key the request came with, if any; its scopes
	// bound the methods the request may call.
	Key *site.AppKey
	// Session and Account are the caller's, when it proved a session.
	// Account is also the user an OAuth access token of a user acts for
	// (a server principal: the calls that take a UID act on it by default).
	Session *session.Session
	Account *account.Account
}

// Caller is what the domain needs to know of p.
func (p *Principal) Caller() account.Caller {
	c := account.Caller{Server: p.Server}
	if p.Session != nil {
		c.Session = p.Session.ID
	}
	return c
}

// Allows tells whether p may call method: any method unless an application
// key's scopes bound it.
func (p *Principal) Allows(method string) bool { return p.Key == nil || p.Key.Allows(method) }
