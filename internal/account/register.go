package account

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/site"
)

// MaxObjectBytes bounds the JSON of an account's profile and of its data.
const MaxObjectBytes = 64 << 10

// RegisterInput are the parameters of a registration.
type RegisterInput struct {
	Email, Username, Password string
	Profile, Data             map[string]any
	// RegToken, when given, must come from InitRegistration.
	RegToken string
	Finalize bool
	Session  SessionOptions
	// NoSession registers without logging in (a server creating a user).
	NoSession bool
	// CaptchaToken and ClientIP answer registration.requireCaptcha.
	CaptchaToken, ClientIP string
	// Trusted: a server with the site's credentials registers; it answers
	// for its clients and is asked no CAPTCHA.
	Trusted bool
}

// InitRegistration starts a registration: a regToken valid for an hour.
func (s *Service) InitRegistration(ctx context.Context, st site.Site) (string, error) {
	return s.issueRegToken(ctx, s.store, st.ID, 0)
}

// Register creates an account. Unless Finalize is set it stays pending:
// the result carries a regToken for FinalizeRegistration. With email
// verification required, a verification mail is queued and a registered
// account is answered with 206002.
func (s *Service) Register(ctx context.Context, st site.Site, in RegisterInput) (Result, error) {
	pol := st.Policies
	ids, a, err := s.checkRegistration(pol, in)
	if err != nil {
		return Result{}, err
	}
	if pol.Registration.RequireCaptcha && !in.Trusted {
		ok, err := s.verifyCaptcha(ctx, in.CaptchaToken, in.ClientIP)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			return Result{}, failCase(ErrCaptchaWrong, CaseRegistration)
		}
	}
	var regTok Token
	if in.RegToken != "" {
		if regTok, err = s.validToken(ctx, st.ID, RegToken, in.RegToken); err != nil {
			return Result{}, err
		}
		if regTok.AccountID != 0 {
			return Result{}, fail(ErrTokenTaken, AttrRegToken)
		}
	}
	if err := checkSessionExpiration(pol, in.Session); err != nil {
		return Result{}, err
	}
	if a.PasswordHash, err = s.hasher.Hash(ctx, in.Password); err != nil {
		return Result{}, err
	}
	if a.UID, err = s.newUID(); err != nil {
		return Result{}, err
	}
	now := s.clock()
	a.SiteID, a.Active, a.Registered = st.ID, true, in.Finalize
	a.CreatedAt, a.UpdatedAt, a.PasswordChangedAt = now, now, now
	if in.Finalize {
		a.RegisteredAt = now
	}
	pendingVerification := pol.AccountOptions.VerifyEmail && !pol.AccountOptions.AllowUnverifiedLogin
	res := Result{}
	mailed := false
	err = s.store.WithTx(ctx, func(tx Store) error {
		if regTok.Hash != nil {
			if _, err := tx.ConsumeToken(ctx, RegToken, regTok.Hash); err != nil {
				return fail(ErrTokenUnknown, AttrRegToken)
			}
		}
		if err := tx.CreateAccount(ctx, &a, ids); err != nil {
			return err
		}
		if pol.AccountOptions.VerifyEmail {
			if err := s.queueVerification(ctx, tx, st, a, a.Email); err != nil {
				return err
			}
			mailed = true
		}
		if !in.Finalize || pendingVerification {
			tok, err := s.issueRegToken(ctx, tx, st.ID, a.ID)
			res.RegToken = tok
			return err
		}
		if in.NoSession {
			return nil
		}
		sess, err := s.createSession(ctx, tx, st, a, in.Session)
		res.Session = sess
		return err
	})
	if errors.Is(err, ErrLoginIDTaken) {
		return Result{}, s.takenError(ctx, st.ID, ids)
	}
	if err != nil {
		return Result{}, err
	}
	if mailed {
		s.mailer.Notify()
	}
	res.Account, res.LoginIDs = a, ids
	if in.Finalize && pendingVerification {
		return res, failCase(ErrPendingVerification, CaseMailed, a.Email)
	}
	return res, nil
}

