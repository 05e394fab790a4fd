package rpc

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/callctx"
	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/screenset"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/token"
)

// Accounts are the services behind the accounts.* methods.
type Accounts struct {
	Accounts *account.Service
	Sites    *site.Service
	Keys     *token.Keys
	// ScreenSets reads the sites' screen-sets (accounts.getScreenSets).
	ScreenSets *screenset.Service
	// Issuer is the template of the iss claim (token.Issuer).
	Issuer string
	Now    func() time.Time
	// Social verifies native provider sessions (accounts.notifySocialLogin);
	// nil: social login is not configured.
	Social SessionVerifier
}

// RegisterAccounts adds the accounts.* methods. Each lists the parameters
// it takes (gigya-api.md §3, the SDKs' method schemas): first those it
// reads, then, after "accepted:", those Gigya documents for it that custos
// takes without acting on, so that they are not reported as ignored.
func RegisterAccounts(h *Handler, x Accounts) {
	for name, m := range map[string]Method{
		"accounts.initRegistration": {Auth: APIKey, Run: x.initRegistration, Params: []string{
			// accepted:
			"isLite", "dataCenter"}},
		"accounts.register": {Auth: APIKey, Run: x.register, Params: []string{
			"email", "username", "password", "profile", "data", "preferences", "subscriptions", "regToken",
			"finalizeRegistration", "include", "sessionExpiration", "captchaToken",
			// accepted:
			"communications", "captchaText", "captchaType", "captchaProvider",
			"secretQuestion", "secretAnswer", "siteUID", "regSource", "clientContext"}},
		"accounts.finalizeRegistration": {Auth: APIKey, Run: x.finalizeRegistration, Params: []string{
			"regToken", "include", "sessionExpiration",
			// accepted:
			"allowAccountsLinking", "subscriptions"}},
		"accounts.login": {Auth: APIKey, Run: x.login, Params: []string{
			"loginID", "password", "include", "sessionExpiration", "captchaToken", "loginMode", "regToken",
			// accepted:
			"aToken", "captchaText", "captchaType", "actionAttributes", "clientContext"}},
		"accounts.logout": {Auth: SessionOrServer, Run: x.logout, EndsSession: true, Params: []string{
			"UID",
			// accepted:
			"signIDs", "samlContext", "sustainLogoutURLs"}},
		"accounts.getAccountInfo": {Auth: SessionServerOrRegToken, Run: x.getAccountInfo, Reads: accountInfoReads, Params: []string{
			"UID", "include", "regToken",
			// accepted:
			"extraProfileFields", "includeCommunications"}},
		"accounts.session.verify": {Auth: SessionOrServer, Run: x.sessionVerify, Params: []string{
			"UID"}},
		"accounts.setAccountInfo": {Auth: SessionServerOrRegToken, Run: x.setAccountInfo, Params: []string{
			"UID", "profile", "data", "preferences", "subscriptions", "addLoginEmails", "removeLoginEmails",
			"username", "password", "newPassword", "isActive",
			// accepted:
			"regToken", "communications", "internal", "customIdentifiers",
			"oldPassword", "securityOverride", "secretQuestion", "secretAnswer", "isVerified", "isLockedOut",
			"conflictHandling", "requirePasswordChange", "muteWebhooks", "phoneNumber", "rba", "regSource",
			"created", "tfaStatus"}},
		"accounts.isAvailableLoginID": {Auth: APIKey, Run: x.isAvailableLoginID, Params: []string{
			"loginID"}},
		"accounts.deleteAccount": {Auth: Server, Run: x.deleteAccount, Params: []string{
			"UID"}},
		"accounts.resetPassword": {Auth: APIKey, Run: x.resetPassword, Params: []string{
			"loginID", "passwordResetToken", "newPassword", "sendEmail",
			// accepted:
			"secretAnswer", "securityFields", "email", "captchaToken", "captchaText", "captchaType"}},
		"accounts.resendVerificationCode": {Auth: APIKey, Run: x.resendVerificationCode, Params: []string{
			"regToken", "UID",
			// accepted:
			"email"}},
		"accounts.verifyLogin": {Auth: SessionOrServer, Run: x.verifyLogin, Params: []string{
			"UID", "include",
			// accepted:
			"extraProfileFields"}},
		"accounts.getJWT": {Auth: SessionOrServer, Run: x.getJWT, Params: []string{
			"targetUID", "UID", "fields", "expiration", "audience"}},
		"accounts.getJWTPublicKey": {Auth: APIKey, Run: x.getJWTPublicKey, Keyless: x.allJWTPublicKeys, Params: []string{
			"V2"}},
		"accounts.getPolicies": {Auth: APIKey, Run: x.getPolicies, Params: []string{
			"sections",
			// accepted:
			"include", "filter", "schemaType"}},
		// setPolicies takes each policy section as a parameter.
		"accounts.setPolicies": {Auth: Server, Run: x.setPolicies, Params: policy.Sections},
	} {
		h.Register(name, m)
	}
	for name, m := range schemaMethods(x) {
		h.Register(name, m)
	}
	for name, m := range sdkMethods(x) {
		h.Register(name, m)
	}
	for name, m := range importMethods(x) {
		h.Register(name, m)
	}
	for name, m := range searchMethods(x) {
		h.Register(name, m)
	}
	for name, m := range screenSetMethods(x) {
		h.Register(name, m)
	}
	for name, m := range identityMethods(x) {
		h.Register(name, m)
	}
}

