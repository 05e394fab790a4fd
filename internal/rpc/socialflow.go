package rpc

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/social"
	"github.com/custos-id/custos/internal/weburl"
)

// The redirect flows of social login (gigya-api-2.md §5.1): a browser is
// sent to socialize.login, accounts.socialLogin or socialize.addConnection,
// which send it on to the provider; the provider sends it back to the
// callback, which logs in and sends it to the caller's redirect_uri with
// the result in the fragment. Unlike every other method these answer
// redirects, not the envelope: the envelope comes only while no
// redirect_uri is known to be the site's.

// SocialCallbackPath is where providers send the browser back to: the
// redirect URI to register with every provider, under custos's PublicURL.
const SocialCallbackPath = "/socialize.login/callback"

// SocialFlows is what the redirect flows need.
type SocialFlows struct {
	Social interface {
		Begin(ctx context.Context, siteID int64, provider string, callbackURL string, ret social.Return) (string, error)
		Complete(ctx context.Context, state, code, providerError string) (int64, social.Return, account.Identity, error)
		Providers(ctx context.Context, siteID int64) ([]social.Provider, error)
		RedirectURIRegistered(ctx context.Context, siteID int64, uri string) (bool, error)
	}
	Accounts *account.Service
	Sites    interface {
		ByID(ctx context.Context, id int64) (site.Site, error)
	}
	// Codes mints the codes of response_type=code, which
	// socialize.getToken exchanges.
	Codes *oauth.GigyaTokens
	// PublicURL is custos's own address, where the callback is.
	PublicURL string
	Now       func() time.Time
}

// RegisterSocialFlows adds socialize.login, accounts.socialLogin and
// socialize.addConnection, and returns the callback's handler, to be
// served at SocialCallbackPath.
func RegisterSocialFlows(h *Handler, x SocialFlows) http.Handler {
	if x.Now == nil {
		x.Now = time.Now
	}
	f := &socialFlow{h: h, x: x, callback: strings.TrimSuffix(x.PublicURL, "/") + SocialCallbackPath}
	for _, name := range []string{"socialize.login", "accounts.socialLogin", "socialize.addConnection"} {
		h.flows[strings.ToLower(name)] = flow{name: name, serve: f.begin}
	}
	h.Register("socialize.getAvailableProviders", Method{Auth: APIKey, Run: f.availableProviders, Params: []string{
		// accepted:
		"requiredCapabilities", "enabledProviders", "disabledProviders"}})
	return http.HandlerFunc(f.complete)
}

// availableProviders answers the names of the site's enabled providers, in
// its order, for login buttons (the Web SDK's social-login widget): public,
// as the buttons are. custos's answer: providers, an array of {name,
// preset}.
func (f *socialFlow) availableProviders(ctx context.Context, c *Call) (any, error) {
	ps, err := f.x.Social.Providers(ctx, c.Site.ID)
	if err != nil {
		return nil, err
	}
	out := []obj{}
	for _, p := range ps {
		if p.Enabled {
			out = append(out, obj{"name": p.Name, "preset": p.Preset})
		}
	}
	c.CacheFor(availableProvidersMaxAge)
	return obj{"providers": out}, nil
}

// availableProvidersMaxAge is how long browsers may keep the list.
const availableProvidersMaxAge = 30 * time.Second

// flow is a method answered by a redirect.
type flow struct {
	name  string
	serve func(w http.ResponseWriter, r *http.Request, name string, p *Params) error
}

type socialFlow struct {
	h        *Handler
	x        SocialFlows
	callback string
}

// Limits of what a flow keeps.
const (
	maxClientState = 1024
	maxRedirectURI = 2048
)

// browserCookiePrefix names the cookie that binds a flow to the browser
// that began it: its value's hash is kept with the attempt, and its name
// comes from the state, so that flows in two tabs do not meet.
const browserCookiePrefix = "custos_sl_"

