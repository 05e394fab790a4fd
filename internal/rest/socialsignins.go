package rest

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/social"
)

// SessionVerifier checks a provider's token (social.Service does): the
// identity the provider vouches for.
type SessionVerifier interface {
	VerifySession(ctx context.Context, siteID int64, provider string, ps social.ProviderSession) (account.Identity, error)
}

// registerSocialSignIns adds the Social ID sign-ins with a provider's
// token and GET /info, which a site's server calls with its api_secret and
// the user's token.
func registerSocialSignIns(h *Handler, u Users) {
	h.Handle("POST /apps/{app_id}/sign_ins/{provider}", u.providerSignIn)
	h.HandleAuth("GET /info", u.infoAuth(h.Authn()), u.info)
}

// signInBody is the body of a sign-in with a provider's token.
type signInBody struct {
	AccessToken  string `json:"access_token"`
	AccessSecret string `json:"access_secret"`
	IDToken      string `json:"id_token"`
}

// providerSignIn signs a user in with a provider's token (an id_token,
// verified against the provider's keys for custos's client ID, or an
// access token, checked at its userinfo): the identity's user, or a new
// one. The answer is a login's.
func (u Users) providerSignIn(ctx context.Context, r *Request) (Response, error) {
	if r.PathValue("app_id") != strconv.FormatInt(r.Site.ID, 10) {
		return Response{}, errcode.New(errcode.NotFound, "Login App not found")
	}
	var b signInBody
	if err := r.Decode(&b); err != nil {
		return Response{}, err
	}
	if b.AccessToken == "" && b.IDToken == "" {
		return Response{}, errcode.New(errcode.MissingRequiredParameter, "access_token or id_token must be given")
	}
	if u.Social == nil {
		return Response{}, errcode.New(errcode.NotSupported, "Not supported: social login is not configured")
	}
	id, err := u.Social.VerifySession(ctx, r.Site.ID, r.PathValue("provider"),
		social.ProviderSession{IDToken: b.IDToken, AuthToken: b.AccessToken})
	if err != nil {
		return Response{}, err
	}
	res, err := u.Accounts.SocialLogin(ctx, r.Site, account.SocialInput{Identity: id, Mode: account.LoginStandard,
		Finalize: true, Caller: r.Caller()})
	if err != nil {
		return Response{}, err
	}
	s := res.Session
	connID := account.ConnectionID(s.Session)
	return Response{Status: http.StatusCreated, Location: u.location("sign_ins", s.ID), Body: map[string]any{
		"connection":    u.BaseURL + Prefix + "/connections/" + connID,
		"connection_id": connID,
		"login_token":   s.Token,
		"user_id":       res.Account.ID,
		"new_user":      res.NewUser,
	}}, nil
}

// infoAuth checks GET /info's credentials: the user's token names the
// site, whose secret api_secret must be. Either wrong is one answer.
func (u Users) infoAuth(v *authn.Verifier) Authenticator {
	return func(r *http.Request, secure bool) (*authn.Principal, error) {
		q := r.URL.Query()
		secret, tok := q.Get("api_secret"), q.Get("token")
		if secret == "" || tok == "" {
			return nil, errcode.New(errcode.InvalidAuthenticationHeader, "api_secret and token are required")
		}
		siteID, err := u.Accounts.TokenSite(r.Context(), tok)
		if err != nil {
			siteID = 0 // answered as bad credentials below, as a wrong secret is
		}
		return v.Basic(r.Context(), strconv.FormatInt(siteID, 10), secret, secure)
	}
}

// info answers what a user's token is: its connection, the credential it
// logged in with (the provider and the user's id there, or the site), and
// the user's fields of the Social ID document.
func (u Users) info(ctx context.Context, r *Request) (Response, error) {
	sess, a, err := u.Accounts.ResolveSession(ctx, r.Site.ID, r.URL.Query().Get("token"), account.ReadObjects)
	if err != nil {
		return Response{}, err
	}
	login, _, ids, err := u.Accounts.Providers(ctx, a)
	if err != nil {
		return Response{}, err
	}
	cred := map[string]any{"type": login}
	for _, id := range ids {
		if id.Provider == login {
			cred[credentialKey(id.Provider)] = id.ProviderUID
			if v, ok := id.Profile["nickname"]; ok {
				cred["screen_name"] = v
			}
			if v, ok := id.Profile["profileURL"]; ok {
				cred["public_profile_url"] = v
			}
		}
	}
	if login == "site" {
		cred["username"], cred["email_address"] = optional(a.Username), optional(a.Email)
	}
	connID := account.ConnectionID(sess)
	body := map[string]any{
		"connection":    u.BaseURL + Prefix + "/connections/" + connID,
		"connection_id": connID,
		"user_id":       a.ID,
		"id":            a.ID,
		"credential":    cred,
		"email":         optional(a.Email),
		"name":          optional(strings.TrimSpace(str(stringOf(a.Profile["firstName"])) + " " + str(stringOf(a.Profile["lastName"])))),
		"picture_url":   stringOf(a.Profile["photoURL"]),
	}
	if p := r.profileOf(a); p != nil {
		body["profile"] = p
	}
	return Response{Body: body}, nil
}

// credentialKey is the key of the provider's user id in a credential:
// "<provider>_id", as Social ID names facebook_id and twitter_id.
func credentialKey(provider string) string {
	return strings.ReplaceAll(provider, "-", "_") + "_id"
}

// stringOf is v when it is a non-empty string.
func stringOf(v any) *string {
	switch s := v.(type) {
	case string:
		if s != "" {
			return &s
		}
	case json.Number:
		n := s.String()
		return &n
	}
	return nil
}
