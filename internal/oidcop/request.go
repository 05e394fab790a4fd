package oidcop

import (
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

func (r authRequest) GetID() string  { return r.a.ID }
func (r authRequest) GetACR() string { return "" }
func (r authRequest) GetAMR() []string {
	return r.a.AMR
}
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

// LogValue keeps secrets and personal data out of the op package's logs.
func (r authRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", r.a.ID), slog.String("client_id", r.a.ClientID),
		slog.String("response_type", r.a.ResponseType))
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
