package oidcop

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/site"
)

// login is the session a browser brings to continue: its token, how the
// user authenticated (amr values, when known) and whether the SSO cookie
// should now hold it.
type login struct {
	token    string
	amr      []string
	remember bool
	fromSSO  bool
}

// continueHandler is authorize/continue?context=<id>[&login_token=<t>]:
// where authorize sends the browser first, and the site's proxy page once
// the user logged in. The session comes from login_token, else (on a
// POST) from the site's glt_<apiKey> cookie, else from the provider's SSO
// cookie.
func (p *Provider) continueHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		p.pageError(w, r, errNotFound)
		return
	}
	st := callOf(r.Context()).site
	l := login{token: r.FormValue("login_token"), remember: true}
	if l.token == "" {
		l.token = session.FromCookie(r, st.APIKey)
	}
	if l.token == "" {
		l = p.ssoLogin(r, st.APIKey)
	}
	p.resume(w, r, st, r.FormValue("context"), l)
}

// resume goes on with request id once the user may have logged in: to
// the login page when there is no usable session (or to the client with
// login_required for prompt=none), on to the consent page when consent is
// needed, else to the client with the code (or tokens). A session is
// usable when it is newer than the request (a login for it) or than
// max_age (prompt=login is max_age 0); its creation is the auth_time.
func (p *Provider) resume(w http.ResponseWriter, r *http.Request, st site.Site, id string, l login) {
	ctx := r.Context()
	a, cl, ok := p.request(w, r, st, id)
	if !ok {
		return
	}
	none := slices.Contains(a.Prompt, oidc.PromptNone)
	sess, acct, err := p.o.Accounts.Sessions().Resolve(ctx, st.ID, l.token)
	gone := errors.Is(err, session.ErrUnknown) || errors.Is(err, session.ErrExpired)
	if err != nil && l.token != "" && !gone {
		p.pageError(w, r, err)
		return
	}
	if gone && l.fromSSO {
		p.clearSSO(w, r, st.APIKey)
	}
	if err == nil {
		if err := acct.MayHoldTokens(); err != nil {
			p.inactive(w, r, a, l, err)
			return
		}
	}
	fresh := err == nil && !sess.CreatedAt.Before(a.CreatedAt)
	switch {
	case err == nil && (fresh || a.MaxAge == nil || !p.o.Now().After(sess.CreatedAt.Add(*a.MaxAge))):
	case none:
		p.redirectError(w, r, a, oidc.ErrLoginRequired().WithDescription("The user is not logged in, or not recently enough."))
		return
	default:
		http.Redirect(w, r, cl.loginPage(a, err == nil), http.StatusFound)
		return
	}
	if l.remember {
		p.setSSO(w, r, st.APIKey, l, sess.ExpiresAt)
	}
	consent := slices.Contains(a.Prompt, oidc.PromptConsent)
	if !consent && cl.c.RequireConsent {
		given, err := p.o.OAuth.Consented(ctx, st.ID, acct.ID, a.ClientID, a.Scopes)
		if err != nil {
			p.pageError(w, r, err)
			return
		}
		consent = !given
	}
	if consent && none {
		p.redirectError(w, r, a, &oidc.Error{ErrorType: "consent_required", Description: "The user has not consented."})
		return
	}
	if err := p.o.OAuth.Authenticate(ctx, st.ID, a.ID, acct.ID, acct.UID, sess.CreatedAt, l.amr, !consent); err != nil {
		p.pageError(w, r, err)
		return
	}
	if consent {
		http.Redirect(w, r, p.issuer(st.APIKey)+pathConsent+"?"+url.Values{"context": {a.ID}}.Encode(), http.StatusFound)
		return
	}
	p.finish(w, r, st, a.ID)
}

