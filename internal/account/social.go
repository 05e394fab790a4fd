package account

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/site"
)

// LoginMode is what a social login is for.
type LoginMode string

// The login modes.
const (
	// LoginStandard logs in the identity's account, or registers a new one.
	LoginStandard LoginMode = "standard"
	// LoginConnect attaches the identity to the caller's account.
	LoginConnect LoginMode = "connect"
	// LoginLink proves, with an identity already attached to it, that the
	// user owns the account a pending identity conflicts with (RegToken).
	LoginLink LoginMode = "link"
)

// Bounds of what a provider says.
const (
	MaxProviderLen    = 40
	MaxProviderUIDLen = 255
)

// SocialInput are the parameters of a social login.
type SocialInput struct {
	// Identity is what the provider vouched for.
	Identity Identity
	Mode     LoginMode
	// RegToken is the regToken of the conflict a link resolves; or
	// RegTokenHash, its SHA-256, from a flow that keeps no token in clear.
	RegToken     string
	RegTokenHash []byte
	Session      SessionOptions
	// Caller asks for the login; connect attaches to the account of its
	// session (Caller.Session) unless AccountID names it.
	Caller Caller
	// AccountID, for connect: the account to attach to (a redirect flow's
	// callback knows it from where the flow began).
	AccountID int64
	// Finalize completes the registration of a new user at once.
	Finalize bool
	ClientIP string
	// Browser is the binding secret of the browser a redirect flow runs
	// in (a cookie of custos's), "" for API calls. A conflict met in a
	// redirect flow is bound to its browser; a link by a redirect flow
	// must come from the browser the conflict is bound to, so that a
	// regToken sent to someone else (a link for a victim to click) links
	// nothing.
	Browser string
}

// SocialLogin logs in with an identity a provider vouched for: the
// identity's account, or a new account registered through the site's
// schema and policies. An email the provider gives that is another
// account's login ID never links by itself: that fails with
// ErrLoginIDConflict (CaseLink) and a regToken, under which the identity
// waits until the user proves to own that account (LinkAccounts, or a
// social login of an identity of that account with LoginLink).
func (s *Service) SocialLogin(ctx context.Context, st site.Site, in SocialInput) (Result, error) {
	if err := checkIdentity(&in.Identity); err != nil {
		return Result{}, err
	}
	if err := checkSessionExpiration(st, in.Session); err != nil {
		return Result{}, err
	}
	known, err := s.store.IdentityByProviderUID(ctx, st.ID, in.Identity.Provider, in.Identity.Issuer, in.Identity.ProviderUID)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Result{}, err
	}
	switch in.Mode {
	case LoginConnect:
		return s.connect(ctx, st, in, known, found)
	case LoginLink:
		return s.linkBySocial(ctx, st, in, known, found)
	case LoginStandard, "":
	default:
		return Result{}, fail(ErrBadValue, AttrLoginMode, AttrLoginMode, "want standard, connect or link")
	}
	if found {
		return s.socialLoginKnown(ctx, st, in, known)
	}
	return s.socialRegister(ctx, st, in)
}

// checkIdentity bounds what a provider said and drops an email that is no
// address.
func checkIdentity(id *Identity) error {
	switch {
	case id.Provider == "":
		return fail(ErrMissing, AttrProvider)
	case len(id.Provider) > MaxProviderLen || !utf8.ValidString(id.Provider):
		return fail(ErrTooLong, AttrProvider, MaxProviderLen)
	case id.ProviderUID == "":
		return fail(ErrMissing, AttrProviderUID)
	case len(id.ProviderUID) > MaxProviderUIDLen || !utf8.ValidString(id.ProviderUID):
		return fail(ErrTooLong, AttrProviderUID, MaxProviderUIDLen)
	}
	if b, _ := json.Marshal(id.Profile); len(b) > MaxObjectBytes {
		return fail(ErrTooLong, AttrProfile, MaxObjectBytes)
	}
	if id.Email != "" {
		if _, ferr := parseEmail(AttrEmail, id.Email); ferr != nil {
			id.Email, id.EmailVerified = "", false
		} else {
			id.Email = strings.TrimSpace(id.Email)
		}
	}
	return nil
}

