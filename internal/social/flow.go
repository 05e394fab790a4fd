package social

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/custos-id/custos/internal/account"
)

// discoveryTTL is how long a provider's discovery document (and the keys
// its key set caches) is kept before it is fetched again.
const discoveryTTL = time.Hour

type discovered struct {
	provider *oidc.Provider
	at       time.Time
}

// endpoints are where a flow goes: the oauth2 endpoints and userinfo.
type endpoints struct {
	oauth2.Endpoint
	userInfo string
	oidc     *oidc.Provider // nil for an oauth2 provider
}

// discover answers the issuer's provider, from the cache while fresh.
func (s *Service) discover(ctx context.Context, p Provider) (*oidc.Provider, error) {
	s.mu.Lock()
	d := s.discovery[p.Issuer]
	s.mu.Unlock()
	if d != nil && s.opts.Now().Sub(d.at) < discoveryTTL {
		return d.provider, nil
	}
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, s.client), p.Issuer)
	if err != nil {
		var ue *url.Error
		var mismatch *oidc.IssuerMismatchError
		switch {
		case errors.As(err, &mismatch):
			return nil, fail(ErrProviderConfig, p.Name, "discovery: the document is of issuer "+clip(mismatch.Discovered, 100))
		case errors.As(err, &ue), strings.HasPrefix(err.Error(), "5"):
			return nil, fail(ErrProviderFailure, p.Name, "discovery: "+err.Error())
		}
		return nil, fail(ErrProviderConfig, p.Name, "discovery: "+err.Error())
	}
	s.mu.Lock()
	s.discovery[p.Issuer] = &discovered{provider: op, at: s.opts.Now()}
	s.mu.Unlock()
	return op, nil
}

func (s *Service) endpoints(ctx context.Context, p Provider) (endpoints, error) {
	e := endpoints{Endpoint: oauth2.Endpoint{AuthURL: p.AuthURL, TokenURL: p.TokenURL}, userInfo: p.UserInfoURL}
	if p.Kind == OIDC {
		op, err := s.discover(ctx, p)
		if err != nil {
			return endpoints{}, err
		}
		e.oidc = op
		e.AuthURL = first(p.AuthURL, op.Endpoint().AuthURL)
		e.TokenURL = first(p.TokenURL, op.Endpoint().TokenURL)
		e.userInfo = first(p.UserInfoURL, op.UserInfoEndpoint())
		if e.AuthURL == "" || e.TokenURL == "" {
			return endpoints{}, fail(ErrProviderConfig, p.Name, "discovery: no authorization or token endpoint")
		}
	}
	return e, nil
}

func (s *Service) config(p Provider, e endpoints, callbackURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: e.Endpoint,
		RedirectURL: callbackURL, Scopes: p.Scopes}
}

// Begin starts a redirect flow of the site's provider: it stores an
// attempt (a random state, a PKCE S256 verifier, for oidc a nonce, ret,
// AttemptLifetime, single use; the state and nonce by their hashes, the
// verifier sealed) and answers the provider's authorization URL, which
// sends the user back to callbackURL with the state.
func (s *Service) Begin(ctx context.Context, siteID int64, provider string, callbackURL string, ret Return) (string, error) {
	p, err := s.active(ctx, siteID, provider)
	if err != nil {
		return "", err
	}
	if why := s.checkCallback(callbackURL); why != "" {
		return "", fmt.Errorf("social: callback URL %.100q: %s", callbackURL, why)
	}
	rj, err := json.Marshal(ret)
	if err != nil {
		return "", err
	}
	if len(rj) > MaxReturn {
		return "", &account.Error{Err: account.ErrTooLong, Attr: account.AttrBase, Args: []any{MaxReturn}}
	}
	e, err := s.endpoints(ctx, p)
	if err != nil {
		return "", err
	}
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	sh := hash(state)
	now := s.now()
	a := Attempt{StateHash: sh, SiteID: siteID, Provider: p.Name, CallbackURL: callbackURL,
		VerifierSealed: s.box.Seal([]byte(verifier), verifierAAD(sh)), Return: string(rj),
		CreatedAt: now, ExpiresAt: now.Add(AttemptLifetime)}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if p.Kind == OIDC {
		a.NonceHash = hash(nonce)
		opts = append(opts, oidc.Nonce(nonce))
	}
	for _, k := range slices.Sorted(maps.Keys(p.AuthParams)) {
		opts = append(opts, oauth2.SetAuthURLParam(k, p.AuthParams[k]))
	}
	if err := s.store.CreateSocialAttempt(ctx, a); err != nil {
		return "", err
	}
	return s.config(p, e, callbackURL).AuthCodeURL(state, opts...), nil
}

