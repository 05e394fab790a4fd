package rpc

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/authn"
)

// allJWTPublicKeys answers accounts.getJWTPublicKey called without an
// apiKey: with V2, the keys of every site of this server. Gigya's keys are
// per data center and the SDKs fetch and cache them so: the .NET SDK asks
// https://accounts.<apiDomain>/accounts.getJWTPublicKey?V2=true with no
// apiKey at all (JwtUtils.FetchPublicKey of SAP/gigya-dotnet-sdk), the PHP
// SDK caches the set per API domain (JWTUtils). Without V2 there is no one
// key to answer: 400092. The answer may be cached while it holds
// (token.Published); the issuer (iss) tells one site's tokens from
// another's.
func (x Accounts) allJWTPublicKeys(ctx context.Context, c *Call) (any, error) {
	if v2, err := c.Params.Bool("V2", false); err != nil {
		return nil, err
	} else if !v2 {
		return nil, errcode.New(errcode.MissingAPIKey,
			"Missing required parameter: apiKey (without one, accounts.getJWTPublicKey answers the keys of every site with V2=true)")
	}
	sites, err := x.Sites.List(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(sites))
	for i, st := range sites {
		ids[i] = st.ID
	}
	set, holds, err := x.Keys.Published(ctx, ids)
	if err != nil {
		return nil, err
	}
	c.CacheFor(holds)
	return obj{"keys": set.Keys}, nil
}

// sdkMethods are the methods Gigya's server SDKs call beside the account
// methods proper: the UIDSignature exchange of application keys, the custom
// login of sites with their own user store, and the socialize.* names of
// the same operations that existing code still calls.
func sdkMethods(x Accounts) map[string]Method {
	exchange := Method{Auth: Server, Run: x.exchangeUIDSignature, Params: []string{
		"UID", "UIDSignature", "signatureTimestamp"}}
	return map[string]Method{
		"accounts.exchangeUIDSignature":  exchange,
		"socialize.exchangeUIDSignature": exchange,
		"accounts.notifyLogin": {Auth: Server, Run: x.notifyLogin, Params: []string{
			"siteUID", "providerSessions", "skipValidation", "include", "sessionExpiration",
			// accepted:
			"regSource", "phoneNumber", "loginMode", "regToken", "aToken"}},
		"socialize.notifyLogin": {Auth: Server, Run: x.socializeNotifyLogin, Params: []string{
			"siteUID", "providerSessions", "skipValidation", "sessionExpiration",
			// accepted:
			"newUser", "userInfo", "regSource", "phoneNumber", "actionAttributes"}},
		"socialize.logout": {Auth: SessionOrServer, Run: x.logout, EndsSession: true, Params: []string{
			"UID",
			// accepted:
			"signIDs", "samlContext"}},
		"socialize.getUserInfo": {Auth: SessionOrServer, Run: x.getUserInfo, Params: []string{
			"UID",
			// accepted:
			"includeAllIdentities", "extraFields", "enabledProviders", "disabledProviders", "signIDs"}},
	}
}

// notify runs a custom login: siteUID names the user. providerSessions (a
// social network's session, to connect) is 400096 until social login comes;
// nothing sent is ignored.
func (x Accounts) notify(ctx context.Context, c *Call) (account.Result, bool, error) {
	p := c.Params
	if p.Get("providerSessions") != "" {
		return account.Result{}, false, errcode.New(errcode.NotSupported,
			"Not supported: providerSessions (social network sessions); name the user with siteUID")
	}
	so, err := sessionOptions(p)
	if err != nil {
		return account.Result{}, false, err
	}
	skip, err := p.Bool("skipValidation", false)
	if err != nil {
		return account.Result{}, false, err
	}
	return x.Accounts.NotifyLogin(ctx, c.Site, account.NotifyInput{SiteUID: p.Get("siteUID"), Session: so, SkipValidation: skip})
}

// notifyLogin answers accounts.notifyLogin as a login: the account, its
// sessionInfo and UID signature (for the client the site's server hands
// them to), and isNewUser.
func (x Accounts) notifyLogin(ctx context.Context, c *Call) (any, error) {
	inc, err := parseInclude(c.Params, "profile")
	if err != nil {
		return nil, err
	}
	res, created, err := x.notify(ctx, c)
	out, err := x.result(ctx, c, res, inc, err)
	if o, ok := out.(obj); ok {
		o["isNewUser"] = created
	}
	return out, err
}

