package account

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/site"
)

// MaxObjectBytes bounds the JSON of an account's profile and of its data.
const MaxObjectBytes = 64 << 10

// RegisterInput are the parameters of a registration.
type RegisterInput struct {
	Email, Username, Password string
	// Objects are the profile, data, preferences and subscriptions to
	// store, checked against the site's schema.
	Objects Objects
	// Complete: required fields without a value are field errors, rather
	// than leaving the registration pending (a server creating a user).
	Complete bool
	// RegToken, when given, must come from InitRegistration.
	RegToken string
	Finalize bool
	Session  SessionOptions
	// NoSession registers without logging in (a server creating a user).
	NoSession bool
	// CaptchaToken and ClientIP answer registration.requireCaptcha.
	CaptchaToken, ClientIP string
	// Caller asks for the registration: a server answers for its clients
	// and is asked no CAPTCHA.
	Caller Caller
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
	ids, a, out, err := s.checkRegistration(st, in)
	if err != nil {
		return Result{}, err
	}
	if err := s.checkAge(st, a.Profile); err != nil {
		return Result{}, err
	}
	// Required fields without values leave the registration pending: the
	// user completes them with the regToken (setAccountInfo), then finalizes.
	pending := len(out.Missing) > 0
	if pending {
		in.Finalize = false
	}
	if err := s.registrationCaptcha(ctx, st, in); err != nil {
		return Result{}, err
	}
	regTok, err := s.initialRegToken(ctx, st, in.RegToken)
	if err != nil {
		return Result{}, err
	}
	if err := s.checkConflict(ctx, st, in.Caller, 0, a.Email, a.Profile); err != nil {
		return Result{}, err
	}
	if err := s.createFields(ctx, &st, schemaWrite(in), out); err != nil {
		return Result{}, err
	}
	if err := checkSessionExpiration(st, in.Session); err != nil {
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
	res, mailed, err := s.createAccount(ctx, st, in, a, ids, regTok, out.Unique)
	if errors.Is(err, ErrLoginIDTaken) {
		return Result{}, s.takenError(ctx, st.ID, ids)
	}
	if err != nil {
		return Result{}, err
	}
	if mailed {
		s.mailer.Notify()
	}
	if pending {
		return res, missingFields(out.Missing)
	}
	if in.Finalize && st.Policies.AccountOptions.MustVerify() {
		return res, failCase(ErrPendingVerification, CaseMailed, a.Email)
	}
	return res, nil
}

// registrationCaptcha asks a client for a solved CAPTCHA when the site
// requires one; a server answers for its clients.
func (s *Service) registrationCaptcha(ctx context.Context, st site.Site, in RegisterInput) error {
	if !st.Policies.Registration.RequireCaptcha || in.Caller.Server {
		return nil
	}
	ok, err := s.verifyCaptcha(ctx, in.CaptchaToken, in.ClientIP)
	if err != nil {
		return err
	}
	if !ok {
		return failCase(ErrCaptchaWrong, CaseRegistration)
	}
	return nil
}

// initialRegToken checks the regToken of initRegistration a registration
// names, if any.
func (s *Service) initialRegToken(ctx context.Context, st site.Site, regToken string) (Token, error) {
	if regToken == "" {
		return Token{}, nil
	}
	t, err := s.validToken(ctx, st.ID, RegToken, regToken)
	if err != nil {
		return Token{}, err
	}
	if t.AccountID != 0 {
		return Token{}, fail(ErrTokenTaken, AttrRegToken)
	}
	return t, nil
}

// createAccount writes a new account in one transaction: the regToken it
// spends, the account and its login IDs, a verification mail, and then a
// regToken while it is pending or a session once it is not.
func (s *Service) createAccount(ctx context.Context, st site.Site, in RegisterInput, a Account, ids []StoredLoginID, regTok Token, uniques []UniqueValue) (Result, bool, error) {
	res, mailed := Result{}, false
	pol := st.Policies
	err := s.store.WithTx(ctx, func(tx Store) error {
		if regTok.Hash != nil {
			if _, err := tx.ConsumeToken(ctx, RegToken, regTok.Hash); err != nil {
				return fail(ErrTokenUnknown, AttrRegToken)
			}
		}
		if err := tx.CreateAccount(ctx, &a, ids); err != nil {
			return err
		}
		if err := s.event(ctx, tx, a, EventCreated); err != nil {
			return err
		}
		if err := writeUniques(ctx, tx, a, nil, uniques); err != nil {
			return err
		}
		if pol.AccountOptions.VerifyEmail {
			if err := s.queueVerification(ctx, tx, st, a, a.Email); err != nil {
				return err
			}
			mailed = true
		}
		if !in.Finalize || pol.AccountOptions.MustVerify() {
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
	res.Account, res.LoginIDs = a, ids
	return res, mailed, err
}

// checkRegistration validates the input against the policies and the
// schema and returns the login IDs and the account to create. Every field
// problem is reported at once, as one ErrInvalid.
func (s *Service) checkRegistration(st site.Site, in RegisterInput) ([]StoredLoginID, Account, schema.Outcome, error) {
	var (
		fields []errcode.FieldError
		ids    []StoredLoginID
		a      Account
		pol    = st.Policies
	)
	opts := pol.AccountOptions
	if in.Email != "" {
		if id, ferr := newEmail(AttrEmail, in.Email); ferr != nil {
			fields = append(fields, *ferr)
		} else {
			a.Email = id.Display
			ids = append(ids, id)
		}
	}
	if in.Username != "" {
		if id, ferr := newUsername(opts, in.Username); ferr != nil {
			fields = append(fields, *ferr)
		} else {
			a.Username = id.Display
			ids = append(ids, id)
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
	fields = append(fields, checkObjects(in.Objects)...)
	out := st.Schema.Apply(schemaWrite(in))
	fields = append(fields, out.Errors...)
	setObjects(&a, out.New)
	// The profile shows the login IDs, as Gigya's does.
	a.Profile = withDefault(a.Profile, "email", a.Email)
	a.Profile = withDefault(a.Profile, "username", a.Username)
	out.Missing = MissingFields(st, a)
	if in.Complete {
		for _, m := range out.Missing {
			fields = append(fields, errcode.Field(m, errcode.RuleBlank))
		}
	}
	if len(fields) > 0 {
		return nil, Account{}, out, invalid(fields...)
	}
	return ids, a, out, nil
}

// schemaWrite is the write of a registration's objects. A call with a
// regToken is a client's, whatever credentials come along (Gigya's rule).
func schemaWrite(in RegisterInput) schema.Write {
	return schema.Write{Server: in.Caller.Server && in.RegToken == "", Patch: in.Objects}
}

// checkObjects bounds the JSON of each object.
func checkObjects(v Objects) []errcode.FieldError {
	var fields []errcode.FieldError
	for _, o := range schema.Objects {
		if b, _ := json.Marshal(v.Get(o)); len(b) > MaxObjectBytes {
			fields = append(fields, errcode.FieldCount(string(o), errcode.RuleTooLong, MaxObjectBytes))
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

// newEmail is an email address given as a new login ID, named attr.
func newEmail(attr Attribute, s string) (StoredLoginID, *errcode.FieldError) {
	id, ferr := parseEmail(attr, s)
	if ferr != nil {
		return StoredLoginID{}, ferr
	}
	return StoredLoginID{LoginID: id, Display: strings.TrimSpace(s)}, nil
}

// newUsername is a username given as a new login ID: well formed, and a
// login identifier of the site.
func newUsername(opts policy.AccountOptions, s string) (StoredLoginID, *errcode.FieldError) {
	id, ferr := parseUsername(AttrUsername, s)
	if ferr != nil {
		return StoredLoginID{}, ferr
	}
	if !opts.AllowsUsername() {
		f := usernameNotAllowed()
		return StoredLoginID{}, &f
	}
	return StoredLoginID{LoginID: id, Display: strings.TrimSpace(s)}, nil
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
	if err := checkSessionExpiration(st, so); err != nil {
		return Result{}, err
	}
	var (
		res     Result
		pending error
	)
	err = s.store.WithTx(ctx, func(tx Store) error {
		a, err := tx.AccountByID(ctx, st.ID, t.AccountID)
		if err != nil {
			return err
		}
		if !a.Active {
			return &Error{Err: ErrDisabled}
		}
		if err := s.checkAge(st, a.Profile); err != nil {
			return err
		}
		if missing := MissingFields(st, a); len(missing) > 0 {
			res.Account, res.RegToken, pending = a, regToken, missingFields(missing)
			return nil
		}
		if !a.Registered && missingLoginID(st, a) {
			res.Account, res.RegToken, pending = a, regToken, &Error{Err: ErrMissingLoginID}
			return nil
		}
		if !a.Registered {
			now := s.clock()
			a.Registered, a.RegisteredAt = true, now
			if err := save(ctx, tx, &a, a.UpdatedAt, now); err != nil {
				return err
			}
			if err := s.event(ctx, tx, a, EventUpdated); err != nil {
				return err
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
	if pending != nil {
		return res, pending
	}
	if res.Session == nil {
		return res, failCase(ErrPendingVerification, CaseMailed, res.Account.Email)
	}
	return res, nil
}

func (s *Service) pendingVerification(st site.Site, a Account) bool {
	return st.Policies.AccountOptions.MustVerify() && !a.EmailVerified
}
