package oauth

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/custos-id/custos/internal/schema"
)

// Bounds on what clients, configurations and requests hold.
const (
	MaxNameLen     = 128
	MaxURILen      = 2048
	MaxURIs        = 20
	MaxScopes      = 100
	MaxScopeLen    = 128
	MaxClaims      = 100
	MaxClaimLen    = 128
	MaxClientIDLen = 128
	// maxValueLen bounds the free values of a request (state, nonce, login
	// hint) and maxShortLen its short ones (a locale, an amr, a prompt).
	maxValueLen = 2048
	maxShortLen = 64
	maxList     = 20
	// maxSecretLen bounds a presented secret, code or refresh token
	// before it is hashed.
	maxSecretLen = 512

	MaxAccessTokenLifetime  = 24 * time.Hour
	MaxIDTokenLifetime      = 24 * time.Hour
	MaxCodeLifetime         = 10 * time.Minute
	MaxRefreshTokenLifetime = 366 * 24 * time.Hour
)

// The response types and grant types a client may have.
var (
	ResponseTypes = []string{"code", "id_token", "id_token token"}
	GrantTypes    = []string{GrantAuthorizationCode, GrantRefreshToken, GrantImplicit, GrantClientCredentials}
)

// The grant types.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantImplicit          = "implicit"
	GrantClientCredentials = "client_credentials"
)

var (
	// clientIDPattern: what a given client id may hold (ids from SAP CDC
	// among them); new ones are drawn by newClientID.
	clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]*$`)
	// claimPattern: a claim name, plain or namespaced by a URL.
	claimPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.:/-]*$`)
)

// checkClient validates c and returns it normalised (lists without
// duplicates, defaults of grant and response types filled in).
func checkClient(c Client, public bool) (Client, error) {
	var err error
	if c.Name, err = checkLine(AttrName, c.Name, MaxNameLen); err != nil {
		return Client{}, err
	}
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken}
	}
	if c.GrantTypes, err = closedList(AttrGrantTypes, c.GrantTypes, GrantTypes); err != nil {
		return Client{}, err
	}
	if len(c.ResponseTypes) == 0 && slices.Contains(c.GrantTypes, GrantAuthorizationCode) {
		c.ResponseTypes = []string{"code"}
	}
	if err := checkHybrid(c.ResponseTypes); err != nil {
		return Client{}, err
	}
	if c.ResponseTypes, err = closedList(AttrResponseTypes, c.ResponseTypes, ResponseTypes); err != nil {
		return Client{}, err
	}
	if err := checkGrants(c, public); err != nil {
		return Client{}, err
	}
	if c.RedirectURIs, err = checkURIs(AttrRedirectURIs, c.RedirectURIs); err != nil {
		return Client{}, err
	}
	if len(c.RedirectURIs) == 0 && len(c.ResponseTypes) > 0 {
		return Client{}, invalid(AttrRedirectURIs, "at least one is needed for the response types "+strings.Join(c.ResponseTypes, ", "))
	}
	if c.PostLogoutRedirectURIs, err = checkURIs(AttrPostLogoutRedirectURIs, c.PostLogoutRedirectURIs); err != nil {
		return Client{}, err
	}
	if c.Scopes, err = checkScopes(AttrScopes, c.Scopes); err != nil {
		return Client{}, err
	}
	return c, nil
}

// checkHybrid refuses the hybrid response types (a code with tokens from
// the authorization endpoint): the provider's OpenID library has no hybrid
// flow, so a client registered for one could never use it.
func checkHybrid(types []string) error {
	for _, rt := range types {
		if parts := strings.Fields(rt); len(parts) > 1 && slices.Contains(parts, "code") {
			return invalid(AttrResponseTypes, fmt.Sprintf("%.64q: hybrid flows are not supported", rt))
		}
	}
	return nil
}

// checkGrants checks that the grant and response types of c go together.
func checkGrants(c Client, public bool) error {
	has := func(g string) bool { return slices.Contains(c.GrantTypes, g) }
	if public && has(GrantClientCredentials) {
		return invalid(AttrGrantTypes, "a public client cannot use client_credentials: it has no secret")
	}
	if has(GrantRefreshToken) && !has(GrantAuthorizationCode) {
		return invalid(AttrGrantTypes, "refresh_token needs authorization_code: refresh tokens come from codes")
	}
	for _, rt := range c.ResponseTypes {
		parts := strings.Fields(rt)
		if slices.Contains(parts, "code") && !has(GrantAuthorizationCode) {
			return invalid(AttrResponseTypes, fmt.Sprintf("%q needs the grant type authorization_code", rt))
		}
		if (slices.Contains(parts, "token") || slices.Contains(parts, "id_token")) && !has(GrantImplicit) {
			return invalid(AttrResponseTypes, fmt.Sprintf("%q needs the grant type implicit", rt))
		}
	}
	return nil
}