// socialLoginKnown logs in the account of a known identity, with the
// checks of a password login: locked, disabled, underage, and whatever is
// pending.
func (s *Service) socialLoginKnown(ctx context.Context, st site.Site, in SocialInput, known StoredIdentity) (Result, error) {
	a, err := s.activeAccount(ctx, st, in, known.AccountID)
	if err != nil {
		return Result{}, err
	}
	res, err := s.openSession(ctx, st, a, in.Session, opening{})
	if res.Session != nil {
		known.Identity = mergedIdentity(known.Identity, in.Identity)
		known.UpdatedAt, known.LastLoginAt = s.clock(), res.Account.LastLoginAt
		if uerr := s.store.UpdateIdentity(ctx, st.ID, known); uerr != nil && !errors.Is(uerr, ErrNotFound) {
			return Result{}, uerr
		}
	}
	res.Provider = known.Provider
	return res, err
}

// activeAccount is the account id when a login may enter it: not locked
// out, active, old enough.
func (s *Service) activeAccount(ctx context.Context, st site.Site, in SocialInput, id int64) (Account, error) {
	a, err := s.store.AccountByID(ctx, st.ID, id)
	if err != nil {
		return Account{}, err
	}
	if err := s.guard(st, in.ClientIP, in.Caller.Server).checkAccount(a); err != nil {
		return Account{}, err
	}
	if !a.Active {
		return Account{}, &Error{Err: ErrDisabled}
	}
	return a, s.checkAge(st, a.Profile)
}

// mergedIdentity is what is kept of an identity the provider vouched for
// again: its latest email and profile.
func mergedIdentity(old, now Identity) Identity {
	old.Email, old.EmailVerified = now.Email, now.EmailVerified
	if now.Profile != nil {
		old.Profile = now.Profile
	}
	return old
}

// socialRegister registers the user of a new identity, or answers the
// conflict of its email with another account's login ID.
func (s *Service) socialRegister(ctx context.Context, st site.Site, in SocialInput) (Result, error) {
	id := in.Identity
	pol := st.Policies
	var ids []StoredLoginID
	if id.Email != "" {
		lid, _ := newEmail(AttrEmail, id.Email)
		other, err := s.store.AccountByLoginID(ctx, st.ID, lid.LoginID)
		switch {
		case err == nil:
			return s.pendConflict(ctx, st, id, other, in.Browser)
		case !errors.Is(err, ErrNotFound):
			return Result{}, err
		}
		now := s.clock()
		if id.EmailVerified {
			lid.VerifiedAt = now
		}
		ids = append(ids, lid)
	}
	a := Account{Email: id.Email, EmailVerified: id.Email != "" && id.EmailVerified}
	w, out := s.providerObjects(st, id)
	setObjects(&a, out.New)
	a.Profile = withDefault(a.Profile, "email", a.Email)
	out.Missing = MissingFields(st, a)
	missingLogin := pol.Registration.RequireLoginID && id.Email == ""
	pending := len(out.Missing) > 0 || missingLogin
	finalize := in.Finalize && !pending
	if err := s.createFields(ctx, &st, w, out); err != nil {
		return Result{}, err
	}
	var err error
	if a.UID, err = s.newUID(); err != nil {
		return Result{}, err
	}
	now := s.clock()
	a.SiteID, a.Active, a.Registered = st.ID, true, finalize
	a.CreatedAt, a.UpdatedAt = now, now
	if finalize {
		a.RegisteredAt = now
	}
	if a.EmailVerified {
		a.VerifiedAt = now
	}
	mailVerification := pol.AccountOptions.VerifyEmail && a.Email != "" && !a.EmailVerified
	var res Result
	err = s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.CreateAccount(ctx, &a, ids); err != nil {
			return err
		}
		if err := tx.CreateIdentity(ctx, st.ID, StoredIdentity{Identity: id, AccountID: a.ID, CreatedAt: now,
			UpdatedAt: now, LastLoginAt: now}); err != nil {
			return err
		}
		if err := s.event(ctx, tx, a, EventCreated); err != nil {
			return err
		}
		if err := writeUniques(ctx, tx, a, nil, out.Unique); err != nil {
			return err
		}
		if mailVerification {
			if err := s.queueVerification(ctx, tx, st, a, a.Email); err != nil {
				return err
			}
		}
		if !finalize || s.pendingVerification(st, a) {
			tok, err := s.issueRegToken(ctx, tx, st.ID, a.ID)
			res.RegToken = tok
			return err
		}
		sess, err := s.createSession(ctx, tx, st, a, in.Session)
		res.Session = sess
		return err
	})
	switch {
	case errors.Is(err, ErrLoginIDTaken):
		// The email became a login ID meanwhile: a conflict all the same.
		return Result{}, failCase(ErrLoginIDConflict, CaseLink)
	case errors.Is(err, ErrIdentityTaken):
		// The identity registered meanwhile, by another request.
		return Result{}, fail(ErrIdentityTaken, AttrProvider, id.Provider)
	case err != nil:
		return Result{}, err
	}
	if mailVerification {
		s.mailer.Notify()
	}
	res.Account, res.LoginIDs, res.NewUser, res.Provider = a, ids, true, id.Provider
	switch {
	case len(out.Missing) > 0:
		return res, missingFields(out.Missing)
	case missingLogin:
		return res, &Error{Err: ErrMissingLoginID}
	case s.pendingVerification(st, a):
		return res, failCase(ErrPendingVerification, CaseMailed, a.Email)
	}
	return res, nil
}