// checkRegistration validates the input against the policies and returns
// the login IDs and the account to create. Every field problem is reported
// at once, as one ErrInvalid.
func (s *Service) checkRegistration(pol policy.Policies, in RegisterInput) ([]StoredLoginID, Account, error) {
	var (
		fields []errcode.FieldError
		ids    []StoredLoginID
		a      = Account{Profile: in.Profile, Data: in.Data}
	)
	opts := pol.AccountOptions
	if in.Email != "" {
		id, ferr := parseEmail(AttrEmail, in.Email)
		if ferr != nil {
			fields = append(fields, *ferr)
		} else {
			a.Email = strings.TrimSpace(in.Email)
			ids = append(ids, StoredLoginID{LoginID: id, Display: a.Email})
		}
	}
	if in.Username != "" {
		id, ferr := parseUsername(AttrUsername, in.Username)
		switch {
		case ferr != nil:
			fields = append(fields, *ferr)
		case !opts.AllowsUsername():
			fields = append(fields, usernameNotAllowed())
		default:
			a.Username = strings.TrimSpace(in.Username)
			ids = append(ids, StoredLoginID{LoginID: id, Display: a.Username})
		}
	}
	needEmail := opts.VerifyEmail || (pol.Registration.RequireLoginID && !opts.AllowsUsername())
	switch {
	case needEmail && in.Email == "":
		fields = append(fields, field(AttrEmail, errcode.RuleBlank))
	case pol.Registration.RequireLoginID && in.Email == "" && in.Username == "":
		fields = append(fields, field(AttrUsername, errcode.RuleBlank))
	}
	fields = append(fields, checkPassword(pol, in.Password)...)
	fields = append(fields, checkObjects(in.Profile, in.Data)...)
	if len(fields) > 0 {
		return nil, Account{}, invalid(fields...)
	}
	// The profile shows the login IDs, as Gigya's does.
	a.Profile = withDefault(a.Profile, "email", a.Email)
	a.Profile = withDefault(a.Profile, "username", a.Username)
	return ids, a, nil
}

// checkObjects bounds the JSON of a profile and of data.
func checkObjects(profile, data map[string]any) []errcode.FieldError {
	var fields []errcode.FieldError
	for _, o := range []struct {
		attr Attribute
		obj  map[string]any
	}{{AttrProfile, profile}, {AttrData, data}} {
		if b, _ := json.Marshal(o.obj); len(b) > MaxObjectBytes {
			fields = append(fields, errcode.FieldCount(string(o.attr), errcode.RuleTooLong, MaxObjectBytes))
		}
	}
	return fields
}

// usernameNotAllowed is the field error of a username where the site's
// login identifiers are emails only.
func usernameNotAllowed() errcode.FieldError {
	return field(AttrUsername, errcode.RuleInvalid).WithCode(errcode.ValidationError).
		WithMessage("is not a login identifier of this site")
}

// checkSessionExpiration accepts the session lifetime of a login.
func checkSessionExpiration(pol policy.Policies, so SessionOptions) error {
	if policy.CheckSessionExpiration(string(AttrSessionExpiration), sessionExpiration(pol, so)) != nil {
		return fail(ErrOutOfRange, AttrSessionExpiration, policy.MaxSessionExpiration)
	}
	return nil
}

func checkPassword(pol policy.Policies, pw string) []errcode.FieldError {
	pc := pol.PasswordComplexity
	return password.Policy{MinLength: pc.MinLength, MinCharGroups: pc.MinCharGroups, RegExp: pc.RegExp}.Check(pw)
}

func withDefault(m map[string]any, k, v string) map[string]any {
	if v == "" {
		return m
	}
	if m == nil {
		m = map[string]any{}
	}
	if _, ok := m[k]; !ok {
		m[k] = v
	}
	return m
}

