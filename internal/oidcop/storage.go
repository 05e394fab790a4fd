package oidcop

import (
	"context"
	"crypto"
	"errors"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/token"
)

// storage is op.Storage over oauth.Service, for the site of each call's
// context.
type storage struct{ p *Provider }

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.ClientCredentialsStorage       = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*storage)(nil)
)

func siteID(ctx context.Context) int64 { return callOf(ctx).site.ID }

// --- clients ---

func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	return s.client(ctx, clientID)
}

func (s *storage) client(ctx context.Context, clientID string) (*client, error) {
	c := callOf(ctx)
	rp, err := s.p.o.OAuth.Client(ctx, c.site.ID, clientID)
	if errors.Is(err, oauth.ErrNotFound) {
		// The op package answers an *oidc.Error as it is, anything
		// else as a server error.
		note(ctx, errUnknownClient)
		return nil, oidc.ErrInvalidClient().WithParent(errUnknownClient)
	}
	if err != nil {
		return nil, note(ctx, err)
	}
	cfg, err := s.p.o.OAuth.Config(ctx, c.site.ID)
	if err != nil {
		return nil, note(ctx, err)
	}
	cl := &client{c: rp, cfg: cfg, p: s.p, call: c}
	c.client = cl
	return cl, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	_, err := s.p.o.OAuth.AuthenticateClient(ctx, siteID(ctx), clientID, secret)
	if errors.Is(err, oauth.ErrNotFound) {
		err = errUnknownClient
	}
	return note(ctx, err)
}

func (s *storage) ClientCredentials(ctx context.Context, clientID, secret string) (op.Client, error) {
	if err := s.AuthorizeClientIDSecret(ctx, clientID, secret); err != nil {
		return nil, err
	}
	return s.client(ctx, clientID)
}

// ClientCredentialsTokenRequest keeps the custom scopes the client may ask
// for: a client's own token carries no user's claims.
func (s *storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	cl, err := s.client(ctx, clientID)
	if err != nil {
		return nil, err
	}
	kept := slices.DeleteFunc(slices.Clone(scopes), func(sc string) bool { return !cl.IsScopeAllowed(sc) })
	return clientRequest{clientID: clientID, scopes: kept}, nil
}

// --- authorization requests and codes ---

// supportedResponseTypes are those the op package answers: it would put
// the tokens of a hybrid response type in the query, and no code.
var supportedResponseTypes = []oidc.ResponseType{oidc.ResponseTypeCode, oidc.ResponseTypeIDToken, oidc.ResponseTypeIDTokenOnly}

// CreateAuthRequest stores a request the op package validated. A public
// client must use PKCE with S256, and nobody may use the plain method: a
// code intercepted with its challenge would be redeemable.
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	c := callOf(ctx)
	cl, err := s.client(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(supportedResponseTypes, req.ResponseType) {
		return nil, &oidc.Error{ErrorType: "unsupported_response_type",
			Description: "The hybrid response types are not supported: use code, id_token or id_token token."}
	}
	if req.ResponseType != oidc.ResponseTypeCode && req.ResponseMode == oidc.ResponseModeQuery {
		// Tokens in the query end up in logs and Referer headers (OAuth
		// 2.0 Multiple Response Type Encoding Practices 2.1); the error
		// itself goes back in the fragment, as the tokens would.
		req.ResponseMode = oidc.ResponseModeFragment
		return nil, oidc.ErrInvalidRequest().WithDescription(
			"response_mode query is not allowed for response_type %s, which returns tokens: use fragment or form_post", req.ResponseType)
	}
	if strings.Contains(string(req.ResponseType), "id_token") && req.Nonce == "" {
		// OpenID Connect Core 3.2.2.1: without a nonce an id_token of the
		// implicit flow could be replayed.
		return nil, oidc.ErrInvalidRequest().WithDescription("nonce required for response_type %s", req.ResponseType)
	}
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if cl.c.Public() && req.CodeChallenge == "" && strings.Contains(string(req.ResponseType), "code") {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge required: a public client must use PKCE with S256")
	}
	a := oauth.AuthRequest{SiteID: c.site.ID, ClientID: req.ClientID, RedirectURI: req.RedirectURI,
		ResponseType: string(req.ResponseType), ResponseMode: string(req.ResponseMode), State: req.State,
		Nonce: req.Nonce, CodeChallenge: req.CodeChallenge, CodeChallengeMethod: string(req.CodeChallengeMethod),
		Prompt: req.Prompt, ACRValues: req.ACRValues, LoginHint: req.LoginHint}
	a.Scopes = slices.DeleteFunc(slices.Clone(req.Scopes), func(sc string) bool {
		return sc != oidc.ScopeOpenID && len(cl.c.Scopes) > 0 && !slices.Contains(cl.c.Scopes, sc)
	})
	if len(a.ACRValues) == 0 && claimsACR(c.r.FormValue("claims")) {
		// The request's acr_values keep that acr was asked for.
		a.ACRValues = []string{acrNone}
	}
	if req.MaxAge != nil {
		d := time.Duration(*req.MaxAge) * time.Second
		a.MaxAge = &d
	}
	for _, t := range req.UILocales {
		a.UILocales = append(a.UILocales, t.String())
	}
	a, err = s.p.o.OAuth.CreateAuthRequest(ctx, a)
	if err != nil {
		return nil, protocolError(note(ctx, err))
	}
	s.p.bind(c.w, c.r, c.site.APIKey, a.ID)
	return authRequest{a}, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	a, err := s.p.o.OAuth.AuthRequest(ctx, siteID(ctx), id)
	if err != nil {
		return nil, note(ctx, err)
	}
	return authRequest{a}, nil
}

