package oidcop

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/callctx"
)

var (
	//go:embed frame.html
	frameHTML string
	//go:embed pages.html
	pagesHTML string
	//go:embed pages.css
	pagesCSS []byte

	pagesTmpl = template.Must(template.Must(template.New("pages").Parse(frameHTML)).Parse(pagesHTML))
	// pagesCSSVersion changes with the stylesheet, so that a browser's
	// cached copy never outlives it.
	stylesheet, pagesCSSVersion = StaticFile("pages.css", "text/css; charset=utf-8", pagesCSS)
)

// FrameTemplates defines the templates "top" and "bottom" of every page
// custos shows, the provider's and custos's own (package app): the head
// with the hosted pages' stylesheet and the site's theme, the header with
// the site's name, and main. Their data has Title, SiteName, Lang ("" for
// English), Problems (any, non-empty when the page shows an error),
// Stylesheet and Theme ("" for none).
func FrameTemplates() string { return frameHTML }

// StylesheetPath is where custos serves the hosted pages' stylesheet
// (Stylesheet). One path for every site: the pages are themed by CSS
// custom properties (see pages.css), not by copies of the sheet.
const StylesheetPath = "/oidc/op/v1.0/pages.css"

// Stylesheet serves the hosted pages' stylesheet.
func Stylesheet() http.Handler { return stylesheet }

// StaticFile serves data, the file name of type contentType, as the hosted
// pages' stylesheet is served: cached for a day, its ETag version, which
// changes with data; a link to it carries ?v=version, so that a browser's
// cached copy never outlives it.
func StaticFile(name, contentType string, data []byte) (h http.Handler, version string) {
	sum := sha256.Sum256(data)
	version = hex.EncodeToString(sum[:8])
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", `"`+version+`"`)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
	}), version
}

// StylesheetHref is the link to the stylesheet of the hosted pages,
// versioned by its content: custos's other pages (the email verification,
// password reset and hosted login pages) link it too, so that all of them
// look alike and one site theme styles them all.
func StylesheetHref() string { return StylesheetPath + "?v=" + pagesCSSVersion }

// ThemeHref is the link to a site's own stylesheet (oauth.Config's
// Stylesheet, served by the site's provider), versioned by its content; ""
// when css is empty.
func ThemeHref(apiKey, css string) string { return themePath(apiKey, css) }

// themePath is the path of the site's own stylesheet (oauth.Config's
// Stylesheet), versioned by its content; "" when the site has none.
func themePath(apiKey, css string) string {
	if css == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(css))
	return "/oidc/op/v1.0/" + url.PathEscape(apiKey) + pathTheme + "?v=" + hex.EncodeToString(sum[:8])
}

// theme serves the site's stylesheet: text/css from custos's origin, which
// the pages' CSP (style-src 'self') lets them load, and nothing it names.
func (p *Provider) theme(w http.ResponseWriter, r *http.Request) {
	st := callOf(r.Context()).site
	cfg, err := p.o.OAuth.Config(r.Context(), st.ID)
	if err == nil && cfg.Stylesheet == "" {
		err = errNotFound
	}
	if err != nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		p.fail(w, r, false, cmp.Or(err, errNotFound))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'")
	http.ServeContent(w, r, "theme.css", time.Time{}, strings.NewReader(cfg.Stylesheet))
}

// pagesPath is the path of a page of the site's provider.
func pagesPath(apiKey, page, authRequestID string) string {
	return "/oidc/op/v1.0/" + url.PathEscape(apiKey) + "/" + page + "?context=" + url.QueryEscape(authRequestID)
}

// view is what a page template shows.
type view struct {
	Title, SiteName, ClientName, Stylesheet string
	// Lang is the page's language, "" for English (FrameTemplates).
	Lang string
	// Theme is the site's own stylesheet, after custos's; "" for none.
	Theme    string
	Problems []shownProblem
	// Action and CSRF are a form's; binding is what its token is bound to.
	Action, CSRF string
	binding      csrfBinding

	// The login form: the login ID shown again, its label and input type,
	// the field to focus, the problems of each field.
	LoginID, LoginIDLabel, LoginIDType, Focus string
	LoginIDProblem, PasswordProblem           *pageProblem

	// The consent form: the scopes in words, who is logged in.
	Scopes []string
	Who    string

	// The error page.
	Text    string
	Code    errcode.Code
	Message string
}

// shownProblem is a problem in the summary, linked to its field.
type shownProblem struct {
	pageProblem
	Anchor string
}

func baseView(req Request, title string) view {
	client := req.Client.Name
	if client == "" {
		client = "the application"
	}
	return view{Title: title, SiteName: req.Site.Name, ClientName: client,
		Stylesheet: StylesheetPath + "?v=" + pagesCSSVersion, Theme: themePath(req.Site.APIKey, req.Config.Stylesheet)}
}

