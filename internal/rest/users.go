package rest

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
)

// user is the user resource of the Social ID API.
type user struct {
	ID         int64   `json:"id"`
	Username   *string `json:"username"`
	Email      *string `json:"email_address"`
	Profile    any     `json:"profile,omitempty"` // present, maybe {}, when fields are asked for
	SignedUpAt string  `json:"signed_up_at"`
	SignedInAt *string `json:"signed_in_at"`
	Active     bool    `json:"active"`
	Confirmed  bool    `json:"confirmed"`
	Locked     bool    `json:"locked"`
}

// timeLayout is ISO-8601 UTC to the second, as the Social ID API shows times.
const timeLayout = "2006-01-02T15:04:05Z"

func (u Users) userOf(a account.Account) user {
	out := user{
		ID:         a.ID,
		Username:   optional(a.Username),
		Email:      optional(a.Email),
		SignedUpAt: a.CreatedAt.UTC().Format(timeLayout),
		Active:     a.Active,
		Confirmed:  a.EmailVerified,
		Locked:     u.Accounts.Locked(a),
	}
	if !a.LastLoginAt.IsZero() {
		out.SignedInAt = optional(a.LastLoginAt.UTC().Format(timeLayout))
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Users serves /users with the account service.
type Users struct {
	Accounts *account.Service
	// BaseURL prefixes Location headers: <BaseURL>/v1/marketing/login/users/<id>.
	BaseURL string
	// Social verifies provider tokens (sign_ins/{provider}); nil: social
	// login is not configured.
	Social SessionVerifier
}

// RegisterUsers adds the /users routes.
func RegisterUsers(h *Handler, u Users) {
	h.Handle("POST /users", u.create)
	h.Handle("GET /users/find_by", u.findBy)
	h.Handle("POST /users/login", u.login)
	h.Handle("POST /users/reset_password/token", u.resetToken)
	h.Handle("POST /users/reset_password", u.resetPassword)
	h.Handle("POST /users/email_confirmation/token", u.confirmationToken)
	h.Handle("POST /users/email_confirmation", u.confirmEmail)
	h.Handle("GET /users/{id}", u.show)
	h.Handle("PUT /users/{id}", u.update)
	h.Handle("DELETE /users/{id}", u.remove)
	h.Handle("PUT /users/{id}/activate", u.setActive(true))
	h.Handle("PUT /users/{id}/deactivate", u.setActive(false))
	h.Handle("PUT /users/{id}/unlock", u.unlock)
	registerSocialID(h, u)
	registerSocialSignIns(h, u)
}

// userBody is the {"user": {...}} body of create and update.
type userBody struct {
	User *struct {
		Username             *string `json:"username"`
		Email                *string `json:"email_address"`
		Password             *string `json:"password"`
		PasswordConfirmation *string `json:"password_confirmation"`
		ResetPasswordToken   *string `json:"reset_password_token"`
		// Profile, Data, Preferences and Subscriptions are custos
		// additions, checked against the site's schema like the RPC
		// dialect's objects.
		Profile       map[string]any `json:"profile"`
		Data          map[string]any `json:"data"`
		Preferences   map[string]any `json:"preferences"`
		Subscriptions map[string]any `json:"subscriptions"`
	} `json:"user"`
}

func (r *Request) decodeUser() (userBody, error) {
	var b userBody
	if err := r.Decode(&b); err != nil {
		return b, err
	}
	if b.User == nil {
		return b, errcode.Missing("user")
	}
	return b, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// confirmation is the field error of a password_confirmation that differs.
func confirmation(pw, confirm *string) []errcode.FieldError {
	if confirm != nil && str(confirm) != str(pw) {
		return []errcode.FieldError{errcode.Field("password_confirmation", errcode.RuleConfirmation).WithMessage("doesn't match password")}
	}
	return nil
}

func (u Users) create(ctx context.Context, r *Request) (Response, error) {
	b, err := r.decodeUser()
	if err != nil {
		return Response{}, err
	}
	in := b.User
	if strings.TrimSpace(str(in.Username)) == "" && strings.TrimSpace(str(in.Email)) == "" {
		return Response{}, errcode.New(errcode.MissingRequiredParameter, "Username or Email Address must be given")
	}
	if f := confirmation(in.Password, in.PasswordConfirmation); f != nil {
		return Response{}, errcode.Validation(f...)
	}
	res, err := u.Accounts.Register(ctx, r.Site, account.RegisterInput{Email: str(in.Email), Username: str(in.Username),
		Password: str(in.Password), Objects: account.Objects{Profile: in.Profile, Data: in.Data,
			Preferences: in.Preferences, Subscriptions: in.Subscriptions},
		Finalize: true, Complete: true, NoSession: true, Caller: r.Caller()})
	// A user whose email awaits confirmation exists all the same.
	if errors.Is(err, account.ErrPendingVerification) {
		err = nil
	}
	if err != nil {
		return Response{}, err
	}
	return Response{Status: http.StatusCreated, Location: u.location("users", res.Account.ID), Body: u.userOf(res.Account)}, nil
}

func (u Users) location(kind string, id int64) string {
	return u.BaseURL + Prefix + "/" + kind + "/" + strconv.FormatInt(id, 10)
}

// target reads the {id} of the path: a user of the request's site, or 404.
func (u Users) target(ctx context.Context, r *Request) (account.Account, error) {
	return u.targetReading(ctx, r, nil)
}

// targetReading is target reading of the user what read says (nil: all of it).
func (u Users) targetReading(ctx context.Context, r *Request, read *account.Read) (account.Account, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return account.Account{}, errcode.New(errcode.NotFound, "User not found")
	}
	if read != nil {
		return u.Accounts.ByIDReading(ctx, r.Site.ID, id, *read)
	}
	return u.Accounts.ByID(ctx, r.Site.ID, id)
}

// show reads of the user only what the resource shows: its profile when
// fields ask for it, never its password hash nor its other objects.
func (u Users) show(ctx context.Context, r *Request) (Response, error) {
	fields := r.profileFields()
	read := account.Read{}
	if fields != nil {
		read.Objects = account.PartProfile
	}
	a, err := u.targetReading(ctx, r, &read)
	if err != nil {
		return Response{}, err
	}
	out := u.userOf(a)
	if fields != nil {
		out.Profile = profileIn(a, fields)
	}
	return Response{Body: out}, nil
}

// profileFields are the profile keys the query's fields ask for: nil when
// it asks for none.
func (r *Request) profileFields() []string {
	q := r.URL.Query()
	f := q["fields[]"]
	if len(f) == 0 && q.Get("fields") == "" {
		return nil
	}
	return append(f, strings.Split(q.Get("fields"), ",")...)
}

// profileOf is the profile keys of a that the query's fields ask for: nil
// when it asks for none.
func (r *Request) profileOf(a account.Account) any {
	fields := r.profileFields()
	if fields == nil {
		return nil
	}
	return profileIn(a, fields)
}

// profileIn is the keys of a's profile among fields.
func profileIn(a account.Account, fields []string) map[string]any {
	profile := map[string]any{}
	for _, name := range fields {
		if v, ok := a.Profile[strings.TrimSpace(name)]; ok {
			profile[strings.TrimSpace(name)] = v
		}
	}
	return profile
}

func (u Users) update(ctx context.Context, r *Request) (Response, error) {
	a, err := u.target(ctx, r)
	if err != nil {
		return Response{}, err
	}
	b, err := r.decodeUser()
	if err != nil {
		return Response{}, err
	}
	in := b.User
	if f := confirmation(in.Password, in.PasswordConfirmation); f != nil {
		return Response{}, errcode.Validation(f...)
	}
	ch := account.Changes{Username: in.Username, Email: in.Email, Profile: in.Profile, Data: in.Data,
		Preferences: in.Preferences, Subscriptions: in.Subscriptions}
	if in.Password != nil {
		if *in.Password == "" {
			return Response{}, errcode.Validation(errcode.Field("password", errcode.RuleBlank))
		}
		ch.NewPassword = *in.Password
	}
	if a, err = u.Accounts.Update(ctx, r.Site, r.Caller(), a, ch); err != nil {
		return Response{}, err
	}
	return Response{Body: u.userOf(a)}, nil
}

func (u Users) remove(ctx context.Context, r *Request) (Response, error) {
	a, err := u.target(ctx, r)
	if err != nil {
		return Response{}, err
	}
	if err := u.Accounts.Delete(ctx, a); err != nil {
		return Response{}, err
	}
	return Response{Body: map[string]any{"id": a.ID}}, nil
}

func (u Users) setActive(active bool) HandlerFunc {
	return func(ctx context.Context, r *Request) (Response, error) {
		a, err := u.target(ctx, r)
		if err != nil {
			return Response{}, err
		}
		if a.Active == active {
			return Response{}, errcode.Newf(errcode.RedundantOperation, "The user is %s already", map[bool]string{true: "active", false: "inactive"}[active])
		}
		if a, err = u.Accounts.Update(ctx, r.Site, r.Caller(), a, account.Changes{Active: &active}); err != nil {
			return Response{}, err
		}
		return Response{Body: u.userOf(a)}, nil
	}
}

// unlock lifts a lockout and forgets the failed logins.
func (u Users) unlock(ctx context.Context, r *Request) (Response, error) {
	a, err := u.target(ctx, r)
	if err != nil {
		return Response{}, err
	}
	if a, err = u.Accounts.Unlock(ctx, a); err != nil {
		return Response{}, err
	}
	return Response{Body: u.userOf(a)}, nil
}

// loginBody is the body of login and of the token requests: top-level
// fields, or the same wrapped in "user".
type loginBody struct {
	Username *string `json:"username"`
	Email    *string `json:"email_address"`
	Password *string `json:"password"`
	User     *struct {
		Username *string `json:"username"`
		Email    *string `json:"email_address"`
		Password *string `json:"password"`
	} `json:"user"`
}

// identity returns the login ID and password of a login body.
func (r *Request) identity() (kind account.LoginIDKind, value, password string, err error) {
	var b loginBody
	if err := r.Decode(&b); err != nil {
		return "", "", "", err
	}
	if b.User != nil {
		b.Username, b.Email, b.Password = b.User.Username, b.User.Email, b.User.Password
	}
	q := r.URL.Query()
	if b.Username == nil && b.Email == nil && (q.Has("username") || q.Has("email_address")) {
		b.Username, b.Email = optional(q.Get("username")), optional(q.Get("email_address"))
	}
	switch {
	case strings.TrimSpace(str(b.Email)) != "":
		return account.Email, str(b.Email), str(b.Password), nil
	case strings.TrimSpace(str(b.Username)) != "":
		return account.Username, str(b.Username), str(b.Password), nil
	}
	return "", "", "", errcode.New(errcode.MissingRequiredParameter, "Username or Email Address must be given")
}

// findUser finds the user of a login body: 404 when there is none.
func (u Users) findUser(ctx context.Context, r *Request) (account.Account, error) {
	kind, value, _, err := r.identity()
	if err != nil {
		return account.Account{}, err
	}
	a, ok, err := u.Accounts.Find(ctx, r.Site.ID, kind, value)
	if err != nil {
		return account.Account{}, err
	}
	if !ok {
		return account.Account{}, errcode.New(errcode.NotFound, "User not found")
	}
	return a, nil
}

func (u Users) findBy(ctx context.Context, r *Request) (Response, error) {
	a, err := u.findUser(ctx, r)
	if err != nil {
		return Response{}, err
	}
	return Response{Body: u.userOf(a)}, nil
}

func (u Users) login(ctx context.Context, r *Request) (Response, error) {
	kind, value, pw, err := r.identity()
	if err != nil {
		return Response{}, err
	}
	if pw == "" {
		return Response{}, errcode.New(errcode.MissingRequiredParameter, "Password must be given")
	}
	// The caller is the site's server: it answers for its users' addresses.
	res, err := u.Accounts.Login(ctx, r.Site, account.LoginInput{LoginID: value, Password: pw, Kind: kind, Caller: r.Caller()})
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
	}}, nil
}

