package app

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/dialect"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/oidcop"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/weburl"
)

// custos's own pages for people (the OIDC provider's login and consent
// pages are oidcop's): the links of the verification and reset mails, and
// the hosted login page of a site without a front end. They share the
// hosted pages' stylesheet (oidcop.StylesheetHref) and a site's theme
// (oidcop.ThemeHref), so that every page custos shows looks alike and is
// branded with the site's name; none has an inline script or style, under a
// Content-Security-Policy without 'unsafe-inline'.

var (
	//go:embed pages.html
	pagesHTML string
	// The head, header and main are the provider's pages' (oidcop.FrameTemplates).
	pageTmpl = template.Must(template.Must(template.New("pages").Funcs(template.FuncMap{"field": newField}).
			Parse(oidcop.FrameTemplates())).Parse(pagesHTML))

	//go:embed js/hosted-login.js
	hostedLoginJS []byte
	// hostedLoginScript serves the hosted login page's script;
	// hostedLoginVersion changes with it, so that a browser's cached copy
	// never outlives it.
	hostedLoginScript, hostedLoginVersion = oidcop.StaticFile("hosted-login.js", "text/javascript; charset=utf-8", hostedLoginJS)
)

// HostedLoginPath is the hosted login page: ?apiKey=…[&next=URL][&lang=…].
// HostedLoginScript is its script.
const (
	HostedLoginPath   = "/pages/login"
	HostedLoginScript = "/js/hosted-login.js"
)

// sdkPath is custos's Web SDK.
const sdkPath = "/js/gigya.js"

// HostedScreenSet is the screen-set the hosted login page shows: the site's
// own of that id when it stored one, else custos's default.
const HostedScreenSet = "Default-RegistrationLogin"

type page struct {
	Title, Text string
	// SiteName brands the page; Lang is its language ("" for English).
	SiteName, Lang string
	// Stylesheet is custos's; Theme the site's own, "" for none.
	Stylesheet, Theme string
	// Token and Problems make the page the new-password form.
	Token    string
	Problems []problem
	// VerifyToken makes the page the form that verifies an email address.
	VerifyToken string
	// Next is the "continue" link to the site: emailVerification.nextURL on
	// the mail's pages, the next parameter on the hosted login page.
	Next string
	// The hosted login page: the screen-set and the scripts.
	ScreenSet, SDK, LoginScript string
	// Continue and Context hand the hosted login page's session to the
	// OpenID Provider: the form posting context to its authorize/continue.
	Continue, Context string
}

// problem is one thing wrong with a form, linked to its field.
type problem struct{ Text, Field string }

// field is what the template of a password field shows.
type field struct{ Name, Label, Problem string }

func newField(name, label string, probs []problem) field {
	f := field{Name: name, Label: label}
	for _, p := range probs {
		if p.Field == name {
			f.Problem = p.Text
		}
	}
	return f
}

// pageCSP is the policy of the pages with forms and no script: custos's
// stylesheets, forms to this origin, no framing, no <base>.
const pageCSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func writePage(w http.ResponseWriter, status int, p page) {
	writeTemplate(w, status, "page", p, pageCSP)
}