// checkLine checks an optional one-line text of at most max bytes.
func checkLine(attr, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case len(s) > max:
		return "", invalid(attr, fmt.Sprintf("longer than %d bytes", max))
	case !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", invalid(attr, "want one line of text, without control characters")
	}
	return s, nil
}

// closedList checks that every value of list is one of allowed, and drops
// duplicates.
func closedList(attr string, list, allowed []string) ([]string, error) {
	out := []string{}
	for _, v := range list {
		if !slices.Contains(allowed, v) {
			return nil, invalid(attr, fmt.Sprintf("%.64q is not one of %s", v, strings.Join(allowed, ", ")))
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// checkURIs checks redirect URIs and drops duplicates.
func checkURIs(attr string, uris []string) ([]string, error) {
	if len(uris) > MaxURIs {
		return nil, invalid(attr, fmt.Sprintf("more than %d URIs", MaxURIs))
	}
	out := []string{}
	for _, u := range uris {
		if err := checkRedirectURI(attr, u); err != nil {
			return nil, err
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// checkRedirectURI accepts an absolute URI without a fragment: https, http
// on a loopback host only, or a private-use scheme of a native app, which
// RFC 8252 §7.1 names by a reverse domain name (com.example.app:/cb), so
// that no browser-run scheme (javascript:, data:) passes.
func checkRedirectURI(attr, raw string) error {
	u, err := parseURI(attr, raw)
	if err != nil {
		return err
	}
	switch {
	case u.Scheme == "https" || u.Scheme == "http":
		return checkWebURI(attr, u, raw)
	case strings.Contains(u.Scheme, "."):
		return nil
	}
	return invalid(attr, fmt.Sprintf("%.64q: want https, http on a loopback host, or a private-use scheme such as com.example.app", raw))
}

// parseURI parses an absolute URI of at most MaxURILen bytes, without a
// fragment, spaces or control characters.
func parseURI(attr, raw string) (*url.URL, error) {
	if len(raw) > MaxURILen {
		return nil, invalid(attr, fmt.Sprintf("a URI longer than %d bytes", MaxURILen))
	}
	if !utf8.ValidString(raw) || strings.IndexFunc(raw, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return nil, invalid(attr, fmt.Sprintf("%.64q has spaces or control characters", raw))
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs():
		return nil, invalid(attr, fmt.Sprintf("%.64q is not an absolute URI", raw))
	case strings.Contains(raw, "#"):
		return nil, invalid(attr, fmt.Sprintf("%.64q has a fragment", raw))
	}
	return u, nil
}

// checkWebURI accepts an https URL with a host, or http on a loopback host
// (RFC 8252 §7.3), without user information.
func checkWebURI(attr string, u *url.URL, raw string) error {
	switch {
	case u.Host == "" || u.Hostname() == "":
		return invalid(attr, fmt.Sprintf("%.64q has no host", raw))
	case u.User != nil:
		return invalid(attr, fmt.Sprintf("%.64q has user information", raw))
	case u.Scheme == "http" && !loopback(u.Hostname()):
		return invalid(attr, fmt.Sprintf("%.64q: http only on localhost or a loopback address; else https", raw))
	}
	return nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkScopes checks scope tokens (RFC 6749 §3.3) and drops duplicates.
func checkScopes(attr string, scopes []string) ([]string, error) {
	if len(scopes) > MaxScopes {
		return nil, invalid(attr, fmt.Sprintf("more than %d scopes", MaxScopes))
	}
	out := []string{}
	for _, s := range scopes {
		if err := checkScope(attr, s); err != nil {
			return nil, err
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// checkScope checks a scope token: 1*( %x21 / %x23-5B / %x5D-7E ).
func checkScope(attr, s string) error {
	if s == "" || len(s) > MaxScopeLen {
		return invalid(attr, fmt.Sprintf("a scope is 1 to %d characters", MaxScopeLen))
	}
	for i := range len(s) {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return invalid(attr, fmt.Sprintf("%.64q is not a scope: printable ASCII without spaces, quotes or backslashes", s))
		}
	}
	return nil
}

// checkClientID checks a client id given to CreateClient.
func checkClientID(id string) error {
	if len(id) > MaxClientIDLen || !clientIDPattern.MatchString(id) {
		return invalid(AttrClientID, fmt.Sprintf("1 to %d letters, digits, '.', '_', '~' or '-', beginning with a letter or digit", MaxClientIDLen))
	}
	return nil
}

// checkConfig validates c.
func checkConfig(c Config) (Config, error) {
	if c.ProxyPage != "" {
		u, err := parseURI(AttrProxyPage, c.ProxyPage)
		if err != nil {
			return Config{}, err
		}
		if u.Scheme != "https" && u.Scheme != "http" {
			return Config{}, invalid(AttrProxyPage, "want an https URL (http on localhost only)")
		}
		if err := checkWebURI(AttrProxyPage, u, c.ProxyPage); err != nil {
			return Config{}, err
		}
	}
	if err := checkClaims(c.CustomClaims); err != nil {
		return Config{}, err
	}
	if err := checkStylesheet(c.Stylesheet); err != nil {
		return Config{}, err
	}
	if err := checkCustomScopes(c.CustomScopes, c.CustomClaims); err != nil {
		return Config{}, err
	}
	for _, l := range []struct {
		attr string
		d    time.Duration
		max  time.Duration
	}{
		{AttrAccessTokenLifetime, c.AccessTokenLifetime, MaxAccessTokenLifetime},
		{AttrIDTokenLifetime, c.IDTokenLifetime, MaxIDTokenLifetime},
		{AttrRefreshTokenLifetime, c.RefreshTokenLifetime, MaxRefreshTokenLifetime},
		{AttrCodeLifetime, c.CodeLifetime, MaxCodeLifetime},
	} {
		if l.d != 0 && (l.d < time.Second || l.d > l.max || l.d%time.Second != 0) {
			return Config{}, invalid(l.attr, fmt.Sprintf("want whole seconds from 1 to %d (or 0: the default)", int64(l.max/time.Second)))
		}
	}
	return c, nil
}

// checkClaims checks custom claims: names no relying party relies on
// otherwise, taken from an account field.
func checkClaims(claims map[string]Claim) error {
	if len(claims) > MaxClaims {
		return invalid(AttrCustomClaims, fmt.Sprintf("more than %d claims", MaxClaims))
	}
	for name, c := range claims {
		switch {
		case len(name) > MaxClaimLen || !claimPattern.MatchString(name):
			return invalid(AttrCustomClaims, fmt.Sprintf("%.64q: a claim name is up to %d letters, digits, '_', '.', ':', '/' or '-', beginning with a letter", name, MaxClaimLen))
		case ReservedClaim(name):
			return invalid(AttrCustomClaims, fmt.Sprintf("%q is a standard or reserved claim", name))
		}
		if err := checkFieldName(c.FieldName); err != nil {
			return invalid(AttrCustomClaims, fmt.Sprintf("%s: %v", name, err))
		}
	}
	return nil
}

// checkFieldName checks where a claim comes from: "email", "uid", or the
// path of a field of profile, data, preferences or subscriptions.
func checkFieldName(f string) error {
	if f == "email" || f == "uid" {
		return nil
	}
	obj, path, ok := strings.Cut(f, ".")
	switch schema.Object(obj) {
	case schema.Profile, schema.Data, schema.Preferences, schema.Subscriptions:
	default:
		ok = false
	}
	if !ok {
		return fmt.Errorf("fieldName %.64q: want email, uid, or profile.<field>, data.<path>, preferences.<path> or subscriptions.<path>", f)
	}
	if err := schema.ValidPath(path); err != nil {
		return fmt.Errorf("fieldName %.64q: %v", f, err)
	}
	return nil
}

// checkCustomScopes checks custom scopes: scope tokens that are not
// standard, each releasing known claims.
func checkCustomScopes(scopes map[string][]string, claims map[string]Claim) error {
	if len(scopes) > MaxScopes {
		return invalid(AttrCustomScopes, fmt.Sprintf("more than %d scopes", MaxScopes))
	}
	for name, released := range scopes {
		if err := checkScope(AttrCustomScopes, name); err != nil {
			return err
		}
		if StandardScope(name) {
			return invalid(AttrCustomScopes, fmt.Sprintf("%q is a standard scope", name))
		}
		if len(released) > MaxClaims {
			return invalid(AttrCustomScopes, fmt.Sprintf("%s: more than %d claims", name, MaxClaims))
		}
		for _, c := range released {
			if _, custom := claims[c]; !custom && !standardClaim(c) {
				return invalid(AttrCustomScopes, fmt.Sprintf("%s: %.64q is neither a standard claim nor a custom claim", name, c))
			}
		}
	}
	return nil
}

// checkRequest bounds what an authorization request holds; the adapter
// validated its meaning.
func checkRequest(r AuthRequest) error {
	if err := checkScopesOnly(r.Scopes); err != nil {
		return err
	}
	for _, v := range []struct {
		attr string
		s    string
		max  int
	}{
		{AttrRedirectURI, r.RedirectURI, MaxURILen}, {AttrResponseType, r.ResponseType, maxShortLen},
		{AttrResponseMode, r.ResponseMode, maxShortLen}, {AttrState, r.State, maxValueLen},
		{AttrNonce, r.Nonce, maxValueLen}, {AttrCodeChallenge, r.CodeChallenge, maxShortLen * 2},
		{AttrCodeChallengeMethod, r.CodeChallengeMethod, maxShortLen}, {AttrLoginHint, r.LoginHint, maxValueLen},
	} {
		if len(v.s) > v.max {
			return invalid(v.attr, fmt.Sprintf("longer than %d bytes", v.max))
		}
	}
	if r.RedirectURI == "" {
		return invalid(AttrRedirectURI, "missing")
	}
	if r.MaxAge != nil && *r.MaxAge < 0 {
		return invalid(AttrMaxAge, "negative")
	}
	for _, l := range []struct {
		attr string
		list []string
	}{{AttrPrompt, r.Prompt}, {AttrACRValues, r.ACRValues}, {AttrUILocales, r.UILocales}, {AttrAMR, r.AMR}} {
		if err := checkShortList(l.attr, l.list); err != nil {
			return err
		}
	}
	return nil
}

// checkScopesOnly bounds a list of scopes without normalising it.
func checkScopesOnly(scopes []string) error {
	_, err := checkScopes(AttrScopes, scopes)
	return err
}

// checkShortList bounds a list of short values.
func checkShortList(attr string, list []string) error {
	if len(list) > maxList {
		return invalid(attr, fmt.Sprintf("more than %d values", maxList))
	}
	for _, v := range list {
		if len(v) > maxShortLen {
			return invalid(attr, fmt.Sprintf("a value longer than %d bytes", maxShortLen))
		}
	}
	return nil
}

// checkGrant bounds what a token is issued for.
func checkGrant(g Grant) error {
	switch {
	case g.ClientID == "" || len(g.ClientID) > MaxClientIDLen:
		return invalid(AttrClientID, "missing or too long")
	case g.Subject == "" || len(g.Subject) > MaxClientIDLen:
		return invalid(AttrSubject, "missing or too long")
	case g.Refresh && g.AccountID == 0:
		return invalid(AttrRefresh, "a refresh token is issued for a user only")
	}
	if err := checkScopesOnly(g.Scopes); err != nil {
		return err
	}
	if len(g.Audience) > maxList {
		return invalid(AttrAudience, fmt.Sprintf("more than %d values", maxList))
	}
	for _, a := range g.Audience {
		if len(a) > MaxURILen {
			return invalid(AttrAudience, fmt.Sprintf("a value longer than %d bytes", MaxURILen))
		}
	}
	return checkShortList(AttrAMR, g.AMR)
}

// MaxStylesheetLen bounds a site's stylesheet for the hosted pages.
const MaxStylesheetLen = 32 << 10

// checkStylesheet bounds a site's CSS. It is served as text/css from
// custos's origin under the pages' CSP (default-src 'none'), so it can
// restyle the pages but load nothing: no fonts, images or other sheets.
func checkStylesheet(css string) error {
	switch {
	case len(css) > MaxStylesheetLen:
		return invalid(AttrStylesheet, fmt.Sprintf("at most %d bytes", MaxStylesheetLen))
	case !utf8.ValidString(css) || strings.ContainsRune(css, 0):
		return invalid(AttrStylesheet, "want UTF-8 text without NUL")
	}
	return nil
}