// begin starts a flow: the envelope for what fails before the redirect_uri
// is known to be the site's, a redirect with the error in the fragment
// after, and a redirect to the provider when all is well.
func (f *socialFlow) begin(w http.ResponseWriter, r *http.Request, name string, p *Params) error {
	ctx := r.Context()
	info := callctx.From(ctx)
	apiKey := cmp.Or(p.Get("client_id"), p.Get("apiKey"))
	if apiKey == "" {
		return errcode.New(errcode.MissingAPIKey, "Missing required parameter: client_id (the apiKey)")
	}
	st, err := f.h.sites.ByAPIKey(ctx, apiKey)
	if errors.Is(err, site.ErrNotFound) {
		return errcode.New(errcode.InvalidAPIKey, "Invalid ApiKey parameter: client_id names no site")
	}
	if err != nil {
		return err
	}
	if ok, wait := f.h.limiter.Allow(st.ID, info.ClientIP); !ok {
		return info.RateLimited(wait)
	}
	redirect, err := f.redirectURI(ctx, st, p.Get("redirect_uri"))
	if err != nil {
		return err
	}
	ret := social.Return{Method: name, RedirectURI: redirect, ClientState: p.Get("state"), Finalize: true,
		Extra: map[string]string{}}
	fail := func(err error) error {
		f.redirectError(w, r, ret, cmp.Or(p.Get("x_provider"), p.Get("provider")), err)
		return nil
	}
	if len(ret.ClientState) > maxClientState {
		return fail(errcode.InvalidValue("state", "longer than "+strconv.Itoa(maxClientState)+" bytes"))
	}
	switch ret.ResponseType = cmp.Or(p.Get("response_type"), "token"); ret.ResponseType {
	case "token", "code":
	default:
		return fail(errcode.Newf(errcode.InvalidResponseType, "Invalid response type: %.40q; want token or code", ret.ResponseType))
	}
	provider := cmp.Or(p.Get("x_provider"), p.Get("provider"))
	if provider == "" {
		return fail(errcode.New(errcode.MissingRequiredProviderParameter, "Missing required provider parameter: x_provider"))
	}
	ret.LoginMode = cmp.Or(p.Get("x_loginMode"), p.Get("loginMode"), string(account.LoginStandard))
	if name == "socialize.addConnection" {
		ret.LoginMode = string(account.LoginConnect)
	}
	switch account.LoginMode(ret.LoginMode) {
	case account.LoginStandard:
	case account.LoginLink:
		rt := cmp.Or(p.Get("x_regToken"), p.Get("regToken"))
		if rt == "" {
			return fail(errcode.Missing("regToken"))
		}
		// The attempt keeps the regToken's hash only, never the token.
		ret.RegToken = hashHex(rt)
	case account.LoginConnect:
		a, sid, err := f.caller(r, st, p)
		if err != nil {
			return fail(err)
		}
		ret.AccountID, ret.Extra["session"] = a, strconv.FormatInt(sid, 10)
	default:
		return fail(errcode.InvalidValue("loginMode", "want standard, connect or link"))
	}
	if v := cmp.Or(p.Get("x_finalizeRegistration"), p.Get("finalizeRegistration")); v != "" {
		if ret.Finalize, err = parseBool("finalizeRegistration", v); err != nil {
			return fail(err)
		}
	}
	if v := cmp.Or(p.Get("x_sessionExpiration"), p.Get("x_session_expiration"), p.Get("sessionExpiration")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fail(errcode.InvalidFormat("x_sessionExpiration", "not an integer"))
		}
		ret.SessionExpiration = &n
	}
	switch v := p.Get("x_secret_type"); v {
	case "":
	case "oauth1":
		ret.Extra["mobile"] = "1"
	default:
		return fail(errcode.InvalidValue("x_secret_type", "want oauth1 or nothing"))
	}
	ret.Extra["provider"] = provider
	// The browser that begins the flow is the one that may end it.
	binding := randomToken()
	ret.Extra["browser"] = hashHex(binding)
	authURL, err := f.x.Social.Begin(ctx, st.ID, provider, f.callback, ret)
	if err != nil {
		return fail(err)
	}
	u, err := url.Parse(authURL)
	if err != nil {
		return err
	}
	http.SetCookie(w, bindingCookie(browserCookie(u.Query().Get("state")), binding,
		int(social.AttemptLifetime/time.Second), info.Secure))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, authURL, http.StatusFound)
	return nil
}

// caller is the account and session the call carries: login_token or
// oauth_token, or the session cookie on a POST.
func (f *socialFlow) caller(r *http.Request, st site.Site, p *Params) (int64, int64, error) {
	tok := cmp.Or(p.Get("login_token"), p.Get("oauth_token"), session.FromCookie(r, st.APIKey))
	if tok == "" {
		return 0, 0, errcode.New(errcode.NoValidSession, "No valid session: socialize.addConnection and loginMode=connect need the session of the account to connect to (login_token)")
	}
	pr, err := f.h.authn.SessionReading(r.Context(), st, tok, account.ReadObjects)
	if err != nil {
		return 0, 0, err
	}
	return pr.Account.ID, pr.Session.ID, nil
}