func writeTemplate(w http.ResponseWriter, status int, tmpl string, p page, csp string) {
	if p.Stylesheet == "" {
		p.Stylesheet = oidcop.StylesheetHref()
	}
	var b bytes.Buffer
	if err := pageTmpl.ExecuteTemplate(&b, tmpl, p); err != nil {
		status, b = http.StatusInternalServerError, *bytes.NewBufferString("Something went wrong.\n")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the URL holds a token
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", csp)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

var (
	expiredLink = page{Title: "This link has expired", Text: "Ask for a new email and follow the link in it."}
	invalidLink = page{Title: "This link is not valid", Text: "It was used already, or it is incomplete. Ask for a new email if you still need one."}
	brokenPage  = page{Title: "Something went wrong", Text: "Please try again later."}
	crossSite   = page{Title: "This form was sent from another site", Text: "Open the link of the email again and use the form on its page."}
)

// crossOrigin refuses forms a browser posts from another site (by
// Sec-Fetch-Site, else Origin against Host): the token of the form is a
// secret already, this is defence in depth.
var crossOrigin = http.NewCrossOriginProtection()

// pages serves custos's pages for people.
type pages struct {
	accounts *account.Service
	sites    *site.Service
	oauth    *oauth.Service
	log      *slog.Logger
	// origin is custos's public origin, which the hosted login page's
	// script calls.
	origin string
}

// brand names the site on p and links its theme. Without its OAuth
// configuration the page goes unthemed, not unserved.
func (ps *pages) brand(ctx context.Context, st site.Site, p page) page {
	p.SiteName = st.Name
	cfg, err := ps.oauth.Config(ctx, st.ID)
	if err != nil {
		ps.log.Warn("page: the site's theme", "call_id", callctx.From(ctx).ID, "err", err)
		return p
	}
	p.Theme = oidcop.ThemeHref(st.APIKey, cfg.Stylesheet)
	return p
}

// next is the site's emailVerification.nextURL when it is still on the
// site's domains (they may have changed since setPolicies checked it).
func next(st site.Site) string {
	if n := st.Policies.EmailVerification.NextURL; n != "" && st.OwnsURL(n) {
		return n
	}
	return ""
}

// resetPassword serves the link of reset mails (when the site has no
// passwordReset.resetURL of its own): a form for the new password.
func (ps *pages) resetPassword() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := callctx.From(r.Context())
		info.Dialect, info.Method = "page", "reset-password"
		if r.Method == http.MethodHead {
			writePage(w, http.StatusOK, page{})
			return
		}
		token := r.FormValue("pwrt")
		siteID, err := ps.accounts.ResetTokenSite(r.Context(), token)
		var st site.Site
		if err == nil {
			st, err = ps.sites.ByID(r.Context(), siteID)
		}
		if status, p, failed := linkFailure(err, info.ID, ps.log); failed {
			writePage(w, status, p)
			return
		}
		form := ps.brand(r.Context(), st, page{Title: "Choose a new password",
			Text: "Choose a new password for your " + st.Name + " account. The link works once.", Token: token})
		if r.Method != http.MethodPost {
			writePage(w, http.StatusOK, form)
			return
		}
		if crossOrigin.Check(r) != nil {
			writePage(w, http.StatusForbidden, crossSite)
			return
		}
		if r.FormValue("newPassword") != r.FormValue("confirmPassword") {
			form.Problems = []problem{{"The two passwords differ.", "confirmPassword"}}
			writePage(w, http.StatusUnprocessableEntity, form)
			return
		}
		_, err = ps.accounts.ResetPassword(r.Context(), st, account.ResetInput{Token: token, NewPassword: r.FormValue("newPassword")})
		err = pageErrors.Render(err)
		if e, ok := errors.AsType[*errcode.Error](err); ok && e.Code != errcode.GeneralServerError {
			info.ErrorCode = e.Code
			form.Problems = []problem{{e.Description(), "newPassword"}}
			writePage(w, http.StatusUnprocessableEntity, form)
			return
		}
		if err != nil {
			ps.log.Error("reset password page", "call_id", info.ID, "err", err)
			writePage(w, http.StatusInternalServerError, brokenPage)
			return
		}
		writePage(w, http.StatusOK, ps.brand(r.Context(), st, page{Title: "Your password is changed",
			Text: "You can log in with it now. Every session that was open has ended.", Next: next(st)}))
	})
}

// verifyEmail serves the link of verification mails. GET shows a button
// that POSTs the token, so that link scanners, which follow links with GET
// and HEAD, verify nothing; the POST verifies. A link that does not work
// changes nothing and says why. Once verified, the page links to the site's
// emailVerification.nextURL, if it has one on its domains.
func (ps *pages) verifyEmail() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := callctx.From(r.Context())
		info.Dialect, info.Method = "page", "verify-email"
		switch r.Method {
		case http.MethodHead:
			writePage(w, http.StatusOK, page{})
			return
		case http.MethodPost:
			if crossOrigin.Check(r) != nil {
				writePage(w, http.StatusForbidden, crossSite)
				return
			}
			status, p := ps.spendVerifyToken(r)
			writePage(w, status, p)
			return
		}
		token := r.URL.Query().Get("token")
		siteID, err := ps.accounts.VerifyTokenSite(r.Context(), token)
		var st site.Site
		if err == nil {
			st, err = ps.sites.ByID(r.Context(), siteID)
		}
		if status, p, failed := linkFailure(err, info.ID, ps.log); failed {
			writePage(w, status, p)
			return
		}
		writePage(w, http.StatusOK, ps.brand(r.Context(), st, page{Title: "Confirm your email address",
			Text: "Press the button to confirm your email address for " + st.Name + ".", VerifyToken: token}))
	})
}