// providerObjects applies the provider's profile to a new account through
// the site's schema, as the server's write: fields the schema refuses are
// left out rather than failing the login (the user did not type them).
func (s *Service) providerObjects(st site.Site, id Identity) (schema.Write, schema.Outcome) {
	profile := maps.Clone(id.Profile)
	delete(profile, "email") // the login ID, set below
	for range 8 {
		w := schema.Write{Server: true, Patch: Objects{Profile: profile}}
		out := st.Schema.Apply(w)
		if len(out.Errors) == 0 {
			return w, out
		}
		for _, f := range out.Errors {
			key, _, _ := strings.Cut(strings.TrimPrefix(f.Attribute, "profile."), ".")
			delete(profile, key)
		}
	}
	w := schema.Write{Server: true}
	return w, st.Schema.Apply(w)
}

// pendConflict keeps the identity under a new regToken until the user
// proves to own other, whose login ID its email is; a redirect flow's
// conflict is bound to its browser.
func (s *Service) pendConflict(ctx context.Context, st site.Site, id Identity, other Account, browser string) (Result, error) {
	var browserHash []byte
	if browser != "" {
		browserHash = hashToken(browser)
	}
	var res Result
	err := s.store.WithTx(ctx, func(tx Store) error {
		tok, err := s.issueRegTokenOf(ctx, tx, LinkToken, st.ID, 0)
		if err != nil {
			return err
		}
		res.RegToken = tok
		return tx.CreatePendingIdentity(ctx, PendingIdentity{Identity: id, TokenHash: hashToken(tok), SiteID: st.ID,
			ConflictAccountID: other.ID, CreatedAt: s.clock(), BrowserHash: browserHash})
	})
	if err != nil {
		return Result{}, err
	}
	res.Provider = id.Provider
	return res, failCase(ErrLoginIDConflict, CaseLink)
}

// connect attaches the identity to the caller's account: an identity of
// another account is ErrIdentityTaken, as is a second identity of one
// provider. Connecting the identity the account holds already refreshes it.
func (s *Service) connect(ctx context.Context, st site.Site, in SocialInput, known StoredIdentity, found bool) (Result, error) {
	target := in.AccountID
	if target == 0 && in.Caller.Session != 0 {
		sess, _, err := s.store.SessionByID(ctx, in.Caller.Session)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Result{}, err
		}
		if err == nil && sess.SiteID == st.ID {
			target = sess.AccountID
		}
	}
	if target == 0 {
		return Result{}, fail(ErrMissing, AttrAccount)
	}
	if in.AccountID != 0 && in.Caller.Session != 0 {
		// A redirect flow's: the session that began it must still be
		// live, of the account, when the provider answers.
		if err := s.liveSession(ctx, st, in.Caller.Session, in.AccountID); err != nil {
			return Result{}, err
		}
	}
	a, err := s.store.AccountByID(ctx, st.ID, target)
	if err != nil {
		return Result{}, err
	}
	now := s.clock()
	switch {
	case found && known.AccountID != a.ID:
		return Result{}, fail(ErrIdentityTaken, AttrProvider, known.Provider)
	case found:
		known.Identity, known.UpdatedAt = mergedIdentity(known.Identity, in.Identity), now
		err = s.store.UpdateIdentity(ctx, st.ID, known)
	default:
		err = s.store.CreateIdentity(ctx, st.ID, StoredIdentity{Identity: in.Identity, AccountID: a.ID, CreatedAt: now, UpdatedAt: now})
	}
	if errors.Is(err, ErrIdentityTaken) {
		return Result{}, fail(ErrIdentityTaken, AttrProvider, in.Identity.Provider)
	}
	if err != nil {
		return Result{}, err
	}
	ids, err := s.store.LoginIDs(ctx, a.ID)
	return Result{Account: a, LoginIDs: ids, Provider: in.Identity.Provider, Connected: true}, err
}