// redirectURI checks where a flow may end: exactly one of the site's
// registered redirect URIs (social.Service.SetRedirectURIs: over HTTPS but
// on loopback hosts), or custos's own completion page (the Web SDK's popup)
// for one of the site's origins. Anything else could be an open redirect.
func (f *socialFlow) redirectURI(ctx context.Context, st site.Site, v string) (string, error) {
	if v == "" {
		return "", errcode.Missing("redirect_uri")
	}
	bad := func(why string) error {
		return errcode.Newf(errcode.InvalidRedirectURI, "Invalid redirect URI: %s", why)
	}
	u, err := url.Parse(v)
	switch {
	case len(v) > maxRedirectURI:
		return "", bad("longer than " + strconv.Itoa(maxRedirectURI) + " bytes")
	case err != nil || u.Host == "" || u.User != nil || u.Scheme != "https" && u.Scheme != "http":
		return "", bad("not an absolute http(s) URL")
	case u.Fragment != "" || strings.Contains(v, "#"):
		return "", bad("it has a fragment; the result comes in the fragment")
	case f.h.self != "" && weburl.Origin(v) == f.h.self:
		// Of custos's pages only the completion page, for this site and
		// one of its origins: the page hands the result to that origin.
		q := u.Query()
		if u.Path != SocialDonePath || q.Get("apiKey") != st.APIKey {
			return "", bad("of custos's pages only " + SocialDonePath + " with the site's apiKey")
		}
		if _, err := checkOpener(st, f.h.self, q.Get("origin")); err != nil {
			return "", bad(SocialDonePath + ": " + err.Error())
		}
		return v, nil
	case u.Scheme == "http" && !loopbackHost(u.Hostname()):
		return "", bad("plain http is for loopback hosts only")
	}
	// Anything else only when registered, exactly: a URL on the site's
	// domain with another path could be an open redirect of the site, which
	// browsers follow with the fragment (the session token) kept.
	ok, err := f.x.Social.RedirectURIRegistered(ctx, st.ID, v)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", bad("not one of the site's registered redirect URIs (accounts.social.setRedirectURIs)")
	}
	return v, nil
}

func loopbackHost(h string) bool {
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// complete is the callback: the provider's answer ends the attempt, the
// identity logs in, and the browser goes to the flow's redirect_uri.
func (f *socialFlow) complete(w http.ResponseWriter, r *http.Request) {
	info := callctx.From(r.Context())
	info.Dialect, info.Method = "rpc", "socialize.login/callback"
	out, _ := parseOutput(nil)
	// The provider answers with a GET, or a POST (response_mode=form_post).
	q, err := readValues(r)
	if err != nil {
		f.h.render(w, r, out, nil, nil, err)
		return
	}
	state := q.Get("state")
	ck, err := r.Cookie(browserCookie(state))
	if state == "" || err != nil {
		// Not this browser's flow (or no flow at all): the attempt is left
		// for the browser that began it.
		f.h.render(w, r, out, nil, nil, &account.Error{Err: social.ErrState, Args: []any{""}})
		return
	}
	http.SetCookie(w, bindingCookie(ck.Name, "", -1, info.Secure))
	ctx := r.Context()
	siteID, ret, id, err := f.x.Social.Complete(ctx, state, q.Get("code"), q.Get("error"))
	if siteID == 0 {
		if err == nil {
			err = errors.New("social: a completed flow without a site")
		}
		f.h.render(w, r, out, nil, nil, err)
		return
	}
	provider := cmp.Or(id.Provider, ret.Extra["provider"])
	if subtle.ConstantTimeCompare([]byte(hashHex(ck.Value)), []byte(ret.Extra["browser"])) != 1 {
		err = &account.Error{Err: social.ErrState, Args: []any{""}}
	}
	if err != nil {
		f.redirectError(w, r, ret, provider, err)
		return
	}
	st, err := f.x.Sites.ByID(ctx, siteID)
	if err != nil {
		f.redirectError(w, r, ret, provider, err)
		return
	}
	so := account.SessionOptions{Expiration: ret.SessionExpiration, Mobile: ret.Extra["mobile"] != ""}
	res, err := f.x.Accounts.SocialLogin(ctx, st, account.SocialInput{Identity: id,
		Mode: account.LoginMode(ret.LoginMode), RegTokenHash: flowRegTokenHash(ret), Session: so,
		AccountID: ret.AccountID, Finalize: ret.Finalize, ClientIP: info.ClientIP, Browser: f.linkBinding(w, r),
		Caller: account.Caller{Session: flowSession(ret)}})
	if ret.LoginMode == string(account.LoginConnect) && errors.Is(err, account.ErrSessionUnknown) {
		err = errcode.New(errcode.NoValidSession, "No valid session: the session that began the connection ended")
	}
	if err != nil {
		f.redirectErrorResult(w, r, ret, id.Provider, res, err)
		return
	}
	v := url.Values{"status": {"ok"}}
	switch {
	case ret.LoginMode == string(account.LoginConnect):
		// The identity joined the caller's account; its session goes on.
	case ret.ResponseType == "code":
		code, err := f.x.Codes.IssueCode(ctx, st.ID, res.Account.ID, ret.RedirectURI)
		if err != nil {
			f.redirectError(w, r, ret, id.Provider, err)
			return
		}
		// The site's server gets its own token for the code: the session
		// of this login is not handed out.
		if res.Session != nil {
			if err := f.x.Accounts.Logout(ctx, res.Session.Session); err != nil {
				f.h.log.Error("social: ending the session of a code flow", "call_id", info.ID, "err", err)
			}
		}
		v.Set("code", code)
	case res.Session != nil:
		v.Set("access_token", res.Session.Token)
		if res.Session.Secret != "" {
			v.Set("x_access_token_secret", res.Session.Secret)
		}
		if e := session.ExpiresIn(res.Session.Session, f.x.Now()); e != "0" {
			v.Set("expires_in", e)
		}
	}
	v.Set("provider", id.Provider)
	if ret.ClientState != "" {
		v.Set("state", ret.ClientState)
	}
	redirectFragment(w, r, ret.RedirectURI, v)
}

// redirectError sends the browser to the flow's redirect_uri with err.
func (f *socialFlow) redirectError(w http.ResponseWriter, r *http.Request, ret social.Return, provider string, err error) {
	f.redirectErrorResult(w, r, ret, provider, account.Result{}, err)
}

// redirectErrorResult is redirectError with the result of a login that
// failed: its regToken (a pending registration, a conflict to link)
// continues it.
func (f *socialFlow) redirectErrorResult(w http.ResponseWriter, r *http.Request, ret social.Return, provider string, res account.Result, err error) {
	e := callctx.Fail(r.Context(), f.h.log, errorTable.Render(err))
	ent := e.Entry()
	v := url.Values{
		"error_code":        {strconv.Itoa(int(ent.Code))},
		"error_description": {strconv.Itoa(int(ent.Code)) + " - " + ent.Message},
	}
	if d := e.Description(); d != "" && d != ent.Message {
		v.Set("errorDetails", d)
	}
	if res.RegToken != "" {
		v.Set("regToken", res.RegToken)
	}
	if provider != "" && len(provider) <= account.MaxProviderLen {
		v.Set("provider", provider)
	}
	if ret.ClientState != "" {
		v.Set("state", ret.ClientState)
	}
	v.Set("callId", callctx.From(r.Context()).ID)
	redirectFragment(w, r, ret.RedirectURI, v)
}

// redirectFragment answers a redirect to target with v as its fragment.
func redirectFragment(w http.ResponseWriter, r *http.Request, target string, v url.Values) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, target+"#"+v.Encode(), http.StatusFound)
}