// spendVerifyToken spends the token the form posted.
func (ps *pages) spendVerifyToken(r *http.Request) (int, page) {
	info := callctx.From(r.Context())
	a, err := ps.accounts.VerifyEmail(r.Context(), r.PostFormValue("token"))
	if status, p, failed := linkFailure(err, info.ID, ps.log); failed {
		return status, p
	}
	done := page{Title: "Email address verified", Text: "Thank you: your email address is verified. You can close this page and log in."}
	st, err := ps.sites.ByID(r.Context(), a.SiteID)
	if err != nil {
		// Verified all the same: only the link to the site is missing.
		ps.log.Error("verify email: site", "call_id", info.ID, "err", err)
		return http.StatusOK, done
	}
	done = ps.brand(r.Context(), st, done)
	if done.Next = next(st); done.Next != "" {
		done.Text = "Thank you: your email address is verified."
	}
	return http.StatusOK, done
}

// linkFailure is the page of a link that does not work, if err says so.
func linkFailure(err error, callID string, log *slog.Logger) (int, page, bool) {
	switch {
	case err == nil:
		return 0, page{}, false
	case errors.Is(err, account.ErrLinkExpired):
		return http.StatusGone, expiredLink, true
	case errors.Is(err, account.ErrLinkInvalid):
		return http.StatusNotFound, invalidLink, true
	}
	log.Error("page link", "call_id", callID, "err", err)
	return http.StatusInternalServerError, brokenPage, true
}

// pageErrors words the domain's errors for the person at the page: the
// fields are the form's, the password and the link, not a dialect's
// parameters.
var pageErrors = dialect.Table{Names: map[account.Attribute]string{
	account.AttrPassword:    "password",
	account.AttrNewPassword: "password",
	account.AttrResetToken:  "link",
}}

// maxNextLen bounds the hosted login page's next parameter.
const maxNextLen = 2048

// The hosted login page's refusals.
var (
	noSuchSite = page{Title: "This login page does not exist",
		Text: "The address is incomplete, or the site it names is gone. Go back to the site you came from and start again."}
	goneRequest = page{Title: "This login request has ended",
		Text: "It was finished already, or it waited too long. Go back to the application you came from and start again."}
	badNext = page{Title: "This login page cannot continue to that address",
		Text: "After logging in, this page only sends you on to an address of the site itself. Go back to the site you came from and start again."}
)