type obj = map[string]any

func (x Accounts) isAvailableLoginID(ctx context.Context, c *Call) (any, error) {
	ok, err := x.Accounts.IsAvailableLoginID(ctx, c.Site, c.Caller(), c.Params.Get("loginID"))
	if err != nil {
		return nil, err
	}
	return obj{"isAvailable": ok}, nil
}

func (x Accounts) initRegistration(ctx context.Context, c *Call) (any, error) {
	tok, err := x.Accounts.InitRegistration(ctx, c.Site)
	if err != nil {
		return nil, err
	}
	return obj{"regToken": tok}, nil
}

func (x Accounts) register(ctx context.Context, c *Call) (any, error) {
	p := c.Params
	so, inc, err := loginOptions(p, "profile")
	if err != nil {
		return nil, err
	}
	finalize, err := p.Bool("finalizeRegistration", false)
	if err != nil {
		return nil, err
	}
	res, err := x.Accounts.Register(ctx, c.Site, account.RegisterInput{
		Email: p.Get("email"), Username: p.Get("username"), Password: p.Get("password"),
		Objects: objects(p), RegToken: p.Get("regToken"),
		Finalize: finalize, Session: so, CaptchaToken: p.Get("captchaToken"), ClientIP: callctx.From(ctx).ClientIP,
		Caller: c.Caller(),
	})
	return x.result(ctx, c, res, inc, err)
}

func (x Accounts) finalizeRegistration(ctx context.Context, c *Call) (any, error) {
	so, inc, err := loginOptions(c.Params, "profile,data")
	if err != nil {
		return nil, err
	}
	regToken, err := c.Params.Required("regToken")
	if err != nil {
		return nil, err
	}
	res, err := x.Accounts.FinalizeRegistration(ctx, c.Site, regToken, so)
	return x.result(ctx, c, res, inc, err)
}

func (x Accounts) login(ctx context.Context, c *Call) (any, error) {
	// loginMode=link proves, by the password, the ownership of the account
	// a social identity waiting under regToken conflicts with (403043).
	switch mode, err := loginMode(c.Params); {
	case err != nil:
		return nil, err
	case mode == account.LoginLink:
		return x.link(ctx, c, false)
	}
	so, inc, err := loginOptions(c.Params, "profile")
	if err != nil {
		return nil, err
	}
	res, err := x.Accounts.Login(ctx, c.Site, account.LoginInput{LoginID: c.Params.Get("loginID"),
		Password: c.Params.Get("password"), Session: so, ClientIP: callctx.From(ctx).ClientIP,
		CaptchaToken: c.Params.Get("captchaToken"), Caller: c.Caller()})
	return x.result(ctx, c, res, inc, err)
}

// result renders a registration or login: the account, then the session or,
// when pending, the regToken beside the pending error.
func (x Accounts) result(ctx context.Context, c *Call, res account.Result, inc include, err error) (any, error) {
	if res.Account.UID == "" {
		return nil, err
	}
	// Registration and login are client-side methods even when a secret
	// comes along: a login carries the signature. A pending one does not,
	// so that no server takes it for a login.
	out := x.view(c, res.Account, res.LoginIDs, inc, res.Session != nil)
	if res.RegToken != "" {
		out["regToken"] = res.RegToken
		if c.Site.Policies.AccountOptions.MustVerify() && !res.Account.EmailVerified && res.Account.Email != "" {
			out["unverifiedEmails"] = []string{res.Account.Email}
		}
	}
	if s := res.Session; s != nil {
		out["sessionInfo"] = x.sessionInfo(c, s)
	}
	if inc.has("id_token") && res.Session != nil {
		tok, jerr := x.idToken(ctx, c.Site, res.Account, token.ClaimOptions{})
		if jerr != nil {
			return nil, jerr
		}
		out["id_token"] = tok
	}
	return out, err
}