// socializeNotifyLogin answers socialize.notifyLogin: UID, UIDSignature and
// signatureTimestamp, and the session flat beside them (cookieName,
// cookieValue, cookiePath; sessionToken and sessionSecret for mobile), as
// Gigya's legacy response has it.
func (x Accounts) socializeNotifyLogin(ctx context.Context, c *Call) (any, error) {
	res, _, err := x.notify(ctx, c)
	if res.Session == nil {
		if res.RegToken != "" {
			return obj{"UID": res.Account.UID, "regToken": res.RegToken}, err
		}
		return nil, err
	}
	out := obj{"UID": res.Account.UID}
	signUID(out, c.Site.Secret, res.Account.UID, x.Now())
	for k, v := range x.sessionInfo(c, res.Session) {
		out[k] = v
	}
	if _, browser := out["cookieName"]; browser {
		out["cookiePath"] = "/"
	}
	return out, err
}

// userFields are the fields of Gigya's User object that a profile may
// hold, by the same names.
var userFields = []string{"nickname", "photoURL", "thumbnailURL", "firstName", "lastName", "gender", "age",
	"birthDay", "birthMonth", "birthYear", "country", "state", "city", "zip", "profileURL", "locale"}

// getUserInfo answers socialize.getUserInfo: Gigya's User object, as far as
// a site account has it: no social identities, the profile's user fields,
// the login email. It carries the UID signature in server calls too, for
// which SigUtils.validateUserSignature of every SDK was made.
func (x Accounts) getUserInfo(ctx context.Context, c *Call) (any, error) {
	a, err := x.target(ctx, c, "UID")
	if err != nil {
		return nil, err
	}
	login, providers, ids, err := x.Accounts.Providers(ctx, a)
	if err != nil {
		return nil, err
	}
	out := obj{"UID": a.UID, "isSiteUser": true, "isConnected": len(ids) > 0, "isTempUser": false,
		"loginProvider": login, "loginProviderUID": a.UID, "providers": strings.Join(providers, ","),
		"identities": identitiesView(a, ids)}
	for _, id := range ids {
		if id.Provider == login {
			out["loginProviderUID"] = id.ProviderUID
		}
	}
	signUID(out, c.Site.Secret, a.UID, x.Now())
	if c.Session != nil {
		out["isLoggedIn"] = true
	}
	for _, f := range userFields {
		if v, ok := a.Profile[f]; ok && v != nil {
			out[f] = v
		}
	}
	if a.Email != "" {
		out["email"] = a.Email
	}
	return out, nil
}

// signUID adds the UID signature of the site secret at now.
func signUID(out obj, secret []byte, uid string, now time.Time) {
	ts := strconv.FormatInt(now.Unix(), 10)
	out["UIDSignature"] = authn.UIDSignature(secret, ts, uid)
	out["signatureTimestamp"] = ts
}

// exchangeUIDSignature checks a UIDSignature that custos gave a client (made
// with the site secret) and answers one made with the calling application
// key's secret, which a server holding only that key can check (SigUtils of
// every SDK: Base64(HMAC-SHA1(secret, "<signatureTimestamp>_<UID>"))). The
// key is the caller's: userKey and its secret, a signature made with it, or
// its Bearer JWT (Gigya documents userKey as "the user key of the user
// making the request" and secret as the one that validates the answer).
func (x Accounts) exchangeUIDSignature(ctx context.Context, c *Call) (any, error) {
	if c.Key == nil {
		return nil, errcode.New(errcode.MissingRequiredParameter,
			"Missing required parameter: userKey (the new UIDSignature is made with the calling application key's secret)")
	}
	var vals [3]string
	for i, name := range []string{"UID", "UIDSignature", "signatureTimestamp"} {
		v, err := c.Params.Required(name)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	sig, ts, err := authn.ExchangeUIDSignature(c.Site.Secret, c.Key.Secret, vals[0], vals[1], vals[2], x.Now())
	if err != nil {
		return nil, err
	}
	return obj{"UID": vals[0], "UIDSignature": sig, "signatureTimestamp": ts}, nil
}
