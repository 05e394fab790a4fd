// Package rpc is the RPC dialect adapter: Gigya-style GET|POST
// /<namespace>.<method> calls with query and form parameters, answered with
// the errorCode envelope.
package rpc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/ratelimit"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/weburl"
)

// Auth is the credential a method needs.
type Auth int

const (
	// APIKey methods are client-side: the site's apiKey is enough. A secret
	// may come along; it is checked, and makes the call a server call.
	APIKey Auth = iota
	// Server methods need the site secret.
	Server
	// SessionOrServer methods act on an account: the caller's own, named by
	// a session token (login_token or the session cookie), or any, named by
	// UID in a server call.
	SessionOrServer
	// SessionServerOrRegToken methods are SessionOrServer methods that a
	// client may also call with a regToken instead: the method resolves it.
	SessionServerOrRegToken
	// OAuthClient methods (socialize.getToken) authenticate an OAuth client:
	// its client_id names the site or application key, and its secret
	// comes in HTTP Basic or in parameters (oauthClient).
	OAuthClient
)

// Method is one RPC method.
type Method struct {
	Auth Auth
	// Run does the work. Its result is a struct or map whose JSON fields are
	// merged into the envelope. It may return a result with a catalog error
	// (a pending registration carries a regToken, for instance).
	Run func(ctx context.Context, c *Call) (any, error)
	// Keyless, when set, runs a call that names no site (no apiKey, no
	// oauth_token standing for one) and carries no credentials; its Call
	// has no site. Without it such a call is 400092.
	Keyless func(ctx context.Context, c *Call) (any, error)
	// Params are the parameters the method takes besides the control
	// parameters every call may carry: those it reads, and those Gigya
	// documents for it that custos accepts without acting on. Any other
	// comes back in the response's ignoredParams, as a warning.
	Params []string
	// FoldCase: Params match in any case (the import document's
	// properties do), for ignoredParams too.
	FoldCase bool
	// EndsSession: a client call's answer removes the browser's session
	// cookie whatever its outcome, also when the session it names has
	// already ended (logout), so that no HttpOnly cookie outlives a logout
	// the page asked for.
	EndsSession bool
	// Reads, when set, says what of a session's account the method reads,
	// so that its session check reads no more; without it the account is
	// read whole but for its password hash.
	Reads func(p *Params) account.Read
}

// Call is what a method receives: who calls (the site, Server, Key, and
// for a client call of a SessionOrServer method its Session and Account),
// and the parameters.
type Call struct {
	authn.Principal
	Params *Params
	// Secure tells whether the request came over HTTPS.
	Secure bool
	// cookies are set on the response.
	cookies []*http.Cookie
	// keyless: the call names no site (Method.Keyless runs it).
	keyless bool
	// maxAge is how long a successful answer may be cached; 0 is not at all.
	maxAge time.Duration
}

// SetCookie adds a cookie to the response.
func (c *Call) SetCookie(ck *http.Cookie) { c.cookies = append(c.cookies, ck) }

// CacheFor lets a successful answer be cached, by anyone, for d (whole
// seconds); answers are not cached otherwise.
func (c *Call) CacheFor(d time.Duration) { c.maxAge = d }

// Sites resolves an apiKey.
type Sites interface {
	ByAPIKey(ctx context.Context, apiKey string) (site.Site, error)
}

// Handler serves the RPC dialect.
type Handler struct {
	sites   Sites
	authn   *authn.Verifier
	methods map[string]registered
	// flows are the methods answered by a redirect (socialflow.go).
	flows map[string]flow
	now   func() time.Time
	log   *slog.Logger
	// trusted are the proxies whose X-Forwarded-Proto is believed.
	trusted []netip.Prefix
	// dataCenter names the canonical Gigya host signatures may be made for.
	dataCenter string
	limiter    *ratelimit.Limiter
	// self is custos's own origin (scheme://host[:port]), whose pages
	// call every site.
	self string
}

// Options are what a Handler needs.
type Options struct {
	Sites Sites
	// Authn checks the proofs calls carry.
	Authn *authn.Verifier
	// TrustedProxies may report HTTPS with X-Forwarded-Proto.
	TrustedProxies []netip.Prefix
	// DataCenter is the Gigya data center SDKs are configured with (us1).
	DataCenter string
	// Limiter bounds each client's request rate per site (nil: no limit).
	Limiter *ratelimit.Limiter
	// PublicURL is custos's own address: its pages (the hosted login page)
	// are pages of every site, whatever domains the site lists.
	PublicURL string
	Now       func() time.Time
	Log       *slog.Logger
}