// sessionInfo is the session as the client keeps it: a cookie for a browser,
// a token and a signing secret for a mobile app.
func (x Accounts) sessionInfo(c *Call, s *session.New) obj {
	expiresIn := session.ExpiresIn(s.Session, x.Now())
	if s.Secret != "" {
		return obj{"sessionToken": s.Token, "sessionSecret": s.Secret, "expires_in": expiresIn}
	}
	// login_token is the same token under the name the Web SDK stores in its
	// glt_<apiKey> cookie and the OpenID Provider's authorize/continue takes.
	ck := session.Cookie(c.Site.APIKey, s, c.Secure)
	c.SetCookie(ck)
	return obj{"cookieName": ck.Name, "cookieValue": s.Token, "login_token": s.Token, "expires_in": expiresIn}
}

// target is the account a SessionOrServer call acts on: the session's
// (already read with the session, in one lookup), or the UID's in a server
// call; a server call with a user's OAuth access token acts on the token's
// account unless it names another.
func (x Accounts) target(ctx context.Context, c *Call, param string) (account.Account, error) {
	if !c.Server || c.Account != nil && c.Params.Get(param) == "" {
		return *c.Account, nil
	}
	return x.Accounts.ByUID(ctx, c.Site.ID, c.Params.Get(param))
}

// loginIDs reads the login IDs of a only when the response shows them.
func (x Accounts) loginIDs(ctx context.Context, a account.Account, inc include) ([]account.StoredLoginID, error) {
	if !inc.has("loginIDs") && !inc.has("emails") {
		return nil, nil
	}
	return x.Accounts.LoginIDsOf(ctx, a)
}

// accountInfoReads is what getAccountInfo reads of a session's account:
// the objects its include shows, as stored (the answer shows them as they
// are), or every object decoded for missing-required-fields, which checks
// them. An include in error reads no object: the call fails with it.
func accountInfoReads(p *Params) account.Read {
	inc, err := parseInclude(p, "profile,data")
	if err != nil {
		return account.Read{Raw: true}
	}
	if inc.has("missing-required-fields") {
		return account.ReadObjects
	}
	r := account.Read{Raw: true}
	for name, part := range includedObjects {
		if inc.has(name) {
			r.Objects |= part
		}
	}
	return r
}

// includedObjects are the include values that show an object of the account.
var includedObjects = map[string]account.Parts{"profile": account.PartProfile, "data": account.PartData,
	"preferences": account.PartPreferences, "subscriptions": account.PartSubscriptions}

func (x Accounts) getAccountInfo(ctx context.Context, c *Call) (any, error) {
	inc, err := parseInclude(c.Params, "profile,data")
	if err != nil {
		return nil, err
	}
	var a account.Account
	pending := !c.Server && c.Session == nil
	if pending {
		// A client with the regToken of a pending registration reads the
		// account it completes, as the complete-registration screen does;
		// unsigned, as it is no login.
		a, err = x.Accounts.PendingRegistration(ctx, c.Site, c.Params.Get("regToken"))
	} else {
		a, err = x.target(ctx, c, "UID")
	}
	if err != nil {
		return nil, err
	}
	ids, err := x.loginIDs(ctx, a, inc)
	if err != nil {
		return nil, err
	}
	out := x.view(c, a, ids, inc, !c.Server && !pending)
	if err := x.addProviders(ctx, c, out, a, inc); err != nil {
		return nil, err
	}
	return out, nil
}

func (x Accounts) verifyLogin(ctx context.Context, c *Call) (any, error) {
	inc, err := parseInclude(c.Params, "profile,data")
	if err != nil {
		return nil, err
	}
	a, err := x.target(ctx, c, "UID")
	if err != nil {
		return nil, err
	}
	if err := x.Accounts.VerifyLogin(ctx, c.Site, a); err != nil {
		return obj{"UID": a.UID}, err
	}
	ids, err := x.loginIDs(ctx, a, inc)
	if err != nil {
		return nil, err
	}
	out := x.view(c, a, ids, inc, !c.Server)
	if inc.has("id_token") {
		tok, err := x.idToken(ctx, c.Site, a, token.ClaimOptions{})
		if err != nil {
			return nil, err
		}
		out["id_token"] = tok
	}
	return out, nil
}

