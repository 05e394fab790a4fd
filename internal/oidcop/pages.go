package oidcop

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/session"
)

// HostedPages are custos's own login and consent pages, for the sites
// without a proxyPage: server-rendered HTML that works without JavaScript,
// under a strict Content-Security-Policy, its forms guarded against CSRF
// (see pages_csrf.go), themed by the stylesheet at StylesheetPath.
type HostedPages struct {
	log *slog.Logger
}

var _ Pages = (*HostedPages)(nil)

// NewHostedPages returns the hosted pages, logging server errors to log.
func NewHostedPages(log *slog.Logger) *HostedPages {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &HostedPages{log: log}
}

// handoff is what a page does with the authorization request once the
// person at it has acted: Request's operations, which belong to the
// provider.
type handoff interface {
	Continue(w http.ResponseWriter, r *http.Request, sessionToken string)
	Approve(w http.ResponseWriter, r *http.Request)
	Deny(w http.ResponseWriter, r *http.Request)
}

// pagesCrossOrigin refuses the forms a browser posts from another origin.
var pagesCrossOrigin = http.NewCrossOriginProtection()

// The pages' own refusals, each with its catalog code.
var (
	crossSitePage = errorView{"This form was sent from another site", "Go back to the application you came from and start again.", errcode.Forbidden}
	notLoggedIn   = errorView{"You are not logged in", "Go back to the application you came from and log in again.", errcode.NoValidSession}
	brokenPage    = errorView{"Something went wrong", "Please try again later.", errcode.GeneralServerError}
)

// Login serves the login form (GET) and logs the user in with it (POST):
// through account.Service.Login, as accounts.login does, into a browser
// session whose cookie it sets before the provider continues the request.
func (p *HostedPages) Login(w http.ResponseWriter, r *http.Request, req Request) {
	p.login(w, r, req, req)
}

func (p *HostedPages) login(w http.ResponseWriter, r *http.Request, req Request, next handoff) {
	info := callctx.From(r.Context()) // the provider named the dialect and the endpoint
	v := loginView(req)
	if r.Method != http.MethodPost {
		v.LoginID = bounded(req.Auth.LoginHint)
		if v.LoginID != "" {
			v.Focus = fieldPassword
		}
		p.show(w, r, req, http.StatusOK, "login", v)
		return
	}
	if pagesCrossOrigin.Check(r) != nil {
		p.fail(w, r, req, crossSitePage)
		return
	}
	v.LoginID = bounded(r.PostFormValue(fieldLoginID))
	if !csrfValid(r, req.CSRFKey, v.binding, req.Secure) {
		p.show(w, r, req, http.StatusForbidden, "login", v.with(staleForm))
		return
	}
	res, err := req.Accounts.Login(r.Context(), req.Site, account.LoginInput{
		LoginID: r.PostFormValue(fieldLoginID), Password: r.PostFormValue(fieldPassword),
		ClientIP: info.ClientIP})
	if err == nil && res.Session == nil {
		err = errors.New("oidcop: the login opened no session")
	}
	if err != nil {
		prob, ok := loginProblem(err, req.Site.Name, v.LoginIDLabel)
		if !ok {
			p.log.Error("oidc login page", "call_id", info.ID, "err", err)
			p.fail(w, r, req, brokenPage)
			return
		}
		p.show(w, r, req, http.StatusUnprocessableEntity, "login", v.with(prob))
		return
	}
	http.SetCookie(w, session.Cookie(req.Site.APIKey, res.Session, req.Secure))
	next.Continue(w, r, res.Session.Token)
}

// Consent asks the logged-in user whether the client may have the scopes
// it asks for (GET) and passes the answer on (POST): Allow approves the
// request, Deny ends it with access_denied to the client.
func (p *HostedPages) Consent(w http.ResponseWriter, r *http.Request, req Request) {
	p.consent(w, r, req, req)
}

func (p *HostedPages) consent(w http.ResponseWriter, r *http.Request, req Request, next handoff) {
	if req.Auth.AccountID == 0 {
		p.fail(w, r, req, notLoggedIn)
		return
	}
	v := consentView(req)
	if r.Method != http.MethodPost {
		p.show(w, r, req, http.StatusOK, "consent", p.who(r, req, v))
		return
	}
	if pagesCrossOrigin.Check(r) != nil {
		p.fail(w, r, req, crossSitePage)
		return
	}
	if !csrfValid(r, req.CSRFKey, v.binding, req.Secure) {
		p.show(w, r, req, http.StatusForbidden, "consent", p.who(r, req, v.with(staleForm)))
		return
	}
	switch r.PostFormValue("decision") {
	case "allow":
		next.Approve(w, r)
	case "deny":
		next.Deny(w, r)
	default:
		p.show(w, r, req, http.StatusUnprocessableEntity, "consent", p.who(r, req, v.with(noDecision)))
	}
}

// who names the logged-in user on the consent page, so that a person
// notices a wrong account before allowing anything: the email address, else
// the username. Without it the page still works.
func (p *HostedPages) who(r *http.Request, req Request, v view) view {
	a, err := req.Accounts.ByUID(r.Context(), req.Site.ID, req.Auth.Subject)
	if err != nil {
		p.log.Warn("oidc consent page: the request's account", "call_id", callctx.From(r.Context()).ID, "err", err)
		return v
	}
	v.Who = a.Email
	if v.Who == "" {
		v.Who = a.Username
	}
	return v
}

// bounded is what the page shows again of a login ID: at most
// MaxLoginIDLen bytes of valid UTF-8.
func bounded(s string) string {
	s = strings.ToValidUTF8(s, "")
	for len(s) > account.MaxLoginIDLen {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}
