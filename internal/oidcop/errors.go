package oidcop

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/site"
)

// The adapter's own conditions.
var (
	errNotFound       = errors.New("oidcop: no such endpoint")
	errMalformedAuth  = errors.New("oidcop: malformed Authorization header")
	errUnknownClient  = errors.New("oidcop: unknown client_id")
	errUnknownContext = errors.New("oidcop: unknown or expired context")
	errOtherBrowser   = errors.New("oidcop: the authorization request was started in another browser")
	errServer         = errors.New("oidcop: server fault")
	errRateLimited    = errors.New("oidcop: rate limit exceeded")
)

// rule is a line of the error table: the first rule whose condition (the
// domain's, met by the storage), RFC error and description fragment all
// match (empty matches anything) gives the catalog code.
type rule struct {
	cond error
	rfc  string
	desc string
	code errcode.Code
}

// table maps the provider's failures to the catalog. The op package
// reports protocol failures as RFC 6749 errors with its own descriptions;
// the storage notes the domain condition behind them.
var table = []rule{
	{cond: errServer, code: errcode.GeneralServerError},
	{cond: errMalformedAuth, code: errcode.InvalidAuthenticationHeader},
	{cond: errRateLimited, code: errcode.APIRateLimitExceeded},
	{cond: site.ErrNotFound, code: errcode.InvalidAPIKey},
	{cond: errNotFound, code: errcode.NotFound},
	{cond: errUnknownContext, code: errcode.InvalidParameterValue},
	{cond: errOtherBrowser, code: errcode.Forbidden},
	{cond: oauth.ErrInvalid, code: errcode.InvalidParameterValue},
	{rfc: string(oidc.InvalidGrant), cond: oauth.ErrCodeExpired, code: errcode.CodeExpired},
	{rfc: string(oidc.InvalidGrant), code: errcode.InvalidGrant},
	{rfc: "invalid_token", code: errcode.InvalidToken},
	{rfc: string(oidc.InvalidClient), code: errcode.InvalidSecret},
	{cond: errUnknownClient, code: errcode.InvalidParameterValue},
	{rfc: string(oidc.UnsupportedGrantType), code: errcode.UnsupportedGrantType},
	{cond: oauth.ErrWrongClient, code: errcode.PermissionDenied},
	{rfc: "unsupported_response_type", code: errcode.InvalidResponseType},
	{rfc: string(oidc.UnauthorizedClient), desc: "response type", code: errcode.InvalidResponseType},
	{rfc: string(oidc.UnauthorizedClient), code: errcode.UnsupportedGrantType},
	{desc: "redirect_uri", code: errcode.InvalidRedirectURI},
	{desc: "missing", code: errcode.MissingRequiredParameter},
	{desc: "required", code: errcode.MissingRequiredParameter},
	{desc: "response type", code: errcode.InvalidResponseType},
	{rfc: string(oidc.ServerError), code: errcode.GeneralServerError},
	{rfc: string(oidc.AccessDenied), code: errcode.PermissionDenied},
	{code: errcode.InvalidParameterValue},
}

// failure is a failed request to the provider in both vocabularies.
type failure struct {
	rfc, desc string
	status    int // the HTTP status of a JSON answer
	code      errcode.Code
}

func classify(cond error, rfc, desc string) errcode.Code {
	low := strings.ToLower(desc)
	for _, r := range table {
		if (r.cond == nil || errors.Is(cond, r.cond)) && (r.rfc == "" || r.rfc == rfc) &&
			(r.desc == "" || strings.Contains(low, r.desc)) {
			return r.code
		}
	}
	return errcode.InvalidParameterValue
}

// note records the first condition a storage method met during the call;
// an error that is not a condition of the domain is a server fault.
func note(ctx interface{ Value(any) any }, err error) error {
	c, _ := ctx.Value(callKey{}).(*call)
	var protocol *oidc.Error
	if c == nil || c.cond != nil || err == nil || errors.As(err, &protocol) {
		return err
	}
	switch {
	case errors.Is(err, oauth.ErrNotFound), errors.Is(err, oauth.ErrExpired), errors.Is(err, oauth.ErrCodeExpired),
		errors.Is(err, oauth.ErrReused), errors.Is(err, oauth.ErrWrongClient), errors.Is(err, oauth.ErrRevoked),
		errors.Is(err, errUnknownClient), errors.Is(err, errUnknownContext), errors.Is(err, errOtherBrowser), errors.Is(err, errNotFound), errors.Is(err, oauth.ErrInvalid),
		errors.Is(err, oauth.ErrPending), errors.Is(err, account.ErrNotFound), errors.Is(err, account.ErrDisabled):
		c.cond = err
	default:
		c.cond = fmt.Errorf("%w: %w", errServer, err)
	}
	return err
}