type registered struct {
	name string
	Method
	// known are the names of Params and the control parameters.
	known map[string]bool
}

// New returns a Handler with no methods.
func New(o Options) *Handler {
	if o.DataCenter == "" {
		o.DataCenter = "us1"
	}
	return &Handler{sites: o.Sites, authn: o.Authn, methods: map[string]registered{}, flows: map[string]flow{},
		now: o.Now, log: o.Log, trusted: o.TrustedProxies, dataCenter: strings.ToLower(o.DataCenter), limiter: o.Limiter,
		self: weburl.Origin(o.PublicURL)}
}

// Register adds a method under its full name, such as "accounts.login".
// Names match case-insensitively.
func (h *Handler) Register(name string, m Method) {
	params := m.Params
	if m.FoldCase {
		for _, p := range m.Params {
			params = append(params, strings.ToLower(p))
		}
	}
	h.methods[strings.ToLower(name)] = registered{name: name, Method: m, known: knownParams(params)}
}

// ServeHTTP serves one call: any path of one segment is a method name.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := callctx.From(r.Context())
	info.Dialect, info.Method = "rpc", "unknown"
	// The query's output options hold even when the body cannot be read, so
	// that a JSONP caller hears of a bad body through its callback.
	out, _ := parseOutput(r.URL.Query())
	// ignored are the parameters the method does not take, once it is known.
	var ignored []ignoredParam
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.Error("panic", "call_id", info.ID, "method", info.Method, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			h.render(w, r, out, ignored, nil, errcode.New(errcode.GeneralServerError, "General Server Error"))
		}
	}()
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		info.Method = "preflight"
		h.preflight(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		allowSiteless(w, r)
		h.render(w, r, out, nil, nil, errcode.Newf(errcode.InvalidRequestFormat, "Invalid request format: HTTP method %s; use GET or POST", r.Method))
		return
	}
	values, err := readValues(r)
	if err != nil {
		allowSiteless(w, r)
		h.render(w, r, out, nil, nil, err)
		return
	}
	if out, err = parseOutput(values); err != nil {
		allowSiteless(w, r)
		h.render(w, r, out, nil, nil, err)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if f, ok := h.flows[strings.ToLower(name)]; ok {
		info.Method = f.name
		h.serveFlow(w, r, out, f, values)
		return
	}
	m, ok := h.methods[strings.ToLower(name)]
	if !ok {
		allowSiteless(w, r)
		h.render(w, r, out, nil, nil, errcode.Newf(errcode.InvalidAPIMethod, "Invalid API method: %.100q", name))
		return
	}
	info.Method, ignored = m.name, m.ignored(values)
	data, c, err := h.call(r, m, values)
	if c != nil && !c.keyless {
		allowCORS(w, r, c.Site)
		for _, ck := range c.cookies {
			http.SetCookie(w, ck)
		}
		out.maxAge = c.maxAge
	} else {
		allowSiteless(w, r)
		if c != nil {
			out.maxAge = c.maxAge
		}
	}
	h.render(w, r, out, ignored, data, err)
}

func (h *Handler) call(r *http.Request, m registered, values map[string][]string) (any, *Call, error) {
	c, err := h.authenticate(r, m, values)
	if err != nil {
		return nil, c, err
	}
	run := m.Run
	if c.keyless {
		run = m.Keyless
	}
	data, err := run(r.Context(), c)
	return data, c, err
}

// authenticate resolves the site and checks the credentials m needs.
func (h *Handler) authenticate(r *http.Request, m registered, values map[string][]string) (*Call, error) {
	params, err := NewParams(values)
	if err != nil {
		return nil, err
	}
	if m.Auth == OAuthClient {
		return h.oauthClient(r, m, params)
	}
	info := callctx.From(r.Context())
	apiKey, sessionToken := siteKey(params)
	var (
		st      site.Site
		tokenOf *authn.Principal // the access token's, when it named the site
	)
	switch {
	case apiKey != "":
		st, err = h.sites.ByAPIKey(r.Context(), apiKey)
	case oauth.IsGigyaToken(accessToken(r, params)):
		// An OAuth access token names its site.
		if tokenOf, err = h.authn.OAuthToken(r.Context(), site.Site{}, accessToken(r, params), info.Secure); err == nil {
			st = tokenOf.Site
		}
	default:
		return h.keyless(r, m, params, sessionToken)
	}
	if errors.Is(err, site.ErrNotFound) {
		return nil, errcode.New(errcode.InvalidAPIKey, "Invalid ApiKey parameter")
	}
	if err != nil {
		return nil, err
	}
	c := &Call{Principal: *authn.Anonymous(st), Params: params, Secure: info.Secure}
	if ok, wait := h.limiter.Allow(st.ID, info.ClientIP); !ok {
		return c, info.RateLimited(wait)
	}
	p, token, err := h.prove(r, params, st, c.Secure, sessionToken, tokenOf)
	if err != nil {
		return c, err
	}
	c.Principal = *p
	if !c.Server {
		if err := checkOrigin(r, st, h.self, m.name); err != nil {
			return c, err
		}
	}
	if m.EndsSession && !c.Server {
		c.SetCookie(session.ClearCookie(st.APIKey, c.Secure))
	}
	if !c.Allows(m.name) {
		return c, errcode.Newf(errcode.PermissionDenied, "Permission denied: the application key may not call %s", m.name)
	}
	if err := h.require(r, m, c, token); err != nil {
		return c, err
	}
	return c, nil
}