// AuthRequestByCode finds the request of a code. A used code's request
// is answered as if live: the op package then authenticates the client
// and checks the code's binding (PKCE, redirect_uri), and only then does
// the exchange (Exchange) refuse it and revoke what it issued, so that
// whoever found a used code cannot revoke its tokens.
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	a, err := s.p.o.OAuth.AuthRequestByCode(ctx, siteID(ctx), code)
	if err != nil && !errors.Is(err, oauth.ErrReused) {
		return nil, note(ctx, err)
	}
	return authRequest{a}, nil
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return note(ctx, s.p.o.OAuth.SaveCode(ctx, siteID(ctx), id, code))
}

// DeleteAuthRequest is called once the op package answered a request: a
// request answered without a code (implicit) is used up then, unless its
// tokens used it up already. A code is used up when it is exchanged.
func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	c := callOf(ctx)
	if c.endpoint == pathToken || c.used == id {
		return nil
	}
	a, err := s.p.o.OAuth.AuthRequest(ctx, c.site.ID, id)
	if errors.Is(err, oauth.ErrNotFound) {
		return nil // it has a code: the exchange uses it
	}
	if err != nil {
		return note(ctx, err)
	}
	if hasCode(a) {
		return nil
	}
	return note(ctx, s.p.o.OAuth.UseCode(ctx, c.site.ID, id))
}

func hasCode(a oauth.AuthRequest) bool {
	return slices.Contains(strings.Fields(a.ResponseType), "code")
}

// --- tokens ---

// grant is what the tokens of a request are issued for.
func (s *storage) grant(ctx context.Context, req op.TokenRequest) (oauth.Grant, error) {
	c := callOf(ctx)
	g := oauth.Grant{SiteID: c.site.ID, Subject: req.GetSubject(), Scopes: req.GetScopes(), Audience: req.GetAudience()}
	switch r := req.(type) {
	case authRequest:
		g.AuthRequestID = r.a.ID
		g.ClientID, g.AccountID, g.AuthTime, g.AMR = r.a.ClientID, r.a.AccountID, r.a.AuthTime, r.a.AMR
	case *refreshRequest:
		g.ClientID, g.AccountID, g.AuthTime, g.AMR = r.t.ClientID, r.t.AccountID, r.t.AuthTime, r.t.AMR
		g.AuthRequestID = r.t.AuthRequestID
	case clientRequest:
		g.ClientID = r.clientID
		return g, nil
	default:
		return g, oidc.ErrUnsupportedGrantType()
	}
	// A code issued before the account was deactivated or deleted buys
	// nothing; a fault reading it is the server's, which the client may
	// retry (invalid_grant would make it drop its refresh token).
	if _, err := s.holder(ctx, g.AccountID); errors.Is(err, account.ErrNotFound) || errors.Is(err, account.ErrDisabled) {
		return g, oidc.ErrInvalidGrant().WithDescription("The account may not hold tokens.").WithParent(err)
	} else if err != nil {
		return g, err
	}
	return g, nil
}