func (u Users) resetToken(ctx context.Context, r *Request) (Response, error) {
	a, err := u.findUser(ctx, r)
	if err != nil {
		return Response{}, err
	}
	loginID := a.Email
	if loginID == "" {
		loginID = a.Username
	}
	res, err := u.Accounts.ResetPassword(ctx, r.Site, account.ResetInput{LoginID: loginID, Caller: r.Caller()})
	if err != nil {
		return Response{}, err
	}
	return Response{Status: http.StatusCreated, Body: map[string]any{"user_id": a.ID, "reset_password_token": res.Token}}, nil
}

func (u Users) resetPassword(ctx context.Context, r *Request) (Response, error) {
	b, err := r.decodeUser()
	if err != nil {
		return Response{}, err
	}
	if str(b.User.ResetPasswordToken) == "" {
		return Response{}, errcode.Missing("reset_password_token")
	}
	if f := confirmation(b.User.Password, b.User.PasswordConfirmation); f != nil {
		return Response{}, errcode.Validation(f...)
	}
	if str(b.User.Password) == "" {
		return Response{}, errcode.Validation(errcode.Field("password", errcode.RuleBlank))
	}
	res, err := u.Accounts.ResetPassword(ctx, r.Site, account.ResetInput{Token: *b.User.ResetPasswordToken,
		NewPassword: str(b.User.Password)})
	if err != nil {
		return Response{}, err
	}
	return Response{Body: map[string]any{"user_id": res.AccountID}}, nil
}

func (u Users) confirmationToken(ctx context.Context, r *Request) (Response, error) {
	a, err := u.findUser(ctx, r)
	if err != nil {
		return Response{}, err
	}
	tok, err := u.Accounts.VerificationToken(ctx, r.Site, a)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: http.StatusCreated, Body: map[string]any{"user_id": a.ID, "email_confirmation_token": tok}}, nil
}

func (u Users) confirmEmail(ctx context.Context, r *Request) (Response, error) {
	var b struct {
		Token *string `json:"email_confirmation_token"`
	}
	if err := r.Decode(&b); err != nil {
		return Response{}, err
	}
	if str(b.Token) == "" {
		return Response{}, errcode.Missing("email_confirmation_token")
	}
	a, err := u.Accounts.ConfirmEmail(ctx, r.Site, *b.Token)
	if err != nil {
		return Response{}, err
	}
	return Response{Body: u.userOf(a)}, nil
}