// params are the wire names of the domain's attributes.
var params = map[string]string{
	oauth.AttrRedirectURI: "redirect_uri", oauth.AttrResponseType: "response_type", oauth.AttrResponseMode: "response_mode",
	oauth.AttrState: "state", oauth.AttrNonce: "nonce", oauth.AttrCodeChallenge: "code_challenge",
	oauth.AttrCodeChallengeMethod: "code_challenge_method", oauth.AttrPrompt: "prompt", oauth.AttrMaxAge: "max_age",
	oauth.AttrACRValues: "acr_values", oauth.AttrLoginHint: "login_hint", oauth.AttrUILocales: "ui_locales",
	oauth.AttrScopes: "scope", oauth.AttrCode: "code",
}

// protocolError is a value the domain refused, as the op package answers
// it: invalid_request naming the parameter.
func protocolError(err error) error {
	var ie *oauth.InvalidError
	if !errors.As(err, &ie) {
		return err
	}
	name := params[ie.Attr]
	if name == "" {
		name = ie.Attr
	}
	// RFC 6749 4.1.2.1 keeps quotes and backslashes out of error_description.
	reason := strings.NewReplacer(`"`, "'", `\`, "/").Replace(ie.Reason)
	return oidc.ErrInvalidRequest().WithDescription("Invalid parameter value: %s: %s", name, reason).WithParent(err)
}

// opError reads an error the op package wrote (a JSON RFC 6749 error, or
// text from http.Error) together with the condition the storage noted.
func (p *Provider) opError(r *http.Request, status int, body []byte) failure {
	c := callOf(r.Context())
	f := failure{status: status}
	var e struct {
		Error string `json:"error"`
		Desc  string `json:"error_description"`
	}
	text := strings.TrimSpace(string(body))
	switch {
	case json.Unmarshal(body, &e) == nil && e.Error != "":
		f.rfc, f.desc = e.Error, e.Desc
	case strings.HasPrefix(text, "ErrorType="):
		t, d, _ := strings.Cut(strings.TrimPrefix(text, "ErrorType="), " Description=")
		t, _, _ = strings.Cut(t, " ")
		d, _, _ = strings.Cut(d, " Parent=")
		f.rfc, f.desc = t, d
	case c.endpoint == pathUserinfo:
		f.rfc, f.desc, f.status = "invalid_token", "The access token is missing or not valid.", http.StatusUnauthorized
	case c.endpoint == pathIntrospect:
		f.rfc, f.desc = string(oidc.InvalidClient), text
	default:
		f.rfc, f.desc = string(oidc.InvalidRequest), text
	}
	if c.endpoint == pathIntrospect && f.status == http.StatusUnauthorized {
		// The op package calls a wrong secret here unauthorized_client.
		f.rfc = string(oidc.InvalidClient)
	}
	if errors.Is(c.cond, errServer) {
		f.rfc, f.status = string(oidc.ServerError), http.StatusInternalServerError
		f.desc = "The server could not answer; try again later."
		p.o.Log.Error("oidcop", "call_id", callctx.From(r.Context()).ID, "path", c.endpoint, "err", c.cond)
	}
	f.code = classify(c.cond, f.rfc, f.desc)
	return f
}

// fail answers a failure found before the op package was called.
func (p *Provider) fail(w http.ResponseWriter, r *http.Request, isBrowser bool, err error) {
	if !errors.Is(err, site.ErrNotFound) && !errors.Is(err, errNotFound) && !errors.Is(err, errMalformedAuth) &&
		!errors.Is(err, errRateLimited) {
		err = fmt.Errorf("%w: %w", errServer, err)
		p.o.Log.Error("oidcop", "call_id", callctx.From(r.Context()).ID, "err", err)
	}
	callOf(r.Context()).cond = err
	f := failure{rfc: string(oidc.InvalidRequest), code: classify(err, "", "")}
	entry, _ := errcode.Lookup(f.code)
	f.status, f.desc = entry.Status, entry.Message
	switch {
	case errors.Is(err, errServer):
		f.rfc = string(oidc.ServerError)
	case errors.Is(err, errRateLimited):
		// RFC 6749 4.1.2.1's word for "try again later"; Retry-After
		// says when.
		f.rfc = "temporarily_unavailable"
		f.desc = "Too many requests: retry later."
	}
	if isBrowser {
		p.errorPage(w, r, f)
		return
	}
	p.jsonError(w, r, f.status, f)
}

// jsonError writes f as the provider's JSON error: RFC 6749's members and
// the catalog's code and message.
func (p *Provider) jsonError(w http.ResponseWriter, r *http.Request, status int, f failure) {
	entry, _ := errcode.Lookup(f.code)
	callctx.From(r.Context()).ErrorCode = f.code
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	if f.rfc == "invalid_token" {
		h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	if c := callOf(r.Context()); status == http.StatusUnauthorized && f.rfc == string(oidc.InvalidClient) && c.basic {
		// RFC 6749 5.2: a client that sent Basic credentials is told the
		// scheme again.
		h.Set("WWW-Authenticate", `Basic realm="`+p.issuer(c.site.APIKey)+`"`)
	}
	callctx.From(r.Context()).SetRetryAfter(h)
	w.WriteHeader(status)
	if f.desc == "" {
		f.desc = entry.Message
	}
	json.NewEncoder(w).Encode(map[string]any{"error": f.rfc, "error_description": f.desc,
		"errorCode": f.code, "errorMessage": entry.Message})
}

// pageTexts say what to do about the conditions a browser may meet.
var pageTexts = map[error]string{
	errUnknownContext: "This sign-in has expired or is already complete. Go back to the application you came from and start again.",
	errOtherBrowser: "This sign-in was started in another browser, or this browser has lost its cookie. " +
		"Go back to the application you came from and start again in this browser.",
}

// errorPage answers a browser whose request cannot go back to the client
// (unknown client, unregistered redirect_uri, unknown context): the
// hosted pages' error page with the catalog's code, message and status,
// never a redirect. Headers set before the failure go, but not the
// cookies: a cookie set before is the truth about the browser (a session
// opened, a binding cookie for a request that exists), and dropping it
// would strand what it stands for.
func (p *Provider) errorPage(w http.ResponseWriter, r *http.Request, f failure) {
	entry, _ := errcode.Lookup(f.code)
	callctx.From(r.Context()).ErrorCode = f.code
	h := w.Header()
	for k := range h {
		if k != "Set-Cookie" {
			delete(h, k)
		}
	}
	text := f.desc
	if text == "" || text == entry.Message {
		text = "The application that sent you here made a request this server cannot accept."
	}
	for cond, t := range pageTexts {
		if errors.Is(callOf(r.Context()).cond, cond) {
			text = t
		}
	}
	v := view{Title: entry.Message, SiteName: callOf(r.Context()).site.Name, Stylesheet: StylesheetPath + "?v=" + pagesCSSVersion,
		Text: text, Code: f.code, Message: entry.Message}
	var b bytes.Buffer
	if err := pagesTmpl.ExecuteTemplate(&b, "error", v); err != nil {
		p.o.Log.Error("oidcop: error page", "call_id", callctx.From(r.Context()).ID, "err", err)
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", errorPageCSP)
	callctx.From(r.Context()).SetRetryAfter(h)
	w.WriteHeader(entry.Status)
	w.Write(b.Bytes())
}

// errorPageCSP is the error page's Content-Security-Policy: the pages'
// stylesheet and nothing else.
const errorPageCSP = "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var loggedOutTmpl = template.Must(template.New("out").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Logged out</title></head>
<body><main><h1>Logged out</h1><p>You are logged out of {{.}}. You can close this page.</p></main></body></html>
`))