func (x Accounts) setAccountInfo(ctx context.Context, c *Call) (any, error) {
	p := c.Params
	a, by, err := x.changeTarget(ctx, c)
	if err != nil {
		return nil, err
	}
	ch := account.Changes{Profile: p.Object("profile"), Data: p.Object("data"),
		Preferences: p.Object("preferences"), Subscriptions: p.Object("subscriptions"),
		AddLoginEmails: list(p.Get("addLoginEmails")), RemoveLoginEmails: list(p.Get("removeLoginEmails")),
		Password: p.Get("password"), NewPassword: p.Get("newPassword")}
	if p.Has("username") {
		u := p.Get("username")
		ch.Username = &u
	}
	if p.Has("isActive") {
		active, err := p.Bool("isActive", true)
		ch.Active = &active
		if err != nil {
			// Who may not set isActive hears that before what is wrong with it.
			return nil, cmp.Or(ch.Permitted(by), err)
		}
	}
	if p.Has("requirePasswordChange") {
		// Gigya accepts true only: a change is not required away.
		ch.RequirePasswordChange = true
		if v, err := p.Bool("requirePasswordChange", true); err != nil || !v {
			return nil, cmp.Or[error](ch.Permitted(by), errcode.InvalidValue("requirePasswordChange", "only true is accepted"))
		}
	}
	if _, err := x.Accounts.Update(ctx, c.Site, by, a, ch); err != nil {
		return nil, err
	}
	return obj{}, nil
}

// changeTarget is the account setAccountInfo changes and who changes it:
// with a regToken, the account the token continues, in a client call
// whatever credentials came along (Gigya handles calls with a regToken as
// client calls); else the target's, as the credentials say.
func (x Accounts) changeTarget(ctx context.Context, c *Call) (account.Account, account.Caller, error) {
	if tok := c.Params.Get("regToken"); tok != "" {
		return x.Accounts.RegTokenCall(ctx, c.Site, tok)
	}
	a, err := x.target(ctx, c, "UID")
	return a, c.Caller(), err
}

func (x Accounts) logout(ctx context.Context, c *Call) (any, error) {
	if !c.Server {
		// The answer clears the session cookie (EndsSession).
		return obj{}, x.Accounts.Logout(ctx, *c.Session)
	}
	a, err := x.target(ctx, c, "UID")
	if err != nil {
		return nil, err
	}
	return obj{}, x.Accounts.LogoutAll(ctx, a)
}

func (x Accounts) deleteAccount(ctx context.Context, c *Call) (any, error) {
	a, err := x.Accounts.ByUID(ctx, c.Site.ID, c.Params.Get("UID"))
	if err != nil {
		return nil, err
	}
	return obj{}, x.Accounts.Delete(ctx, a)
}

func (x Accounts) resetPassword(ctx context.Context, c *Call) (any, error) {
	p := c.Params
	send, err := p.Bool("sendEmail", true)
	if err != nil {
		return nil, err
	}
	res, err := x.Accounts.ResetPassword(ctx, c.Site, account.ResetInput{LoginID: p.Get("loginID"),
		Token: p.Get("passwordResetToken"), NewPassword: p.Get("newPassword"), SendEmail: send, Caller: c.Caller()})
	if err != nil {
		return nil, err
	}
	out := obj{}
	if res.Token != "" {
		out["passwordResetToken"] = res.Token
	}
	if res.UID != "" {
		out["UID"] = res.UID
	}
	return out, nil
}

func (x Accounts) resendVerificationCode(ctx context.Context, c *Call) (any, error) {
	var (
		a   account.Account
		err error
	)
	switch {
	case c.Params.Get("regToken") != "":
		a, err = x.Accounts.AccountByRegToken(ctx, c.Site, c.Params.Get("regToken"))
	case c.Server:
		a, err = x.Accounts.ByUID(ctx, c.Site.ID, c.Params.Get("UID"))
	default:
		err = errcode.Missing("regToken")
	}
	if err != nil {
		return nil, err
	}
	return obj{}, x.Accounts.ResendVerification(ctx, c.Site, a)
}

// maxJWTExpiration bounds getJWT's expiration, in seconds.
const maxJWTExpiration = int(token.MaxLifetime / time.Second)