// inactive answers continue for the session of an account that may hold
// no tokens (deactivated since it logged in): the client gets the RFC
// error, access_denied (login_required for prompt=none: to the client
// there is no usable session), not the login page, where the account
// cannot log in and a proxy page holding the session would send the
// browser straight back. The SSO cookie holding it goes.
func (p *Provider) inactive(w http.ResponseWriter, r *http.Request, a oauth.AuthRequest, l login, err error) {
	note(r.Context(), err)
	if l.fromSSO {
		p.clearSSO(w, r, callOf(r.Context()).site.APIKey)
	}
	e := oidc.ErrAccessDenied().WithDescription("The account is disabled.")
	if slices.Contains(a.Prompt, oidc.PromptNone) {
		e = oidc.ErrLoginRequired().WithDescription("The user is not logged in, or not recently enough.")
	}
	p.redirectError(w, r, a, e)
}

// request finds the live request of the context parameter and its client;
// an unknown one, or one this browser did not start, answers the error
// page.
func (p *Provider) request(w http.ResponseWriter, r *http.Request, st site.Site, id string) (oauth.AuthRequest, *client, bool) {
	ctx := r.Context()
	if id == "" {
		p.pageError(w, r, oidc.ErrInvalidRequest().WithDescription("context missing"))
		return oauth.AuthRequest{}, nil, false
	}
	a, err := p.o.OAuth.AuthRequest(ctx, st.ID, id)
	if errors.Is(err, oauth.ErrNotFound) || errors.Is(err, oauth.ErrExpired) {
		err = errUnknownContext
	}
	if err != nil {
		p.pageError(w, r, err)
		return a, nil, false
	}
	if !p.bound(r, st.APIKey, a.ID) {
		p.unbound(w, r, a)
		return a, nil, false
	}
	cl, err := (&storage{p: p}).client(ctx, a.ClientID)
	if err != nil {
		p.pageError(w, r, err)
		return a, nil, false
	}
	return a, cl, true
}

// unbound answers a request this browser did not start: the error page,
// except at continue for prompt=none, which answers login_required to the
// client. A browser that brings none of the provider's cookies there is
// most likely a relying party's hidden iframe (silent authentication, a
// third-party context where SameSite=Lax cookies stay home): it has no
// usable session either, and the relying party waits for an answer. The
// error goes to the request's registered redirect_uri and carries no code,
// so whoever holds the context gains nothing; the request is unchanged.
func (p *Provider) unbound(w http.ResponseWriter, r *http.Request, a oauth.AuthRequest) {
	note(r.Context(), errOtherBrowser)
	if callOf(r.Context()).endpoint == pathContinue && slices.Contains(a.Prompt, oidc.PromptNone) {
		p.redirectError(w, r, a, oidc.ErrLoginRequired().WithDescription("The user is not logged in in this context."))
		return
	}
	p.pageError(w, r, errOtherBrowser)
}

// finish answers a done request: the redirect to the client with the code
// or the tokens of its response type.
func (p *Provider) finish(w http.ResponseWriter, r *http.Request, st site.Site, id string) {
	a, err := p.o.OAuth.AuthRequest(r.Context(), st.ID, id)
	if err != nil {
		p.pageError(w, r, err)
		return
	}
	p.unbind(w, r, st.APIKey, a.ID)
	op.AuthResponse(authRequest{a}, p.op, w, r)
}

// approve is the consent page's yes.
func (p *Provider) approve(w http.ResponseWriter, r *http.Request, st site.Site, id string) {
	if err := p.o.OAuth.Approve(r.Context(), st.ID, id); err != nil {
		p.pageError(w, r, err)
		return
	}
	p.finish(w, r, st, id)
}

// deny is the consent page's no: access_denied to the client, and the
// request used up (a replayed Allow finds it gone).
func (p *Provider) deny(w http.ResponseWriter, r *http.Request, st site.Site, id string) {
	a, _, ok := p.request(w, r, st, id)
	if !ok {
		return
	}
	if err := p.o.OAuth.Deny(r.Context(), st.ID, a.ID); err != nil {
		p.pageError(w, r, err)
		return
	}
	p.redirectError(w, r, a, oidc.ErrAccessDenied().WithDescription("The user did not consent."))
}