func (s *Service) checkCallback(v string) string {
	if len(v) > maxURL {
		return "too long"
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
		return "not an absolute http(s) URL without a fragment"
	}
	return ""
}

func verifierAAD(stateHash []byte) []byte { return append([]byte("social-pkce:"), stateHash...) }

// random is 256 random bits, base64url.
func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(v string) []byte {
	h := sha256.Sum256([]byte(v))
	return h[:]
}

// maxState bounds a state: custos's are 43 characters.
const maxState = 128

// Complete ends the redirect flow of state: it consumes the attempt (an
// unknown, used or expired state: ErrState), then tells the provider's
// error (access_denied: ErrCanceled), or exchanges code with the PKCE
// verifier and verifies the id_token (iss, aud = ClientID, nonce, exp,
// signature) or calls userinfo, and maps the claims. The site and ret of
// the attempt come back also with an error, once the attempt is known, so
// that the caller can be answered.
func (s *Service) Complete(ctx context.Context, state, code, providerError string) (siteID int64, ret Return, id account.Identity, err error) {
	if state == "" || len(state) > maxState {
		return 0, Return{}, account.Identity{}, fail(ErrState, "")
	}
	a, err := s.store.TakeSocialAttempt(ctx, hash(state))
	if errors.Is(err, ErrNotFound) {
		return 0, Return{}, account.Identity{}, fail(ErrState, "")
	}
	if err != nil {
		return 0, Return{}, account.Identity{}, err
	}
	if err := json.Unmarshal([]byte(a.Return), &ret); err != nil {
		return 0, Return{}, account.Identity{}, fmt.Errorf("social: the attempt's return: %w", err)
	}
	if !s.now().Before(a.ExpiresAt) {
		return a.SiteID, ret, account.Identity{}, fail(ErrState, a.Provider)
	}
	id, err = s.complete(ctx, a, code, providerError)
	return a.SiteID, ret, id, err
}

func (s *Service) complete(ctx context.Context, a Attempt, code, providerError string) (account.Identity, error) {
	if providerError != "" {
		return account.Identity{}, providerErr(a.Provider, providerError)
	}
	if code == "" || len(code) > MaxTokenLen {
		return account.Identity{}, fail(ErrProviderFailure, a.Provider, "the provider sent no code")
	}
	p, err := s.active(ctx, a.SiteID, a.Provider)
	if err != nil {
		return account.Identity{}, err
	}
	e, err := s.endpoints(ctx, p)
	if err != nil {
		return account.Identity{}, err
	}
	verifier, err := s.box.Open(a.VerifierSealed, verifierAAD(a.StateHash))
	if err != nil {
		return account.Identity{}, fmt.Errorf("social: the attempt's verifier: %w", err)
	}
	tok, err := s.config(p, e, a.CallbackURL).Exchange(s.httpContext(ctx), code, oauth2.VerifierOption(string(verifier)))
	if err != nil {
		return account.Identity{}, exchangeErr(p.Name, err)
	}
	if p.Kind == OIDC {
		raw, _ := tok.Extra("id_token").(string)
		if raw == "" {
			return account.Identity{}, fail(ErrProviderFailure, p.Name, "the token answer has no id_token")
		}
		claims, idt, err := s.verifyIDToken(ctx, p, e, raw)
		if err != nil {
			return account.Identity{}, err
		}
		if a.NonceHash == nil || subtle.ConstantTimeCompare(hash(idt.Nonce), a.NonceHash) != 1 {
			return account.Identity{}, fail(ErrInvalidIDToken, p.Name, "the id_token's nonce is not this login's")
		}
		if e.userInfo != "" && tok.AccessToken != "" {
			if err := s.mergeUserInfo(ctx, p, e, tok.AccessToken, claims); err != nil {
				return account.Identity{}, err
			}
		}
		return identity(p, claims)
	}
	claims, err := s.userInfo(ctx, p, e.userInfo, tok.AccessToken)
	if err != nil {
		return account.Identity{}, err
	}
	return identity(p, claims)
}