func (x Accounts) getJWT(ctx context.Context, c *Call) (any, error) {
	p := c.Params
	param := "targetUID"
	if c.Server && p.Get(param) == "" && p.Get("UID") != "" {
		param = "UID"
	}
	if c.Server && p.Get(param) == "" {
		return nil, errcode.Missing("targetUID")
	}
	a, err := x.target(ctx, c, param)
	if err != nil {
		return nil, err
	}
	if err := a.MayHoldTokens(); err != nil {
		return nil, err
	}
	exp := 300
	if v := p.Get("expiration"); v != "" {
		if exp, err = strconv.Atoi(v); err != nil || exp < 1 || exp > maxJWTExpiration {
			return nil, errcode.InvalidValue("expiration", "want 1 to 86400 seconds")
		}
	}
	var ignored []string
	tok, err := x.idToken(ctx, c.Site, a, token.ClaimOptions{Fields: fields(p.Get("fields"), &ignored),
		Lifetime: time.Duration(exp) * time.Second, Audience: p.Get("audience")})
	if err != nil {
		return nil, err
	}
	out := obj{"id_token": tok}
	if len(ignored) > 0 {
		out["ignoredFields"] = strings.Join(ignored, ",")
	}
	return out, nil
}

// fields parses getJWT's comma list of profile fields ("profile." optional);
// names the token cannot carry go to ignored.
func fields(s string, ignored *[]string) []string {
	var out []string
	for _, f := range list(s) {
		name := strings.TrimPrefix(f, "profile.")
		if !token.ValidField(name) {
			*ignored = append(*ignored, f)
			continue
		}
		out = append(out, name)
	}
	return out
}

// idToken signs the claims of a's token, o completed with the site and now.
func (x Accounts) idToken(ctx context.Context, st site.Site, a account.Account, o token.ClaimOptions) (string, error) {
	o.Issuer, o.APIKey, o.Now = x.Issuer, st.APIKey, x.Now()
	return x.Keys.Sign(ctx, st.ID, token.Claims(a, o))
}

// getJWTPublicKey answers the site's signing key (the one new tokens name)
// as a JWK, or with V2 every published key: the signing key first, then
// the pending keys, then the retired ones whose tokens may not have expired
// yet. The V2 set may be cached for as long as it holds (token.PublicSet).
func (x Accounts) getJWTPublicKey(ctx context.Context, c *Call) (any, error) {
	v2, err := c.Params.Bool("V2", false)
	if err != nil {
		return nil, err
	}
	if v2 {
		set, holds, err := x.Keys.PublicSet(ctx, c.Site.ID)
		if err != nil {
			return nil, err
		}
		c.CacheFor(holds)
		return obj{"keys": set.Keys}, nil
	}
	return x.Keys.PublicJWK(ctx, c.Site.ID)
}

func (x Accounts) getPolicies(ctx context.Context, c *Call) (any, error) {
	allowed := policy.Sections
	if !c.Server {
		allowed = policy.ClientSections
	}
	names := allowed
	if s := c.Params.Get("sections"); s != "" {
		names = list(s)
		for _, n := range names {
			switch {
			case !slices.Contains(policy.Sections, n):
				return nil, errcode.InvalidValue("sections", "unknown section "+strconv.Quote(n))
			case !slices.Contains(allowed, n):
				return nil, errcode.Newf(errcode.PermissionDenied, "Permission denied: section %s is for server calls only", n)
			}
		}
	}
	return c.Site.Policies.SectionsJSON(names), nil
}

func (x Accounts) setPolicies(ctx context.Context, c *Call) (any, error) {
	var changes []site.PolicyChange
	for _, name := range c.Params.Names() {
		if slices.Contains(controlParams, name) {
			continue
		}
		changes = append(changes, site.PolicyChange{Section: name, Raw: c.Params.Get(name)})
	}
	if len(changes) == 0 {
		return nil, errcode.Missing("a policy section (e.g. accountOptions)")
	}
	_, err := x.Sites.SetPolicies(ctx, c.Site.ID, changes)
	return obj{}, err
}