func loginView(req Request) view {
	v := baseView(req, "Log in")
	v.Action = pagesPath(req.Site.APIKey, "login", req.Auth.ID)
	v.binding = csrfBinding{Purpose: "login", APIKey: req.Site.APIKey, Request: req.Auth.ID}
	v.Focus = fieldLoginID
	opts := req.Site.Policies.AccountOptions
	switch {
	case opts.AllowsEmail() && opts.AllowsUsername():
		v.LoginIDLabel, v.LoginIDType = "Email or username", "text"
	case opts.AllowsUsername():
		v.LoginIDLabel, v.LoginIDType = "Username", "text"
	default:
		v.LoginIDLabel, v.LoginIDType = "Email", "email"
	}
	return v
}

func consentView(req Request) view {
	v := baseView(req, "Allow access")
	v.Action = pagesPath(req.Site.APIKey, "consent", req.Auth.ID)
	v.binding = csrfBinding{Purpose: "consent", APIKey: req.Site.APIKey, Request: req.Auth.ID}
	v.Scopes = scopeList(req.Auth.Scopes, req.Config, req.Site.Name, v.ClientName)
	return v
}

// with adds prob to the form: to the summary, linked to its field (the
// form's first control when it concerns the form as a whole), and to the
// field itself, which takes the focus.
func (v view) with(prob pageProblem) view {
	anchor := prob.Field
	switch {
	case anchor == "" && v.LoginIDType != "":
		anchor = fieldLoginID
	case anchor == "":
		anchor = "decision"
	}
	v.Problems = append(v.Problems, shownProblem{prob, anchor})
	switch prob.Field {
	case fieldLoginID:
		v.LoginIDProblem = &prob
	case fieldPassword:
		v.PasswordProblem = &prob
	}
	v.Focus = "" // the summary takes it
	return v
}

// show renders the page named tmpl with a fresh token for its form.
func (p *HostedPages) show(w http.ResponseWriter, r *http.Request, req Request, status int, tmpl string, v view) {
	cookie, set := csrfCookieValue(r, req.Secure)
	if len(req.CSRFKey) == 0 {
		// No key, no form: a post could never be checked.
		p.log.Error("oidc pages: no CSRF key", "call_id", callctx.From(r.Context()).ID)
		p.fail(w, r, req, brokenPage)
		return
	}
	if len(v.Problems) > 0 {
		callctx.From(r.Context()).ErrorCode = v.Problems[0].Code
	}
	v.CSRF = csrfToken(req.CSRFKey, v.binding, cookie)
	if set {
		http.SetCookie(w, csrfCookie(cookie, req.Secure))
	}
	p.render(w, r, req, status, tmpl, v)
}

// errorView is an error page: what went wrong, what to do, the code.
type errorView struct {
	Title, Text string
	Code        errcode.Code
}

// fail answers the error page e with the HTTP status of its catalog entry.
func (p *HostedPages) fail(w http.ResponseWriter, r *http.Request, req Request, e errorView) {
	callctx.From(r.Context()).ErrorCode = e.Code
	entry := (&errcode.Error{Code: e.Code}).Entry()
	v := baseView(req, e.Title)
	v.Text, v.Code, v.Message = e.Text, e.Code, entry.Message
	p.render(w, r, req, entry.Status, "error", v)
}

func (p *HostedPages) render(w http.ResponseWriter, r *http.Request, req Request, status int, tmpl string, v view) {
	var b bytes.Buffer
	if err := pagesTmpl.ExecuteTemplate(&b, tmpl, v); err != nil {
		p.log.Error("oidc pages: render", "call_id", callctx.From(r.Context()).ID, "page", tmpl, "err", err)
		status, b = http.StatusInternalServerError, *bytes.NewBufferString("Something went wrong.\n")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the URL holds the request's context
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", pageCSP(req.Auth.RedirectURI))
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// pageCSP is the pages' Content-Security-Policy: nothing but the
// stylesheet of this origin, no framing, no <base>, and forms posted to
// this origin only. Browsers apply form-action to the redirects that answer
// a form too, and the answer to these forms is at last a redirect to the
// client's redirect_uri (registered, matched exactly): its origin is
// allowed as well, else the browser would refuse the final redirect.
func pageCSP(redirectURI string) string {
	formAction := "'self'"
	if src := cspSource(redirectURI); src != "" {
		formAction += " " + src
	}
	return "default-src 'none'; style-src 'self'; form-action " + formAction +
		"; frame-ancestors 'none'; base-uri 'none'"
}

var (
	cspOrigin = regexp.MustCompile(`^https?://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$`)
	cspScheme = regexp.MustCompile(`^[a-z][a-z0-9+.-]*:$`)
)

// cspSource is the CSP source expression of a redirect URI: its origin for
// http(s), its scheme for a native app's private-use scheme; "" for
// anything that would not be a plain, safe expression.
func cspSource(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "http" || scheme == "https" {
		if src := scheme + "://" + strings.ToLower(u.Host); cspOrigin.MatchString(src) {
			return src
		}
		return ""
	}
	if cspScheme.MatchString(scheme+":") && scheme != "javascript" && scheme != "data" {
		return scheme + ":"
	}
	return ""
}