// liveSession checks that the session id is live, of the site and of
// the account: ErrSessionUnknown when it ended (logged out, revoked,
// expired) or is not.
func (s *Service) liveSession(ctx context.Context, st site.Site, id, accountID int64) error {
	sess, _, err := s.store.SessionByID(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return ErrSessionUnknown
	case err != nil:
		return err
	case sess.SiteID != st.ID || sess.AccountID != accountID ||
		!sess.ExpiresAt.IsZero() && !s.now().Before(sess.ExpiresAt):
		return ErrSessionUnknown
	}
	return nil
}

// pendingLink is the pending identity of a regToken of a conflict, valid.
func (s *Service) pendingLink(ctx context.Context, st site.Site, regToken string) (Token, PendingIdentity, error) {
	if regToken == "" {
		return Token{}, PendingIdentity{}, fail(ErrMissing, AttrRegToken)
	}
	return s.pendingLinkHash(ctx, st, hashToken(regToken))
}

// pendingLinkHash is pendingLink by the regToken's hash.
func (s *Service) pendingLinkHash(ctx context.Context, st site.Site, hash []byte) (Token, PendingIdentity, error) {
	t, err := s.validTokenHash(ctx, st.ID, LinkToken, hash)
	if err != nil {
		return Token{}, PendingIdentity{}, err
	}
	p, err := s.store.PendingIdentityByHash(ctx, t.Hash)
	if errors.Is(err, ErrNotFound) {
		return Token{}, PendingIdentity{}, fail(ErrTokenUnknown, AttrRegToken)
	}
	return t, p, err
}

// linkBySocial proves ownership of the conflicting account by an identity
// it holds already; the pending identity is attached and the answer is
// ErrAccountsLinked with a new regToken, which FinalizeRegistration
// spends. In a redirect flow (in.Browser) the conflict must be that
// browser's: a regToken met elsewhere is unknown here.
func (s *Service) linkBySocial(ctx context.Context, st site.Site, in SocialInput, known StoredIdentity, found bool) (Result, error) {
	hash := in.RegTokenHash
	if in.RegToken != "" {
		hash = hashToken(in.RegToken)
	}
	t, p, err := s.pendingLinkHash(ctx, st, hash)
	if err != nil {
		return Result{}, err
	}
	if in.Browser != "" && (len(p.BrowserHash) == 0 || subtle.ConstantTimeCompare(p.BrowserHash, hashToken(in.Browser)) != 1) {
		return Result{}, fail(ErrTokenUnknown, AttrRegToken)
	}
	if !found || known.AccountID != p.ConflictAccountID {
		return Result{}, fail(ErrLinkMismatch, AttrProvider, in.Identity.Provider)
	}
	a, err := s.activeAccount(ctx, st, in, known.AccountID)
	if err != nil {
		return Result{}, err
	}
	return s.attachPending(ctx, st, a, t, p, nil, opening{})
}