// VerifySession checks a native provider session of the site's provider.
// An oidc provider wants an IDToken, verified against the provider's keys
// with aud = ClientID (and azp when aud has several values, iss, exp and
// signature); an AuthToken beside it only adds what userinfo says of the
// same subject. An access token alone proves only that the provider knows
// the user, not to which application it was issued: it is refused but by
// an oauth2 provider whose site opted in (AcceptAccessTokens), and then,
// when the preset can (TokenCheck), only a token issued to ClientID.
func (s *Service) VerifySession(ctx context.Context, siteID int64, provider string, ps ProviderSession) (account.Identity, error) {
	p, err := s.active(ctx, siteID, provider)
	if err != nil {
		return account.Identity{}, err
	}
	if len(ps.IDToken) > MaxTokenLen || len(ps.AuthToken) > MaxTokenLen {
		return account.Identity{}, fail(ErrInvalidIDToken, p.Name, fmt.Sprintf("a token longer than %d bytes", MaxTokenLen))
	}
	if ps.IDToken == "" && ps.AuthToken == "" {
		return account.Identity{}, fail(ErrInvalidIDToken, p.Name, "neither an idToken nor an authToken")
	}
	switch {
	case ps.IDToken != "" && p.Kind != OIDC:
		return account.Identity{}, fail(ErrInvalidIDToken, p.Name, "the provider is not an OpenID Connect one: it has no id_token")
	case ps.IDToken == "" && p.Kind == OIDC:
		return account.Identity{}, fail(ErrInvalidIDToken, p.Name, "an access token alone is not accepted of an OpenID Connect provider: send its id_token")
	case ps.IDToken == "" && !p.AcceptAccessTokens:
		return account.Identity{}, fail(ErrInvalidIDToken, p.Name, "the site does not accept access tokens of this provider")
	}
	e, err := s.endpoints(ctx, p)
	if err != nil {
		return account.Identity{}, err
	}
	if ps.IDToken != "" {
		claims, tok, err := s.verifyIDToken(ctx, p, e, ps.IDToken)
		if err != nil {
			return account.Identity{}, err
		}
		// A bearer login for its whole life unless it is used once: the
		// first use is recorded until it expires.
		first, err := s.store.UseSocialToken(ctx, hash(ps.IDToken), tok.Expiry)
		if err != nil {
			return account.Identity{}, err
		}
		if !first {
			return account.Identity{}, fail(ErrInvalidIDToken, p.Name, "the id_token was used already: get a new one from the provider")
		}
		if ps.AuthToken != "" && e.userInfo != "" {
			if err := s.mergeUserInfo(ctx, p, e, ps.AuthToken, claims); err != nil {
				return account.Identity{}, err
			}
		}
		return identity(p, claims)
	}
	if e.userInfo == "" {
		return account.Identity{}, fail(ErrProviderConfig, p.Name, "the provider has no userinfo endpoint to check an authToken at")
	}
	user := ""
	if p.TokenCheck != "" {
		if user, err = s.checkAccessToken(ctx, p, ps.AuthToken); err != nil {
			return account.Identity{}, err
		}
	}
	claims, err := s.userInfo(ctx, p, e.userInfo, ps.AuthToken)
	if err != nil {
		return account.Identity{}, err
	}
	id, err := identity(p, claims)
	if err == nil && user != "" && id.ProviderUID != user {
		return account.Identity{}, fail(ErrInvalidIDToken, p.Name, "the access token's user is not userinfo's")
	}
	return id, err
}