// view renders an account as the RPC dialect shows it. The UID signature
// goes to clients, which hand it to their server to check; server calls of
// account methods get none.
func (x Accounts) view(c *Call, a account.Account, ids []account.StoredLoginID, inc include, sign bool) obj {
	out := obj{
		"UID": a.UID, "isActive": a.Active, "isRegistered": a.Registered, "isVerified": a.EmailVerified,
		"loginProvider": "site", "socialProviders": "site",
	}
	stamp(out, "created", a.CreatedAt)
	stamp(out, "lastUpdated", a.UpdatedAt)
	stamp(out, "lastLogin", a.LastLoginAt)
	stamp(out, "registered", a.RegisteredAt)
	stamp(out, "verified", a.VerifiedAt)
	if sign {
		signUID(out, c.Site.Secret, a.UID, x.Now())
	}
	if inc.has("profile") {
		out["profile"] = object(a.Profile, a.Raw.Profile)
	}
	if inc.has("data") {
		out["data"] = object(a.Data, a.Raw.Data)
	}
	if inc.has("preferences") {
		out["preferences"] = object(a.Preferences, a.Raw.Preferences)
	}
	if inc.has("subscriptions") {
		out["subscriptions"] = object(a.Subscriptions, a.Raw.Subscriptions)
	}
	if inc.has("missing-required-fields") {
		out["missingRequiredFields"] = nonNilList(account.MissingFields(c.Site, a))
	}
	// emails tells verification; loginIDs tells which emails log in: an
	// unverified one does too unless the site requires verification.
	verified, unverified := []string{}, []string{}
	loginEmails, pending := []string{}, []string{}
	mustVerify := c.Site.Policies.AccountOptions.MustVerify()
	username := ""
	for _, id := range ids {
		switch {
		case id.Kind == account.Username:
			username = id.Display
		case !id.VerifiedAt.IsZero():
			verified = append(verified, id.Display)
			loginEmails = append(loginEmails, id.Display)
		case mustVerify:
			unverified = append(unverified, id.Display)
			pending = append(pending, id.Display)
		default:
			unverified = append(unverified, id.Display)
			loginEmails = append(loginEmails, id.Display)
		}
	}
	if inc.has("loginIDs") {
		l := obj{"emails": loginEmails, "unverifiedEmails": pending}
		if username != "" {
			l["username"] = username
		}
		out["loginIDs"] = l
	}
	if inc.has("emails") {
		out["emails"] = obj{"verified": verified, "unverified": unverified}
	}
	return out
}

// stamp adds a time as ISO-8601 with milliseconds and as Unix milliseconds.
func stamp(out obj, name string, t time.Time) {
	if t.IsZero() {
		return
	}
	out[name] = t.UTC().Format(timeLayout)
	out[name+"Timestamp"] = t.UnixMilli()
}

// objects are the object parameters of a write.
func objects(p *Params) account.Objects {
	return account.Objects{Profile: p.Object("profile"), Data: p.Object("data"),
		Preferences: p.Object("preferences"), Subscriptions: p.Object("subscriptions")}
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// object is an object of a for the answer: as the store keeps it when the
// read kept it so (Read.Raw), else the map.
func object(m map[string]any, raw json.RawMessage) any {
	if raw != nil {
		return raw
	}
	return nonNil(m)
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// include is the set of values of an include parameter.
type include map[string]bool

func (i include) has(v string) bool { return i[v] }

// includeValues are the values Gigya documents; custos renders profile,
// data, loginIDs, emails and id_token, and accepts the others.
var includeValues = []string{"identities-active", "identities-all", "identities-global", "loginIDs", "emails",
	"profile", "data", "memberships", "password", "isLockedOut", "lastLoginLocation", "regSource", "irank", "rba",
	"subscriptions", "userInfo", "preferences", "groups", "internal", "customIdentifiers", "id_token",
	"missing-required-fields"}

func parseInclude(p *Params, def string) (include, error) {
	s := def
	if p.Has("include") {
		s = p.Get("include")
	}
	inc := include{}
	for _, v := range list(s) {
		if !slices.Contains(includeValues, v) {
			return nil, errcode.InvalidValue("include", "unknown value "+strconv.Quote(v))
		}
		inc[v] = true
	}
	return inc, nil
}

// loginOptions reads the session options and the include list of a method
// that logs the user in.
func loginOptions(p *Params, defInclude string) (account.SessionOptions, include, error) {
	so, err := sessionOptions(p)
	if err != nil {
		return so, nil, err
	}
	inc, err := parseInclude(p, defInclude)
	return so, inc, err
}

func sessionOptions(p *Params) (account.SessionOptions, error) {
	var so account.SessionOptions
	switch env := p.Get("targetEnv"); env {
	case "", "browser", "jssdk":
	case "mobile":
		so.Mobile = true
	default:
		return so, errcode.InvalidValue("targetEnv", "want browser or mobile")
	}
	if v := p.Get("sessionExpiration"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return so, errcode.InvalidFormat("sessionExpiration", "not an integer")
		}
		so.Expiration = &n
	}
	return so, nil
}

// list splits a comma list, dropping blanks.
func list(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