// attachPending attaches the pending identity p to a, whose owner proved
// it, and spends its regToken (t): the prover gets a new regToken of a's
// registration, which FinalizeRegistration spends for a session, or with
// so the session at once. The old regToken never opens a session: who
// held it (the user whose login met the conflict) need not be who proved.
func (s *Service) attachPending(ctx context.Context, st site.Site, a Account, t Token, p PendingIdentity, so *SessionOptions, o opening) (Result, error) {
	now := s.clock()
	var regToken string
	err := s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.CreateIdentity(ctx, st.ID, StoredIdentity{Identity: p.Identity, AccountID: a.ID, CreatedAt: now,
			UpdatedAt: now}); err != nil {
			return err
		}
		if _, err := tx.ConsumeToken(ctx, LinkToken, t.Hash); err != nil {
			return fail(ErrTokenUnknown, AttrRegToken)
		}
		if so != nil {
			return nil
		}
		var err error
		regToken, err = s.issueRegToken(ctx, tx, st.ID, a.ID)
		return err
	})
	if errors.Is(err, ErrIdentityTaken) {
		return Result{}, fail(ErrIdentityTaken, AttrProvider, p.Provider)
	}
	if err != nil {
		return Result{}, err
	}
	if so != nil {
		res, err := s.openSession(ctx, st, a, *so, o)
		res.Provider = p.Provider
		return res, err
	}
	ids, err := s.store.LoginIDs(ctx, a.ID)
	if err != nil {
		return Result{}, err
	}
	return Result{Account: a, LoginIDs: ids, RegToken: regToken, Provider: p.Provider}, &Error{Err: ErrAccountsLinked}
}

// LinkInput are the parameters of a link by password: the regToken of the
// conflict, and the login ID and password of the account it conflicts with.
type LinkInput struct {
	RegToken, LoginID, Password string
	Session                     SessionOptions
	// Login opens a session at once (accounts.linkAccounts); else the
	// answer is ErrAccountsLinked with the regToken, which
	// FinalizeRegistration spends (accounts.login with loginMode=link).
	Login        bool
	ClientIP     string
	CaptchaToken string
	Caller       Caller
}

// LinkAccounts proves, by its password, that the user owns the account a
// pending identity conflicts with, and attaches the identity to it. The
// password is checked as a login's: failures count towards the lockout.
func (s *Service) LinkAccounts(ctx context.Context, st site.Site, in LinkInput) (Result, error) {
	t, p, err := s.pendingLink(ctx, st, in.RegToken)
	if err != nil {
		return Result{}, err
	}
	li := LoginInput{LoginID: in.LoginID, Password: in.Password, Session: in.Session, ClientIP: in.ClientIP,
		CaptchaToken: in.CaptchaToken, Caller: in.Caller}
	a, _, _, err := s.passwordAccount(ctx, st, li)
	if err != nil {
		return Result{}, err
	}
	if a.ID != p.ConflictAccountID {
		return Result{}, fail(ErrLinkMismatch, AttrLoginID, p.Provider)
	}
	if err := s.checkAge(st, a.Profile); err != nil {
		return Result{}, err
	}
	var so *SessionOptions
	if in.Login {
		so = &in.Session
	}
	return s.attachPending(ctx, st, a, t, p, so, opening{password: true})
}

// ConflictingAccount tells, for the regToken of a conflict, the login ID of
// the account the pending identity conflicts with and how it logs in
// ("site" for a password, then its identities' providers). A regToken of
// no conflict answers no loginID and no providers.
func (s *Service) ConflictingAccount(ctx context.Context, st site.Site, regToken string) (loginID string, providers []string, err error) {
	_, p, err := s.pendingLink(ctx, st, regToken)
	if errors.Is(err, ErrTokenUnknown) {
		if _, rerr := s.validToken(ctx, st.ID, RegToken, regToken); rerr == nil {
			return "", nil, nil
		}
	}
	if err != nil {
		return "", nil, err
	}
	a, err := s.store.AccountByID(ctx, st.ID, p.ConflictAccountID)
	if errors.Is(err, ErrNotFound) {
		return "", nil, fail(ErrTokenUnknown, AttrRegToken)
	}
	if err != nil {
		return "", nil, err
	}
	loginID = p.Email
	lids, err := s.store.LoginIDs(ctx, a.ID)
	if err != nil {
		return "", nil, err
	}
	for _, l := range lids {
		if l.Kind == Email && l.Value == normalForm(p.Email) {
			loginID = l.Display
		}
	}
	_, providers, _, err = s.Providers(ctx, a)
	return loginID, providers, err
}

// Identities lists the identities of an account, oldest first.
func (s *Service) Identities(ctx context.Context, accountID int64) ([]StoredIdentity, error) {
	return s.store.Identities(ctx, accountID)
}