// checkAccessToken asks the provider to which application and user an
// access token was issued (p.TokenCheck) and refuses a token of another
// application than ClientID: it answers the token's user.
func (s *Service) checkAccessToken(ctx context.Context, p Provider, token string) (string, error) {
	switch p.TokenCheck {
	case "facebook-debug-token":
		// https://developers.facebook.com/docs/graph-api/reference/debug_token:
		// the app access token is "<app id>|<app secret>".
		u, err := url.Parse(p.TokenCheckURL)
		if err != nil || p.TokenCheckURL == "" {
			return "", fail(ErrProviderConfig, p.Name, "token check: no usable URL")
		}
		q := u.Query()
		q.Set("input_token", token)
		q.Set("access_token", p.ClientID+"|"+p.ClientSecret)
		u.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return "", fail(ErrProviderConfig, p.Name, "token check: "+err.Error())
		}
		req.Header.Set("Accept", "application/json")
		resp, err := s.client.Do(req)
		if err != nil {
			return "", fail(ErrProviderFailure, p.Name, "token check: "+err.Error())
		}
		defer resp.Body.Close()
		var out struct {
			Data struct {
				AppID   any  `json:"app_id"`
				IsValid bool `json:"is_valid"`
				UserID  any  `json:"user_id"`
			} `json:"data"`
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return "", fail(ErrProviderConfig, p.Name, "token check refused custos's credentials: "+resp.Status)
		case resp.StatusCode != http.StatusOK:
			return "", fail(ErrProviderFailure, p.Name, "token check: "+resp.Status)
		}
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		if err := dec.Decode(&out); err != nil {
			return "", fail(ErrProviderFailure, p.Name, "token check: not the expected JSON")
		}
		switch {
		case !out.Data.IsValid:
			return "", fail(ErrProviderSessionExpired, p.Name, "the provider says the access token is not valid")
		case str(out.Data.AppID) != p.ClientID:
			return "", fail(ErrInvalidIDToken, p.Name, "the access token was issued to another application")
		case str(out.Data.UserID) == "":
			return "", fail(ErrProviderFailure, p.Name, "token check: no user")
		}
		return str(out.Data.UserID), nil
	}
	return "", fail(ErrProviderConfig, p.Name, "token check: unknown kind "+clip(p.TokenCheck, 40))
}

func (s *Service) httpContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.client)
}

// verifyIDToken verifies raw and answers its claims and the token: iss,
// exp, signature, aud containing ClientID (go-oidc), and azp = ClientID
// when aud has several values or azp is there (OpenID Connect Core
// 3.1.3.7).
func (s *Service) verifyIDToken(ctx context.Context, p Provider, e endpoints, raw string) (map[string]any, *oidc.IDToken, error) {
	claims, tok, err := s.verifyIDTokenRaw(ctx, p, e, raw)
	if err != nil {
		return nil, nil, err
	}
	azp, has := claims["azp"]
	if (len(tok.Audience) > 1 || has) && str(azp) != p.ClientID {
		return nil, nil, fail(ErrInvalidIDToken, p.Name, "azp is not this client")
	}
	return claims, tok, nil
}

func (s *Service) verifyIDTokenRaw(ctx context.Context, p Provider, e endpoints, raw string) (map[string]any, *oidc.IDToken, error) {
	v := e.oidc.Verifier(&oidc.Config{ClientID: p.ClientID, Now: s.opts.Now})
	tok, err := v.Verify(oidc.ClientContext(ctx, s.client), raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		var ue *url.Error
		switch {
		case errors.As(err, &expired):
			return nil, nil, fail(ErrProviderSessionExpired, p.Name, "the id_token expired")
		case errors.As(err, &ue):
			return nil, nil, fail(ErrProviderFailure, p.Name, "fetching the provider's keys: "+err.Error())
		}
		return nil, nil, fail(ErrInvalidIDToken, p.Name, strings.TrimPrefix(err.Error(), "oidc: "))
	}
	var claims map[string]any
	var raw2 json.RawMessage
	if err := tok.Claims(&raw2); err != nil {
		return nil, nil, fail(ErrInvalidIDToken, p.Name, "claims: "+err.Error())
	}
	if err := decodeJSON(raw2, &claims); err != nil {
		return nil, nil, fail(ErrInvalidIDToken, p.Name, "claims: "+err.Error())
	}
	return claims, tok, nil
}

// mergeUserInfo adds the claims of userinfo that claims lacks, when
// userinfo is of the same subject.
func (s *Service) mergeUserInfo(ctx context.Context, p Provider, e endpoints, accessToken string, claims map[string]any) error {
	ui, err := s.userInfo(ctx, p, e.userInfo, accessToken)
	if err != nil {
		return err
	}
	if str(ui["sub"]) != str(claims["sub"]) {
		return fail(ErrProviderFailure, p.Name, "userinfo is of another subject than the id_token")
	}
	for k, v := range ui {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}

// userInfo calls the userinfo endpoint with an access token.
func (s *Service) userInfo(ctx context.Context, p Provider, endpoint, accessToken string) (map[string]any, error) {
	if accessToken == "" {
		return nil, fail(ErrProviderFailure, p.Name, "no access token")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, fail(ErrProviderConfig, p.Name, "userinfo: "+err.Error())
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fail(ErrProviderFailure, p.Name, "userinfo: "+err.Error())
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fail(ErrProviderSessionExpired, p.Name, "userinfo refused the token: "+resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, fail(ErrProviderFailure, p.Name, "userinfo: "+resp.Status)
	}
	var claims map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, fail(ErrProviderFailure, p.Name, "userinfo: not a JSON object")
	}
	return claims, nil
}

func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	return dec.Decode(v)
}