// loggedOut is where end_session leaves a browser that has no relying
// party to go back to.
func loggedOut(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	loggedOutTmpl.Execute(w, callOf(r.Context()).site.Name)
}

// pageError is a condition as the error page shows it.
func (p *Provider) pageError(w http.ResponseWriter, r *http.Request, err error) {
	note(r.Context(), err)
	c := callOf(r.Context())
	f := failure{rfc: string(oidc.InvalidRequest), desc: "", code: classify(c.cond, "", "")}
	var oe *oidc.Error
	if errors.As(err, &oe) {
		f.rfc, f.desc = string(oe.ErrorType), oe.Description
		f.code = classify(c.cond, f.rfc, f.desc)
	}
	if errors.Is(c.cond, errServer) {
		p.o.Log.Error("oidcop", "call_id", callctx.From(r.Context()).ID, "path", c.endpoint, "err", c.cond)
		f.code = errcode.GeneralServerError
	}
	p.errorPage(w, r, f)
}

// checkAuthorization refuses an Authorization header of the wrong form:
// Basic credentials at the endpoints that authenticate clients, a Bearer
// token at userinfo.
func checkAuthorization(r *http.Request, endpoint string) error {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil
	}
	scheme, cred, _ := strings.Cut(h, " ")
	switch endpoint {
	case pathToken, pathIntrospect, pathRevoke:
		raw, err := base64.StdEncoding.DecodeString(cred)
		if !strings.EqualFold(scheme, "Basic") || err != nil || !bytes.Contains(raw, []byte(":")) {
			return errMalformedAuth
		}
	case pathUserinfo:
		if !strings.EqualFold(scheme, "Bearer") || cred == "" || strings.ContainsAny(cred, " \t") {
			return errMalformedAuth
		}
	}
	return nil
}

// bufferedErrors passes a successful answer of the op package through and
// holds back an error (status 400 and up), to be written again by the
// error table.
type bufferedErrors struct {
	w      http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (b *bufferedErrors) Header() http.Header { return b.w.Header() }

func (b *bufferedErrors) WriteHeader(status int) {
	if b.status != 0 {
		return
	}
	b.status = status
	if status < 400 {
		b.w.WriteHeader(status)
	}
}

func (b *bufferedErrors) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.WriteHeader(http.StatusOK)
	}
	if b.status >= 400 {
		return b.buf.Write(p)
	}
	return b.w.Write(p)
}

// finish hands a held-back error to rewrite.
func (b *bufferedErrors) finish(rewrite func(status int, body []byte)) {
	if b.status >= 400 {
		h := b.w.Header()
		for _, k := range []string{"Content-Type", "Content-Length", "X-Content-Type-Options"} {
			h.Del(k)
		}
		rewrite(b.status, b.buf.Bytes())
	}
}
