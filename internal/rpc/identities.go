package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/social"
)

// SessionVerifier checks a native provider session a client hands over
// (social.Service does): the identity the provider vouches for.
type SessionVerifier interface {
	VerifySession(ctx context.Context, siteID int64, provider string, ps social.ProviderSession) (account.Identity, error)
}

// identityMethods are the methods of social identities: the native-token
// login, conflicts and linking, connections (gigya-api-2.md §5.2–§5.5).
func identityMethods(x Accounts) map[string]Method {
	return map[string]Method{
		"accounts.notifySocialLogin": {Auth: APIKey, Run: x.notifySocialLogin, Params: []string{
			"providerSessions", "loginMode", "regToken", "include", "sessionExpiration", "finalizeRegistration", "UID",
			// accepted:
			"conflictHandling", "dataCenter", "regSource", "phoneNumber", "clientContext"}},
		"accounts.getConflictingAccount": {Auth: APIKey, Run: x.getConflictingAccount, Params: []string{
			"regToken"}},
		"accounts.linkAccounts": {Auth: APIKey, Run: x.linkAccounts, Params: []string{
			"regToken", "loginID", "password", "include", "sessionExpiration", "captchaToken",
			// accepted:
			"UID", "clientContext"}},
		"socialize.removeConnection": {Auth: SessionOrServer, Run: x.removeConnection, Params: []string{
			"UID", "provider", "lastIdentityHandling",
			// accepted:
			"removeLoginID", "signIDs"}},
	}
}

// maxProviderSessions bounds the providerSessions parameter.
const maxProviderSessions = 64 << 10