// siteKey is the API key that names the site of a call, and the session
// token the call carries in oauth_token. The apiKey parameter names the
// site. Without it, an oauth_token that is no session token is the API key:
// the server SDKs send a call without a secret as oauth_token=<apiKey> and
// no apiKey (GSRequest.sendRequest of SAP/gigya-python-sdk and of
// SAP/gigya-php-sdk, whose JWTUtils fetches the JWT keys so;
// GSRequest.SetDefaultParams of SAP/gigya-dotnet-sdk), and so does the npm
// gigya SDK for a call given oauth_token. A session token (session.IsToken)
// and an OAuth access token (oauth.IsGigyaToken) keep their meaning whether
// apiKey is sent or not.
func siteKey(p *Params) (apiKey, sessionToken string) {
	apiKey, tok := p.Get("apiKey"), p.Get("oauth_token")
	if apiKey == "" && tok != "" && !session.IsToken(tok) && !oauth.IsGigyaToken(tok) {
		return tok, ""
	}
	return apiKey, tok
}

// keyless prepares a call that names no site, for the methods that answer
// one: it must carry no credentials (none can be checked without a site).
// Its client's requests count against one rate for all such calls.
func (h *Handler) keyless(r *http.Request, m registered, p *Params, sessionToken string) (*Call, error) {
	switch {
	case sessionToken != "":
		return nil, errcode.New(errcode.MissingAPIKey, "Missing required parameter: apiKey (a session token in oauth_token does not name the site)")
	case m.Keyless == nil || p.Get("secret") != "" || p.Get("sig") != "" || p.Get("userKey") != "" || r.Header.Get("Authorization") != "":
		return nil, errcode.New(errcode.MissingAPIKey, "Missing required parameter: apiKey")
	}
	info := callctx.From(r.Context())
	c := &Call{Params: p, Secure: info.Secure, keyless: true}
	if ok, wait := h.limiter.Allow(0, info.ClientIP); !ok {
		return c, info.RateLimited(wait)
	}
	return c, nil
}

// require checks that c has what m needs; a SessionOrServer method called
// without server credentials resolves the session of token, else of
// login_token, else of the cookie.
func (h *Handler) require(r *http.Request, m registered, c *Call, token string) error {
	switch m.Auth {
	case APIKey, OAuthClient:
	case Server:
		if !c.Server {
			return errcode.Newf(errcode.PermissionDenied, "Permission denied: %s is a server call and needs the site secret", m.name)
		}
	case SessionOrServer, SessionServerOrRegToken:
		if c.Server || c.Session != nil {
			return nil
		}
		if m.Auth == SessionServerOrRegToken && c.Params.Get("regToken") != "" {
			return nil
		}
		token = cmp.Or(token, c.Params.Get("login_token"), session.FromCookie(r, c.Site.APIKey))
		if token == "" {
			return errcode.New(errcode.NoValidSession, "No valid session: log in first (the session cookie counts on POST only), or make a server call with the secret and UID")
		}
		read := account.ReadObjects
		if m.Reads != nil {
			read = m.Reads(c.Params)
		}
		p, err := h.authn.SessionReading(r.Context(), c.Site, token, read)
		if err != nil {
			return err
		}
		c.Principal = *p
	default:
		// Fail closed: a method must never run on credentials nobody checked.
		return fmt.Errorf("rpc: %s needs credentials this adapter does not check", m.name)
	}
	return nil
}

// serveFlow runs a method answered by a redirect; what fails before it
// can redirect is answered in the envelope.
func (h *Handler) serveFlow(w http.ResponseWriter, r *http.Request, out output, f flow, values map[string][]string) {
	p, err := NewParams(values)
	if err == nil {
		err = f.serve(w, r, f.name, p)
	}
	if err != nil {
		h.render(w, r, out, nil, nil, err)
	}
}