// authContext is the context parameter the hosted login page accepts: the
// ID of an OpenID Provider's authorization request, as the provider's
// handoff to a proxy page names it.
var authContext = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// langTag is the lang parameter the hosted login page accepts: a BCP 47
// tag of Gigya's kind (en, de, pt-br, zh-cn).
var langTag = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{2,8})?$`)

// hostedLogin is the hosted login page of a site without a front end of its
// own: custos's Web SDK showing the site's login screen-set in the page,
// which moves on to next, an address on the site's domains, once the person
// is logged in. next is never just any address: the page would be an open
// redirect, sending people from custos's name to anyone's.
func (ps *pages) hostedLogin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := callctx.From(r.Context())
		info.Dialect, info.Method = "page", "login"
		q := r.URL.Query()
		key := weburl.QueryFold(r.URL.RawQuery, "apikey")
		st, err := ps.sites.ByAPIKey(r.Context(), key)
		switch {
		case errors.Is(err, site.ErrNotFound) || key == "" || len(key) > 128:
			info.ErrorCode = errcode.InvalidAPIKey
			writePage(w, http.StatusNotFound, noSuchSite)
			return
		case err != nil:
			ps.log.Error("hosted login page", "call_id", info.ID, "err", err)
			writePage(w, http.StatusInternalServerError, brokenPage)
			return
		}
		var formTo string
		p := page{Title: "Log in to " + st.Name, ScreenSet: HostedScreenSet,
			SDK:         sdkPath + "?apikey=" + url.QueryEscape(st.APIKey),
			LoginScript: HostedLoginScript + "?v=" + hostedLoginVersion}
		if c := q.Get("context"); c != "" {
			// The page is the site's OpenID proxy page: once the person is
			// logged in it posts context to the provider's authorize/continue,
			// which reads the session from the cookie (a POST of custos's own
			// origin: the SameSite=Strict cookie goes along).
			if !authContext.MatchString(c) || q.Has("next") {
				info.ErrorCode = errcode.InvalidParameterValue
				writePage(w, http.StatusBadRequest, ps.brand(r.Context(), st, badNext))
				return
			}
			// The provider answers the continue form with a redirect to the
			// client, which form-action must allow: the request's redirect_uri.
			req, err := ps.oauth.AuthRequest(r.Context(), st.ID, c)
			switch {
			case errors.Is(err, oauth.ErrNotFound):
				info.ErrorCode = errcode.InvalidParameterValue
				writePage(w, http.StatusBadRequest, ps.brand(r.Context(), st, goneRequest))
				return
			case err != nil:
				ps.log.Error("hosted login page", "call_id", info.ID, "err", err)
				writePage(w, http.StatusInternalServerError, brokenPage)
				return
			}
			p.Continue, p.Context = oidcop.ContinuePath(st.APIKey), c
			formTo = formSource(req.RedirectURI)
		}
		if n := q.Get("next"); n != "" {
			if !siteAddress(n, st) {
				info.ErrorCode = errcode.InvalidParameterValue
				writePage(w, http.StatusBadRequest, ps.brand(r.Context(), st, badNext))
				return
			}
			p.Next = n
		}
		if l := strings.ToLower(q.Get("lang")); langTag.MatchString(l) {
			p.Lang = l
		}
		writeTemplate(w, http.StatusOK, "login", ps.brand(r.Context(), st, p), ps.loginCSP(formTo))
	})
}

// loginCSP is the hosted login page's policy: its two scripts, and
// styles, images and calls of custos's own origin only. The screen-set's
// stylesheet is a constructed one (adoptedStyleSheets), which needs no
// 'unsafe-inline'. The scripts are named by path: a site's screen-set hooks
// (/js/screenset-hooks.js) never run on custos's origin, where they could
// read the SDK's session cookies of every other site.
//
// It never falls back to script-src 'self', which would let the hooks run:
// app.New refuses a PublicURL without an origin, and were the origin
// missing all the same, the page would run no script at all.
//
// formTo is the client a handed-over authorization request goes back to
// (formSource), which the continue form's redirect reaches: form-action
// applies to the redirects after a form's submission too.
func (ps *pages) loginCSP(formTo string) string {
	self, scripts, forms := "'self'", "'none'", "'self'"
	if formTo != "" {
		forms += " " + formTo
	}
	if ps.origin != "" {
		self += " " + ps.origin
		scripts = ps.origin + sdkPath + " " + ps.origin + HostedLoginScript
	}
	return "default-src 'none'; script-src " + scripts + "; style-src " + self + "; img-src " + self + " data:; connect-src " + self +
		"; form-action " + forms + "; frame-ancestors 'none'; base-uri 'none'"
}

// cspSource is a CSP source expression of an origin (scheme://host[:port])
// or of a scheme alone (com.example.app:).
var cspSource = regexp.MustCompile(`^[a-z][a-z0-9+.-]*:(//[a-z0-9.\-]+(:[0-9]+)?|//\[[0-9a-f:.]+\](:[0-9]+)?)?$`)

// formSource is the CSP source of a client's redirect URI: its origin, or
// its scheme for an app's own (com.example.app:/callback); "" when it
// cannot be written as one.
func formSource(redirectURI string) string {
	src := weburl.Origin(redirectURI)
	if src == "" {
		if scheme, _, ok := strings.Cut(redirectURI, ":"); ok {
			src = strings.ToLower(scheme) + ":"
		}
	}
	if !cspSource.MatchString(src) {
		return ""
	}
	return src
}

// siteAddress tells whether u is an address of the site (site.OwnsURL),
// at most maxNextLen long. A site that lists no domains accepts calls from
// any page, but has no address of its own: it gets no next.
func siteAddress(u string, st site.Site) bool {
	return len(u) <= maxNextLen && len(st.Domains) > 0 && st.OwnsURL(u)
}