// issue stores the tokens of g. A code is used up at its exchange, an
// implicit request when its tokens are issued, in the transaction that
// stores them: of concurrent exchanges one wins, and a replay finds it
// used (and revokes what it issued). A refresh token is rotated.
func (s *storage) issue(ctx context.Context, req op.TokenRequest, g oauth.Grant, current string) (oauth.Issued, error) {
	c := callOf(ctx)
	var (
		iss oauth.Issued
		err error
	)
	r, isRequest := req.(authRequest)
	if s.p.beforeIssue != nil {
		s.p.beforeIssue()
	}
	switch {
	case current != "":
		iss, err = s.p.o.OAuth.Rotate(ctx, current, g)
	case isRequest && (c.endpoint == pathToken || !hasCode(r.a)):
		if iss, err = s.p.o.OAuth.Exchange(ctx, g); err == nil {
			c.used = r.a.ID
		}
	default:
		iss, err = s.p.o.OAuth.Issue(ctx, g)
	}
	return iss, grantError(ctx, err)
}

// grantError is a domain condition met once the op package validated the
// request (a code or refresh token used, revoked or expired meanwhile, a
// concurrent exchange that won) as RFC 6749's invalid_grant; the op
// package would answer anything else but its own errors as a server
// error.
func grantError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	note(ctx, err)
	for _, cond := range []error{oauth.ErrReused, oauth.ErrRevoked, oauth.ErrNotFound, oauth.ErrExpired, oauth.ErrCodeExpired} {
		if errors.Is(err, cond) {
			return oidc.ErrInvalidGrant().WithDescription("The grant is not valid: it expired, was revoked or was used before.").WithParent(err)
		}
	}
	return protocolError(err)
}

func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	g, err := s.grant(ctx, req)
	if err != nil {
		return "", time.Time{}, err
	}
	iss, err := s.issue(ctx, req, g, "")
	if err != nil {
		return "", time.Time{}, err
	}
	return iss.AccessTokenID, iss.AccessExpires, nil
}

// CreateAccessAndRefreshTokens starts a family for a code, or rotates the
// refresh token presented (a second use of it revokes the family).
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	g, err := s.grant(ctx, req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	g.Refresh = true
	iss, err := s.issue(ctx, req, g, current)
	if err != nil {
		return "", "", time.Time{}, err
	}
	return iss.AccessTokenID, iss.RefreshToken, iss.AccessExpires, nil
}

// TokenRequestByRefreshToken finds the grant of a refresh token of the
// client the op package authenticated just before.
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, refreshToken string) (op.RefreshTokenRequest, error) {
	c := callOf(ctx)
	if c.client == nil {
		return nil, note(ctx, oauth.ErrNotFound)
	}
	t, err := s.p.o.OAuth.RefreshGrant(ctx, c.site.ID, c.client.c.ClientID, refreshToken)
	if err != nil {
		return nil, note(ctx, err)
	}
	if _, err := s.holder(ctx, t.AccountID); err != nil {
		return nil, err
	}
	return &refreshRequest{t: t, scopes: slices.Clone(t.Scopes), token: refreshToken}, nil
}

// GetRefreshTokenInfo: custos's refresh tokens are opaque; a JWT is an
// access token.
func (s *storage) GetRefreshTokenInfo(_ context.Context, _ string, tok string) (string, string, error) {
	if strings.Count(tok, ".") == 2 {
		return "", "", op.ErrInvalidRefreshToken
	}
	return "", tok, nil
}

// RevokeToken revokes a refresh token's family or an access token by id;
// a token unknown is not an error (RFC 7009 2.2). Another client's is
// refused, unauthorized_client (RFC 7009 2.1: the request is refused when
// the token was not issued to the client; RFC 6749 5.2's word for a
// client not allowed what it asks), and stays as it is.
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, _, clientID string) *oidc.Error {
	err := s.p.o.OAuth.Revoke(ctx, siteID(ctx), clientID, tokenOrID)
	switch {
	case err == nil, errors.Is(err, oauth.ErrNotFound):
		return nil
	case errors.Is(err, oauth.ErrWrongClient):
		note(ctx, err)
		return oidc.ErrUnauthorizedClient().WithDescription("The token was issued to another client.")
	}
	note(ctx, err)
	return oidc.ErrServerError()
}

func (s *storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	_, err := s.TerminateSessionFromRequest(ctx, &op.EndSessionRequest{UserID: userID, ClientID: clientID})
	return err
}

// TerminateSessionFromRequest revokes what the account of the
// id_token_hint holds of the client, and ends the browser's custos
// session, if the request carries one.
// Without a registered post_logout_redirect_uri the browser lands on
// custos's own logged-out page.
func (s *storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	to := req.RedirectURI
	if !strings.HasPrefix(to, "https://") && !strings.HasPrefix(to, "http://") {
		to = s.p.issuer(callOf(ctx).site.APIKey) + pathLoggedOut
	}
	return to, s.p.endSession(ctx, req.UserID, req.ClientID)
}

