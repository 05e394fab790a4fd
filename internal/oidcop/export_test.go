package oidcop

import "net/http"

// Handoff is what the pages hand the request to; the tests of the pages
// alone record it.
type Handoff = handoff

// LoginWith and ConsentWith serve a page handing off to next.
func (p *HostedPages) LoginWith(w http.ResponseWriter, r *http.Request, req Request, next Handoff) {
	p.login(w, r, req, next)
}

func (p *HostedPages) ConsentWith(w http.ResponseWriter, r *http.Request, req Request, next Handoff) {
	p.consent(w, r, req, next)
}

// PageCSP is the pages' Content-Security-Policy for a redirect URI.
var PageCSP = pageCSP

// SetBeforeIssue runs f before the tokens of each validated token request
// are stored.
func (p *Provider) SetBeforeIssue(f func()) { p.beforeIssue = f }