// redirectError sends the browser back to the client of a validated
// request with an RFC 6749 error.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, a oauth.AuthRequest, e *oidc.Error) {
	if oidc.ResponseMode(a.ResponseMode) == oidc.ResponseModeFormPost {
		p.unbind(w, r, callOf(r.Context()).site.APIKey, a.ID)
		if err := formPostError(w, a.RedirectURI, rfcError{string(e.ErrorType), e.Description, a.State}); err != nil {
			p.o.Log.Error("oidcop: form_post error", "call_id", callctx.From(r.Context()).ID, "err", err)
		}
		return
	}
	u, err := p.errorURL(a, e)
	if err != nil {
		p.pageError(w, r, err)
		return
	}
	p.unbind(w, r, callOf(r.Context()).site.APIKey, a.ID)
	http.Redirect(w, r, u, http.StatusFound)
}

// errorURL is the client's redirect_uri with e, in the response mode of
// the request.
func (p *Provider) errorURL(a oauth.AuthRequest, e *oidc.Error) (string, error) {
	e.State = a.State
	return op.AuthResponseURL(a.RedirectURI, oidc.ResponseType(a.ResponseType), oidc.ResponseMode(a.ResponseMode), e, p.op.Encoder())
}

// page hands login and consent to the hosted pages, with the request of
// the context parameter.
func (p *Provider) page(w http.ResponseWriter, r *http.Request) {
	c := callOf(r.Context())
	if p.o.Pages == nil {
		p.pageError(w, r, errNotFound)
		return
	}
	a, cl, ok := p.request(w, r, c.site, r.FormValue("context"))
	if !ok {
		return
	}
	q := Request{Site: c.site, Auth: a, Client: cl.c, Config: cl.cfg, Accounts: p.o.Accounts, CSRFKey: p.csrfKey,
		Secure: callctx.From(r.Context()).Secure, p: p}
	if c.endpoint == pathLogin {
		p.o.Pages.Login(w, r, q)
		return
	}
	if a.Subject == "" {
		p.pageError(w, r, errUnknownContext)
		return
	}
	p.o.Pages.Consent(w, r, q)
}

// endSession ends what the account of subject holds of clientID (every
// client when empty), and the browser's custos session of the provider's
// SSO cookie and of the request's glt_<apiKey> cookie (on POST) when it
// is that account's or none is named. Both cookies are cleared.
func (p *Provider) endSession(ctx context.Context, subject, clientID string) error {
	c := callOf(ctx)
	var accountID int64
	if subject != "" {
		a, err := p.o.Accounts.ByUID(ctx, c.site.ID, subject)
		if err == nil {
			accountID = a.ID
		}
	}
	if tok := p.ssoLogin(c.r, c.site.APIKey).token; tok != "" {
		p.clearSSO(c.w, c.r, c.site.APIKey)
		if err := p.endBrowserSession(ctx, tok, &accountID); err != nil {
			return err
		}
	}
	if tok := session.FromCookie(c.r, c.site.APIKey); tok != "" {
		http.SetCookie(c.w, session.ClearCookie(c.site.APIKey, callctx.From(ctx).Secure))
		if err := p.endBrowserSession(ctx, tok, &accountID); err != nil {
			return err
		}
	}
	if accountID == 0 {
		return nil
	}
	return note(ctx, p.o.OAuth.RevokeGrants(ctx, c.site.ID, accountID, clientID))
}

// endBrowserSession revokes the session of tok when it is the account's
// (*accountID), or any account's when none is named yet (then naming it).
func (p *Provider) endBrowserSession(ctx context.Context, tok string, accountID *int64) error {
	sessions := p.o.Accounts.Sessions()
	sess, acct, err := sessions.Resolve(ctx, callOf(ctx).site.ID, tok)
	if err != nil || (*accountID != 0 && acct.ID != *accountID) {
		return nil
	}
	*accountID = acct.ID
	return note(ctx, sessions.Revoke(ctx, sess))
}