// parseEmail checks an email address: a bare addr-spec with a domain.
func parseEmail(attr Attribute, s string) (LoginID, *errcode.FieldError) {
	id, err := parseLoginID(attr, s)
	if err != nil {
		f := field(attr, errcode.RuleInvalidEmail)
		return LoginID{}, &f
	}
	addr, perr := mail.ParseAddress(strings.TrimSpace(s))
	at := strings.LastIndexByte(id.Value, '@')
	if perr != nil || addr.Name != "" || !strings.EqualFold(addr.Address, strings.TrimSpace(s)) || at < 1 || !strings.Contains(id.Value[at:], ".") {
		f := field(attr, errcode.RuleInvalidEmail)
		return LoginID{}, &f
	}
	return id, nil
}

// parseUsername checks a username: no "@" (that makes an email), no spaces.
func parseUsername(attr Attribute, s string) (LoginID, *errcode.FieldError) {
	id, err := parseLoginID(attr, s)
	if err != nil || id.Kind != Username || strings.ContainsAny(id.Value, " \t") {
		f := field(attr, errcode.RuleInvalid).WithCode(errcode.InvalidFormatValidation)
		return LoginID{}, &f
	}
	return id, nil
}

// takenError tells which login ID was taken, as ErrInvalid with RuleTaken field errors.
func (s *Service) takenError(ctx context.Context, siteID int64, ids []StoredLoginID) error {
	var fields []errcode.FieldError
	for _, id := range ids {
		taken, err := s.store.LoginIDExists(ctx, siteID, id.LoginID)
		if err != nil {
			return err
		}
		if taken {
			fields = append(fields, field(kindAttr(id.Kind), errcode.RuleTaken))
		}
	}
	if len(fields) == 0 { // freed meanwhile: still, this registration lost
		fields = append(fields, field(kindAttr(ids[0].Kind), errcode.RuleTaken))
	}
	return invalid(fields...)
}

// FinalizeRegistration completes a pending registration and logs the user in.
func (s *Service) FinalizeRegistration(ctx context.Context, st site.Site, regToken string, so SessionOptions) (Result, error) {
	t, err := s.validToken(ctx, st.ID, RegToken, regToken)
	if err != nil {
		return Result{}, err
	}
	if t.AccountID == 0 {
		return Result{}, &Error{Err: ErrTokenUnused, Attr: AttrRegToken, Case: CaseRegisterFirst}
	}
	if err := checkSessionExpiration(st.Policies, so); err != nil {
		return Result{}, err
	}
	var res Result
	err = s.store.WithTx(ctx, func(tx Store) error {
		a, err := tx.AccountByID(ctx, st.ID, t.AccountID)
		if err != nil {
			return err
		}
		if !a.Active {
			return &Error{Err: ErrDisabled}
		}
		if !a.Registered {
			now, prev := s.clock(), a.UpdatedAt
			a.Registered, a.RegisteredAt, a.UpdatedAt = true, now, later(now, prev)
			if err := tx.UpdateAccount(ctx, &a, prev); err != nil {
				return changed(err)
			}
		}
		res.Account = a
		if s.pendingVerification(st, a) {
			res.RegToken = regToken // still needed to resend the verification
			return nil
		}
		if _, err := tx.ConsumeToken(ctx, RegToken, t.Hash); err != nil {
			return fail(ErrTokenUnknown, AttrRegToken)
		}
		res.Session, err = s.createSession(ctx, tx, st, a, so)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	if res.LoginIDs, err = s.store.LoginIDs(ctx, res.Account.ID); err != nil {
		return Result{}, err
	}
	if res.Session == nil {
		return res, failCase(ErrPendingVerification, CaseMailed, res.Account.Email)
	}
	return res, nil
}

func (s *Service) pendingVerification(st site.Site, a Account) bool {
	return s.mustVerify(st) && !a.EmailVerified
}

func sessionExpiration(pol policy.Policies, so SessionOptions) int {
	if so.Expiration != nil {
		return *so.Expiration
	}
	return pol.GigyaPlugins.SessionExpiration
}

// sessionTTL turns a session expiration into an expiry time (zero: never).
func sessionExpiry(now time.Time, exp int) time.Time {
	switch {
	case exp == -2:
		return time.Time{}
	case exp == 0:
		return now.Add(browserSessionTTL)
	}
	return now.Add(time.Duration(exp) * time.Second)
}