// bindingCookie is the cookie that ties a flow to its browser, sent only
// to the callback. Over HTTPS it is SameSite=None, so that a provider's
// cross-site POST (response_mode=form_post) carries it too; over plain
// HTTP (development) browsers refuse None without Secure, and Lax carries
// it on the provider's GET redirect.
func bindingCookie(name, value string, maxAge int, secure bool) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: SocialCallbackPath, MaxAge: maxAge, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode}
	if secure {
		c.SameSite = http.SameSiteNoneMode
	}
	return c
}

// flowSession is the session a connect flow began in, which must still
// be live at the callback; 0 for the other flows.
func flowSession(ret social.Return) int64 {
	id, _ := strconv.ParseInt(ret.Extra["session"], 10, 64)
	return id
}

// flowRegTokenHash is the hash of the regToken of a link flow, which the
// attempt keeps in Return.RegToken (hex) instead of the token.
func flowRegTokenHash(ret social.Return) []byte {
	h, _ := hex.DecodeString(ret.RegToken)
	return h
}

// linkCookie binds the conflicts (403043) met in a browser's redirect
// flows to that browser: a link by a redirect flow must carry the cookie
// of the conflict's browser (account.SocialInput.Browser).
const linkCookie = "custos_sl_link"

// linkBinding is the browser's link binding, drawn (and set) when it has
// none; every callback keeps it for another regToken lifetime.
func (f *socialFlow) linkBinding(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if ck, err := r.Cookie(linkCookie); err == nil && len(ck.Value) == 43 {
		v = ck.Value
	} else {
		v = randomToken()
	}
	http.SetCookie(w, bindingCookie(linkCookie, v, int(time.Hour/time.Second), callctx.From(r.Context()).Secure))
	return v
}

func browserCookie(state string) string {
	h := sha256.Sum256([]byte("custos social browser\x00" + state))
	return browserCookiePrefix + hex.EncodeToString(h[:8])
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// randomToken is 256 random bits, base64url.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("rpc: crypto/rand: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