// --- keys ---

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	kid, key, err := s.p.o.Keys.Signer(ctx, siteID(ctx))
	if err != nil {
		return nil, note(ctx, err)
	}
	return signingKey{kid: kid, key: key}, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	set, err := s.p.o.Keys.JWKS(ctx, siteID(ctx))
	if err != nil {
		return nil, note(ctx, err)
	}
	out := make([]op.Key, len(set.Keys))
	for i, k := range set.Keys {
		out[i] = publicKey{k}
	}
	return out, nil
}

type signingKey struct {
	kid string
	key crypto.Signer
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.kid }

type publicKey struct{ jose.JSONWebKey }

func (k publicKey) ID() string                         { return k.KeyID }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.SignatureAlgorithm(token.Alg) }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.JSONWebKey.Key }

// --- claims ---

// SetUserinfoFromScopes is deprecated in the op package: the claims come
// from SetUserinfoFromRequest.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the id_token's claims.
func (s *storage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	a, err := s.p.o.Accounts.ByUID(ctx, siteID(ctx), req.GetSubject())
	if err != nil {
		return note(ctx, err)
	}
	cfg, err := s.p.o.OAuth.Config(ctx, siteID(ctx))
	if err != nil {
		return note(ctx, err)
	}
	userinfo(ui, a, cfg, scopes)
	return nil
}

// SetUserinfoFromToken answers userinfo: the claims of the scopes of a
// live access token.
func (s *storage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := s.p.o.OAuth.AccessToken(ctx, siteID(ctx), tokenID)
	if err != nil {
		return note(ctx, err)
	}
	if t.Subject != subject {
		return note(ctx, oauth.ErrNotFound)
	}
	if t.AccountID == 0 {
		ui.Subject = t.Subject
		return nil
	}
	a, err := s.holder(ctx, t.AccountID)
	if err != nil {
		return err
	}
	cfg, err := s.p.o.OAuth.Config(ctx, siteID(ctx))
	if err != nil {
		return note(ctx, err)
	}
	userinfo(ui, a, cfg, t.Scopes)
	return nil
}

// SetIntrospectionFromToken describes a live access token to the client it
// was issued to or meant for; to any other it is inactive.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, err := s.p.o.OAuth.AccessToken(ctx, siteID(ctx), tokenID)
	if err != nil {
		return err
	}
	if t.Subject != subject || (t.ClientID != clientID && !slices.Contains(t.Audience, clientID)) {
		return oauth.ErrNotFound
	}
	if _, err := s.holder(ctx, t.AccountID); err != nil {
		return err
	}
	resp.Scope = t.Scopes
	resp.ClientID = t.ClientID
	resp.TokenType = oidc.BearerToken
	resp.Expiration = oidc.FromTime(t.ExpiresAt)
	resp.IssuedAt = oidc.FromTime(t.CreatedAt)
	if !t.AuthTime.IsZero() {
		resp.AuthTime = oidc.FromTime(t.AuthTime)
	}
	resp.Subject = t.Subject
	resp.Audience = t.Audience
	resp.AuthenticationMethodsReferences = t.AMR
	resp.Issuer = s.p.issuer(callOf(ctx).site.APIKey)
	resp.JWTID = t.ID
	return nil
}

// holder is the account a token acts for, while it may hold tokens
// (account.MayHoldTokens: a deactivated account's are refused, though
// its deactivation revoked them already); ErrNotFound once deleted. A
// grant of no account (client_credentials) is no one's: the zero Account.
// It is read with its objects, which claims come from, and never with its
// password hash.
func (s *storage) holder(ctx context.Context, accountID int64) (account.Account, error) {
	if accountID == 0 {
		return account.Account{}, nil
	}
	a, err := s.p.o.Accounts.ByIDReading(ctx, siteID(ctx), accountID, account.ReadObjects)
	if err == nil {
		err = a.MayHoldTokens()
	}
	if err != nil {
		return account.Account{}, note(ctx, err)
	}
	return a, nil
}

// GetPrivateClaimsFromScopes: access tokens carry no claims beyond the
// standard ones.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// The JWT profile grant (RFC 7523) is not offered: no client has keys.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, oidc.ErrInvalidClient().WithDescription("jwt profile not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

func (s *storage) Health(context.Context) error { return nil }