// providerErr is the condition of an error the provider sent back to the
// callback (RFC 6749 §4.1.2.1).
func providerErr(name, code string) error {
	code = clip(code, 64)
	switch code {
	case "access_denied", "login_required", "consent_required", "interaction_required", "account_selection_required":
		return fail(ErrCanceled, name, code)
	case "unauthorized_client", "invalid_client", "invalid_scope", "invalid_request", "unsupported_response_type",
		"invalid_request_uri", "invalid_request_object", "registration_not_supported":
		return fail(ErrProviderConfig, name, code)
	}
	return fail(ErrProviderFailure, name, code)
}

// exchangeErr is the condition of a failed code exchange.
func exchangeErr(name string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		switch {
		case re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client":
			return fail(ErrProviderConfig, name, "token endpoint: "+re.ErrorCode)
		case re.ErrorCode != "":
			return fail(ErrProviderFailure, name, "token endpoint: "+re.ErrorCode)
		case re.Response != nil && (re.Response.StatusCode == http.StatusUnauthorized):
			return fail(ErrProviderConfig, name, "token endpoint: "+re.Response.Status)
		case re.Response != nil:
			return fail(ErrProviderFailure, name, "token endpoint: "+re.Response.Status)
		}
	}
	return fail(ErrProviderFailure, name, "token endpoint: "+err.Error())
}

// Limits of what a provider says of a user.
const (
	maxUID   = 256
	maxValue = 1024
	maxEmail = 254
)

// identity maps claims by p's claim map.
func identity(p Provider, claims map[string]any) (account.Identity, error) {
	id := account.Identity{Provider: p.Name, Issuer: IssuerKey(p), Profile: map[string]any{}}
	id.ProviderUID = str(lookup(claims, p.Claims["uid"]))
	if id.ProviderUID == "" || len(id.ProviderUID) > maxUID {
		return account.Identity{}, fail(ErrProviderFailure, p.Name, "the provider's answer has no user id ("+p.Claims["uid"]+")")
	}
	if email := strings.TrimSpace(str(lookup(claims, p.Claims["email"]))); email != "" && len(email) <= maxEmail &&
		strings.Count(email, "@") == 1 && !strings.HasPrefix(email, "@") && !strings.HasSuffix(email, "@") {
		id.Email = email
		if c := p.Claims["email_verified"]; c != "" {
			v := lookup(claims, c)
			id.EmailVerified = v == true || v == "true"
		}
	}
	for _, f := range ProfileFields {
		if c := p.Claims[f]; c != "" {
			if v := str(lookup(claims, c)); v != "" && len(v) <= maxValue {
				id.Profile[f] = v
			}
		}
	}
	return id, nil
}

// IssuerKey names the user space of p's identities (account.Identity's
// Issuer): the issuer of an oidc provider, the origin of an oauth2
// provider's userinfo, each with the claim of the user id. p is the
// effective provider (its preset's data filled in). A provider given
// another issuer, userinfo host or uid claim has other identities: the old
// ones do not log in until the key is the same again.
func IssuerKey(p Provider) string {
	where := p.Issuer
	if p.Kind != OIDC {
		where = "oauth2:" + p.UserInfoURL
		if u, err := url.Parse(p.UserInfoURL); err == nil && u.Host != "" {
			where = "oauth2:" + u.Scheme + "://" + u.Host
		}
	}
	return where + " " + p.Claims["uid"]
}

// lookup follows a dotted path into nested objects.
func lookup(claims map[string]any, path string) any {
	if path == "" {
		return nil
	}
	var v any = claims
	for part := range strings.SplitSeq(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// str is a claim's value as a string: strings and numbers; "" for others.
func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}
