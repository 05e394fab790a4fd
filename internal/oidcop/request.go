package oidcop

import (
	"encoding/json"
	"log/slog"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/custos-id/custos/internal/oauth"
)

// authRequest is an authorization request as the op package sees it.
type authRequest struct{ a oauth.AuthRequest }

var (
	_ op.AuthRequest    = authRequest{}
	_ op.LogAuthRequest = authRequest{}
)

func (r authRequest) GetID() string { return r.a.ID }

// GetACR answers a request for acr (acr_values, or acr in the claims
// parameter) with "0", the one level custos can claim: OpenID Connect
// Core 2 defines it as not meeting ISO/IEC 29115 level 1, "for instance"
// a long-lived browser cookie. No other value is answered, requested or
// not.
func (r authRequest) GetACR() string {
	if len(r.a.ACRValues) > 0 {
		return acrNone
	}
	return ""
}

// GetAMR is how the user authenticated, when known ("pwd" after the
// hosted login page).
func (r authRequest) GetAMR() []string       { return r.a.AMR }
func (r authRequest) GetAudience() []string  { return []string{r.a.ClientID} }
func (r authRequest) GetAuthTime() time.Time { return r.a.AuthTime }
func (r authRequest) GetClientID() string    { return r.a.ClientID }
func (r authRequest) GetNonce() string       { return r.a.Nonce }
func (r authRequest) GetRedirectURI() string { return r.a.RedirectURI }
func (r authRequest) GetScopes() []string    { return r.a.Scopes }
func (r authRequest) GetState() string       { return r.a.State }
func (r authRequest) GetSubject() string     { return r.a.Subject }
func (r authRequest) Done() bool             { return r.a.Done }
func (r authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(r.a.ResponseType)
}
func (r authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(r.a.ResponseMode)
}

func (r authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if r.a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: r.a.CodeChallenge, Method: oidc.CodeChallengeMethod(r.a.CodeChallengeMethod)}
}

// LogValue keeps secrets and personal data out of the op package's logs:
// not the id either, which is the context parameter, a bearer value
// (whoever holds it, with the browser's binding cookie, continues the
// request).
func (r authRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", r.a.ClientID), slog.String("response_type", r.a.ResponseType))
}

// refreshRequest is the grant behind a refresh token.
type refreshRequest struct {
	t      oauth.Token
	scopes []string
	token  string // the refresh token in clear, to rotate
}

var _ op.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string            { return r.t.AMR }
func (r *refreshRequest) GetAudience() []string       { return r.t.Audience }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.t.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.t.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.t.Subject }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = slices.Clone(s) }

// clientRequest is a client_credentials grant: the client is the subject.
type clientRequest struct {
	clientID string
	scopes   []string
}

func (r clientRequest) GetSubject() string    { return r.clientID }
func (r clientRequest) GetAudience() []string { return []string{r.clientID} }
func (r clientRequest) GetScopes() []string   { return r.scopes }

// acrNone is the acr custos answers (GetACR).
const acrNone = "0"

// claimsACR tells whether the claims parameter (OpenID Connect Core
// 5.5) asks for acr, in the id_token or from userinfo; a claims value
// that is not a JSON object asks for nothing.
func claimsACR(claims string) bool {
	if claims == "" {
		return false
	}
	var c map[string]map[string]json.RawMessage
	if json.Unmarshal([]byte(claims), &c) != nil {
		return false
	}
	_, inIDToken := c["id_token"]["acr"]
	_, inUserinfo := c["userinfo"]["acr"]
	return inIDToken || inUserinfo
}