// providerSession reads providerSessions: one provider's session,
// {"<provider>": {"idToken": …} | {"authToken": …}}; the other fields
// Gigya's SDKs send (tokenSecret, tokenExpiration, sessionHandle …) are
// not needed to verify it.
func providerSession(p *Params) (string, social.ProviderSession, error) {
	raw, err := p.Required("providerSessions")
	if err != nil {
		return "", social.ProviderSession{}, err
	}
	if len(raw) > maxProviderSessions {
		return "", social.ProviderSession{}, errcode.InvalidValue("providerSessions", "too long")
	}
	var m map[string]struct {
		IDToken   string `json:"idToken"`
		AuthToken string `json:"authToken"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return "", social.ProviderSession{}, errcode.InvalidFormat("providerSessions",
			`want a JSON object {"<provider>": {"idToken": "…"}} or {"<provider>": {"authToken": "…"}}`)
	}
	switch {
	case len(m) == 0:
		return "", social.ProviderSession{}, errcode.New(errcode.MissingRequiredProviderParameter,
			"Missing required provider parameter: providerSessions names no provider")
	case len(m) > 1:
		return "", social.ProviderSession{}, errcode.InvalidValue("providerSessions", "give the session of one provider")
	}
	for name, s := range m {
		if s.IDToken == "" && s.AuthToken == "" {
			return "", social.ProviderSession{}, errcode.Missing("providerSessions." + strings.ToValidUTF8(name, "") + ".idToken or authToken")
		}
		return name, social.ProviderSession{IDToken: s.IDToken, AuthToken: s.AuthToken}, nil
	}
	panic("unreachable")
}

// loginMode reads loginMode (x_loginMode): standard, connect or link.
func loginMode(p *Params) (account.LoginMode, error) {
	switch m := account.LoginMode(p.Get("loginMode")); m {
	case "", account.LoginStandard:
		return account.LoginStandard, nil
	case account.LoginConnect, account.LoginLink:
		return m, nil
	}
	return "", errcode.InvalidValue("loginMode", "want standard, connect or link")
}

// notifySocialLogin logs in with a native provider session the client got
// from the provider's SDK: the provider verifies it (an id_token against
// its keys for custos's client ID, an access token at its userinfo), then
// account.SocialLogin. connect attaches the identity to the caller's
// account: a server names it by UID, a client by its session.
func (x Accounts) notifySocialLogin(ctx context.Context, c *Call) (any, error) {
	p := c.Params
	so, inc, err := loginOptions(p, "profile")
	if err != nil {
		return nil, err
	}
	mode, err := loginMode(p)
	if err != nil {
		return nil, err
	}
	finalize, err := p.Bool("finalizeRegistration", true)
	if err != nil {
		return nil, err
	}
	provider, ps, err := providerSession(p)
	if err != nil {
		return nil, err
	}
	in := account.SocialInput{Mode: mode, RegToken: p.Get("regToken"), Session: so, Caller: c.Caller(),
		Finalize: finalize, ClientIP: callctx.From(ctx).ClientIP}
	switch {
	case mode == account.LoginLink && in.RegToken == "":
		return nil, errcode.Missing("regToken")
	case mode == account.LoginConnect:
		if in.AccountID, err = x.connectTarget(ctx, c); err != nil {
			return nil, err
		}
	}
	if x.Social == nil {
		return nil, errcode.New(errcode.NotSupported, "Not supported: social login is not configured")
	}
	if in.Identity, err = x.Social.VerifySession(ctx, c.Site.ID, provider, ps); err != nil {
		return nil, err
	}
	res, err := x.Accounts.SocialLogin(ctx, c.Site, in)
	return x.socialResult(ctx, c, res, inc, err)
}

// connectTarget is the account a connect attaches to: the UID's in a
// server call, else the caller's session's (oauth_token, login_token).
func (x Accounts) connectTarget(ctx context.Context, c *Call) (int64, error) {
	if c.Server && c.Params.Get("UID") != "" {
		a, err := x.Accounts.ByUID(ctx, c.Site.ID, c.Params.Get("UID"))
		return a.ID, err
	}
	if c.Account != nil {
		return c.Account.ID, nil
	}
	if tok := c.Params.Get("login_token"); tok != "" {
		_, a, err := x.Accounts.ResolveSession(ctx, c.Site.ID, tok, account.Read{})
		return a.ID, err
	}
	return 0, errcode.New(errcode.NoValidSession, "No valid session: loginMode=connect adds the identity to the logged-in user; log in first")
}

// socialResult renders a social login: the login's answer with isNewUser
// and isAddConnection, or, for a conflict, the regToken to link with.
func (x Accounts) socialResult(ctx context.Context, c *Call, res account.Result, inc include, err error) (any, error) {
	if res.Account.UID == "" {
		if res.RegToken != "" {
			return obj{"regToken": res.RegToken, "provider": res.Provider}, err
		}
		return nil, err
	}
	out, err := x.result(ctx, c, res, inc, err)
	o, ok := out.(obj)
	if !ok {
		return out, err
	}
	o["isNewUser"], o["isAddConnection"] = res.NewUser, res.Connected
	if res.Connected {
		// The user is logged in already: no new session, nothing signed.
		delete(o, "UIDSignature")
		delete(o, "signatureTimestamp")
	}
	if perr := x.addProviders(ctx, c, o, res.Account, inc); perr != nil {
		return nil, perr
	}
	return o, err
}

// addProviders sets loginProvider and socialProviders of an account's
// answer, and its identities when include asks for them.
func (x Accounts) addProviders(ctx context.Context, c *Call, out obj, a account.Account, inc include) error {
	login, providers, ids, err := x.Accounts.Providers(ctx, a)
	if err != nil {
		return err
	}
	out["loginProvider"], out["socialProviders"] = login, strings.Join(providers, ",")
	if inc.has("identities-active") || inc.has("identities-all") || inc.has("identities-global") {
		out["identities"] = identitiesView(a, ids)
	}
	return nil
}

// identitiesView is the identities of an account as Gigya's Identity
// objects: the provider's profile fields flat beside provider and
// providerUID.
func identitiesView(a account.Account, ids []account.StoredIdentity) []obj {
	out := make([]obj, 0, len(ids))
	for _, id := range ids {
		o := obj{}
		for _, f := range userFields {
			if v, ok := id.Profile[f]; ok && v != nil {
				o[f] = v
			}
		}
		o["provider"], o["providerUID"] = id.Provider, id.ProviderUID
		o["isLoginIdentity"], o["allowsLogin"], o["isExpiredSession"] = true, true, false
		if id.Email != "" {
			o["email"] = id.Email
			o["isEmailVerified"] = id.EmailVerified
		}
		stamp(o, "lastUpdated", id.UpdatedAt)
		stamp(o, "oldestDataUpdated", id.CreatedAt)
		out = append(out, o)
	}
	return out
}

// getConflictingAccount answers, for the regToken of a 403043, the login ID
// of the account the provider's email belongs to and how it logs in; null
// for a regToken of no conflict.
func (x Accounts) getConflictingAccount(ctx context.Context, c *Call) (any, error) {
	regToken, err := c.Params.Required("regToken")
	if err != nil {
		return nil, err
	}
	loginID, providers, err := x.Accounts.ConflictingAccount(ctx, c.Site, regToken)
	if err != nil {
		return nil, err
	}
	if loginID == "" {
		return obj{"conflictingAccount": nil}, nil
	}
	return obj{"conflictingAccount": obj{"loginID": loginID, "loginProviders": providers}}, nil
}

// linkAccounts proves, with the password of the account a pending identity
// conflicts with, that the user owns it: the identity is attached and the
// user logged in.
func (x Accounts) linkAccounts(ctx context.Context, c *Call) (any, error) {
	return x.link(ctx, c, true)
}

// link runs accounts.linkAccounts (login) and accounts.login with
// loginMode=link (200009 and the regToken to finalize with).
func (x Accounts) link(ctx context.Context, c *Call, login bool) (any, error) {
	p := c.Params
	so, inc, err := loginOptions(p, "profile")
	if err != nil {
		return nil, err
	}
	regToken, err := p.Required("regToken")
	if err != nil {
		return nil, err
	}
	res, err := x.Accounts.LinkAccounts(ctx, c.Site, account.LinkInput{RegToken: regToken, LoginID: p.Get("loginID"),
		Password: p.Get("password"), Session: so, Login: login, ClientIP: callctx.From(ctx).ClientIP,
		CaptchaToken: p.Get("captchaToken"), Caller: c.Caller()})
	return x.socialResult(ctx, c, res, inc, err)
}

// removeConnection detaches a provider's identity from the account.
func (x Accounts) removeConnection(ctx context.Context, c *Call) (any, error) {
	a, err := x.target(ctx, c, "UID")
	if err != nil {
		return nil, err
	}
	err = x.Accounts.RemoveConnection(ctx, c.Site, a.ID, c.Params.Get("provider"),
		account.LastIdentity(c.Params.Get("lastIdentityHandling")))
	if errors.Is(err, account.ErrBadValue) {
		return nil, errcode.InvalidValue("lastIdentityHandling", "want soft, remove or fail")
	}
	if err != nil {
		return nil, err
	}
	return obj{}, nil
}