// Providers tells how a logs in: loginProvider, the provider of its last
// login ("site" for a password or a server's login), providers, "site"
// when it has a password and then its identities' providers, and the
// identities.
func (s *Service) Providers(ctx context.Context, a Account) (loginProvider string, providers []string, ids []StoredIdentity, err error) {
	if ids, err = s.store.Identities(ctx, a.ID); err != nil {
		return "", nil, nil, err
	}
	if len(ids) == 0 { // the common case: no second read for the password
		return "site", []string{"site"}, nil, nil
	}
	if a.Omitted.Has(PartPassword) {
		if a, err = s.store.AccountByID(ctx, a.SiteID, a.ID); err != nil {
			return "", nil, nil, err
		}
	}
	loginProvider = "site"
	var last time.Time
	if a.PasswordHash != "" {
		providers = append(providers, "site")
	}
	for _, id := range ids {
		providers = append(providers, id.Provider)
		if !id.LastLoginAt.IsZero() && id.LastLoginAt.After(last) && !id.LastLoginAt.Before(a.LastLoginAt) {
			loginProvider, last = id.Provider, id.LastLoginAt
		}
	}
	return loginProvider, providers, ids, nil
}

// LastIdentity says what RemoveConnection does with the account's last way
// to log in.
type LastIdentity string

// The ways of lastIdentityHandling.
const (
	// LastIdentitySoft keeps the identity, without the provider's data.
	LastIdentitySoft LastIdentity = "soft"
	// LastIdentityRemove removes it all the same.
	LastIdentityRemove LastIdentity = "remove"
	// LastIdentityFail refuses (ErrLastLoginID).
	LastIdentityFail LastIdentity = "fail"
)

// RemoveConnection detaches the identity of provider from the account:
// ErrNotConnected when it holds none. When that identity is the account's
// last way to log in (no password, no other identity), last decides.
func (s *Service) RemoveConnection(ctx context.Context, st site.Site, accountID int64, provider string, last LastIdentity) error {
	if provider == "" {
		return fail(ErrMissing, AttrProvider)
	}
	switch last {
	case "":
		last = LastIdentitySoft
	case LastIdentitySoft, LastIdentityRemove, LastIdentityFail:
	default:
		return fail(ErrBadValue, AttrLastIdentity, AttrLastIdentity, "want soft, remove or fail")
	}
	a, err := s.store.AccountByID(ctx, st.ID, accountID)
	if err != nil {
		return err
	}
	ids, err := s.store.Identities(ctx, a.ID)
	if err != nil {
		return err
	}
	var found *StoredIdentity
	for i := range ids {
		if ids[i].Provider == provider {
			found = &ids[i]
		}
	}
	if found == nil {
		return fail(ErrNotConnected, AttrProvider, provider)
	}
	if a.PasswordHash == "" && len(ids) == 1 {
		switch last {
		case LastIdentityFail:
			return fail(ErrLastLoginID, AttrProvider)
		case LastIdentitySoft:
			found.Email, found.EmailVerified, found.Profile, found.UpdatedAt = "", false, nil, s.clock()
			return s.store.UpdateIdentity(ctx, st.ID, *found)
		}
	}
	err = s.store.DeleteIdentity(ctx, a.ID, provider)
	if errors.Is(err, ErrNotFound) {
		return fail(ErrNotConnected, AttrProvider, provider)
	}
	return err
}

// missingLoginID tells whether a, not registered yet, lacks the login ID
// the site's policy requires.
func missingLoginID(st site.Site, a Account) bool {
	return st.Policies.Registration.RequireLoginID && a.Email == "" && a.Username == ""
}

// TokenSite is the site of a session token, for the calls that name the
// site by nothing else (the Social ID API's GET /info): ErrSessionUnknown
// when no session has it. Resolve the session in that site next.
func (s *Service) TokenSite(ctx context.Context, token string) (int64, error) {
	if token == "" || len(token) > maxSessionTokenLen {
		return 0, ErrSessionUnknown
	}
	sess, _, err := s.store.SessionByHashReading(ctx, session.Hash(token), Read{})
	if errors.Is(err, ErrNotFound) {
		return 0, ErrSessionUnknown
	}
	return sess.SiteID, err
}

// maxSessionTokenLen bounds a session token looked up by TokenSite.
const maxSessionTokenLen = 512
