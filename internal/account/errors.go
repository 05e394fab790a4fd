package account

import (
	"errors"
	"fmt"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/session"
)

// The domain tells what went wrong in its own terms: a condition (one of the
// sentinel errors below), the attribute it concerns and the arguments of the
// message. It names no wire parameter, no API method and no catalog code:
// each dialect adapter keeps one table that picks the catalog entry of a
// condition and renames the attributes into its wire names.

// Conditions an operation fails with, inside an *Error. ErrNotFound and
// ErrChanged are also what a Store returns.
var (
	// ErrNotFound: no such account (or row). It is the session package's
	// sentinel, so that the store's session methods answer that package's
	// contract too.
	ErrNotFound = session.ErrNotFound
	// ErrChanged is returned when an account changed since it was read.
	ErrChanged = errors.New("account changed meanwhile")

	// ErrMissing: the attribute is required and empty.
	ErrMissing = errors.New("missing")
	// ErrTooLong: the value is longer than Args[0] bytes.
	ErrTooLong = errors.New("too long")
	// ErrOutOfRange: the number is outside 0..Args[0] (or a special value).
	ErrOutOfRange = errors.New("out of range")
	// ErrBadCharacters: the value has characters no login ID may have.
	ErrBadCharacters = errors.New("invalid characters")
	// ErrExclusive: the attribute and the attribute Args[0] were both given.
	ErrExclusive = errors.New("mutually exclusive")
	// ErrInvalid: field errors, listed in Fields.
	ErrInvalid = errors.New("invalid")
	// ErrNotEmail: the value Args[0] is not an email address.
	ErrNotEmail = errors.New("not an email address")
	// ErrNoEmail: the account has no email address (to send a link to).
	ErrNoEmail = errors.New("the account has no email address")
	// ErrServerOnly: only the site's server may set the attribute.
	ErrServerOnly = errors.New("server calls only")
	// ErrLastLoginID: the change would leave the account no login ID.
	ErrLastLoginID = errors.New("no login ID left")

	ErrTokenUnknown = errors.New("token unknown or already used")
	ErrTokenExpired = errors.New("token expired")
	// ErrTokenUnused: a regToken no registration uses yet.
	ErrTokenUnused = errors.New("no registration uses the token")
	// ErrTokenTaken: a regToken another registration uses.
	ErrTokenTaken = errors.New("the token belongs to another registration")

	// ErrInvalidCredentials: unknown login ID or wrong password; with
	// AttrPassword, the current password given for a change is wrong.
	ErrInvalidCredentials = errors.New("invalid login ID or password")
	// ErrPasswordReused: the new password was used before (Fields tell).
	ErrPasswordReused      = errors.New("password used before")
	ErrDisabled            = errors.New("account disabled")
	ErrPendingRegistration = errors.New("registration not finalized")
	ErrPendingVerification = errors.New("email not verified")
	ErrAlreadyVerified     = errors.New("email verified already")
	ErrLocked              = errors.New("locked out")
	ErrCaptchaRequired     = errors.New("captcha required")
	ErrCaptchaWrong        = errors.New("captcha wrong")
	// ErrUnderage: the profile's birth date may be younger than the site's
	// minimum age, Args[0] years.
	ErrUnderage = errors.New("under the minimum age")
	// ErrPasswordChangeDue: the password must change before the user logs
	// in; a regToken of the change comes along. CasePasswordOnly: that
	// regToken changes the password only.
	ErrPasswordChangeDue = errors.New("password change due")
	// ErrMissingLoginID: the site's policy requires a login ID, and the
	// account registered by a social login has none yet.
	ErrMissingLoginID = errors.New("account missing login ID")
	// ErrAccountsLinked: the identity waiting under the regToken is now the
	// account's; finalizing the registration with the regToken logs in.
	ErrAccountsLinked = errors.New("accounts linked")
	// ErrNotConnected: the account holds no identity of the provider Args[0].
	ErrNotConnected = errors.New("not connected")
	// ErrLinkMismatch: the login meant to prove ownership of the account a
	// pending identity conflicts with logged into another account, or with
	// an identity (of the provider Args[0]) no account holds.
	ErrLinkMismatch = errors.New("not the conflicting account")
	// ErrLoginIDConflict: the attribute's email is a login email of another
	// account, which the site's policy refuses.
	ErrLoginIDConflict = errors.New("login identifier of another account")
	// ErrUIDTaken: an import's UID (Args[0]) is an account's already; a
	// Store returns it (without Args) when a UID is in use.
	ErrUIDTaken = errors.New("UID exists")
	// ErrUnsupportedHash: the imported password hash is of an algorithm
	// (Args[0]) custos does not verify.
	ErrUnsupportedHash = errors.New("unsupported password hash")
	// ErrBadHash: the imported password hash is malformed (Args[0] why).
	ErrBadHash = errors.New("malformed password hash")
	// ErrBadValue: the value of an import document's property Args[0] is
	// invalid (Args[1] why).
	ErrBadValue = errors.New("invalid value")
	// The session conditions are the session package's own.
	ErrSessionUnknown  = session.ErrUnknown
	ErrSessionExpired  = session.ErrExpired
	ErrSessionNoSecret = session.ErrNoSecret
)

// ErrLoginIDTaken is returned by a Store when a unique login ID is in use;
// the domain reports it as an ErrInvalid field error (RuleTaken).
var ErrLoginIDTaken = errors.New("login ID taken")

// Attribute names what an error is about, in the domain's words. Adapters
// rename it into their wire names.
type Attribute string

// The attributes of the domain.
const (
	// AttrBase: the request as a whole (errcode.BaseAttribute).
	AttrBase              Attribute = errcode.BaseAttribute
	AttrAccount           Attribute = "account"
	AttrLoginID           Attribute = "loginID"
	AttrEmail             Attribute = "email"
	AttrUsername          Attribute = "username"
	AttrPassword          Attribute = "password"
	AttrNewPassword       Attribute = "newPassword"
	AttrProfile           Attribute = "profile"
	AttrData              Attribute = "data"
	AttrAddLoginEmails    Attribute = "addLoginEmails"
	AttrRemoveLoginEmails Attribute = "removeLoginEmails"
	AttrRegToken          Attribute = "regToken"
	AttrResetToken        Attribute = "resetToken"
	AttrVerifyToken       Attribute = "verificationToken"
	AttrSessionExpiration Attribute = "sessionExpiration"
	// AttrActive: whether the account may log in.
	AttrActive Attribute = "active"
	// AttrSendEmail: whether a reset link is mailed or the token returned.
	AttrSendEmail Attribute = "sendEmail"
	// AttrRequirePasswordChange: whether the next login must change the password.
	AttrRequirePasswordChange Attribute = "requirePasswordChange"
	// AttrSignIn and AttrConnection name a session by its id and by its
	// connection id (the Social ID API's sign-ins and connections).
	AttrSignIn     Attribute = "signIn"
	AttrConnection Attribute = "connection"
	// The choices a server makes of a mail it asks for (MailOptions).
	AttrRedirectURL Attribute = "redirectURL"
	AttrFrom        Attribute = "from"
	AttrSubject     Attribute = "subject"
	AttrLogoURL     Attribute = "logoURL"
	AttrDescription Attribute = "description"
	// AttrSiteUID: the site's own identifier of a user, in a custom login.
	AttrSiteUID Attribute = "siteUID"
	// AttrProvider and AttrProviderUID name a social identity: the
	// provider and the provider's user id. AttrLoginMode is what a social
	// login is for; AttrLastIdentity what removing the last one does.
	AttrProvider     Attribute = "provider"
	AttrProviderUID  Attribute = "providerUID"
	AttrLoginMode    Attribute = "loginMode"
	AttrLastIdentity Attribute = "lastIdentityHandling"
)

// Attributes lists every attribute, for adapters' tests.
func Attributes() []Attribute {
	return []Attribute{AttrBase, AttrAccount, AttrLoginID, AttrEmail, AttrUsername, AttrPassword, AttrNewPassword,
		AttrProfile, AttrData, AttrAddLoginEmails, AttrRemoveLoginEmails, AttrRegToken, AttrResetToken,
		AttrVerifyToken, AttrSessionExpiration, AttrActive, AttrSendEmail, AttrRequirePasswordChange,
		AttrSignIn, AttrConnection, AttrRedirectURL, AttrFrom, AttrSubject, AttrLogoURL, AttrDescription, AttrSiteUID,
		AttrProvider, AttrProviderUID, AttrLoginMode, AttrLastIdentity}
}

// Case tells apart cases of one condition that an adapter may word apart.
type Case string

// The cases.
const (
	// CaseAddress: ErrLocked for the client's address, not the account.
	CaseAddress Case = "address"
	// CaseRegistration: ErrCaptchaWrong when registering, not logging in.
	CaseRegistration Case = "registration"
	// CaseRegisterFirst: ErrTokenUnused where the next step is to register with it.
	CaseRegisterFirst Case = "registerFirst"
	// CaseFinalizeNext: ErrPendingRegistration answered with a regToken to finalize with.
	CaseFinalizeNext Case = "finalizeNext"
	// CaseHarvesting: ErrServerOnly where the site prevents login-ID harvesting.
	CaseHarvesting Case = "harvesting"
	// CaseMailed: ErrPendingVerification after a link was mailed to Args[0].
	CaseMailed Case = "mailed"
	// CaseMissingFields: ErrPendingRegistration while the required fields
	// listed in Args[0] ("profile.firstName, data.terms") lack values.
	CaseMissingFields Case = "missingFields"
	// CasePasswordOnly: ErrPasswordChangeDue where the regToken of a due
	// password change was given for another change.
	CasePasswordOnly Case = "passwordOnly"
	// CaseLink: ErrLoginIDConflict of a social login, whose identity waits
	// under a regToken for the user to prove to own the other account.
	CaseLink Case = "link"
)

// Cases lists every case, for adapters' tests.
func Cases() []Case {
	return []Case{CaseAddress, CaseRegistration, CaseRegisterFirst, CaseFinalizeNext, CaseMailed, CaseHarvesting,
		CaseMissingFields, CasePasswordOnly, CaseLink}
}

// Error is a failure of an account operation told in the domain's terms.
type Error struct {
	// Err is the condition: one of Conditions().
	Err  error
	Attr Attribute
	Case Case
	// Args are the arguments of the message; an Attribute among them is
	// renamed like Attr.
	Args []any
	// Fields are the field errors of ErrInvalid and ErrPasswordReused,
	// named by attributes.
	Fields []errcode.FieldError
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Attr != "" {
		b.WriteString(string(e.Attr) + ": ")
	}
	b.WriteString(e.Err.Error())
	if e.Case != "" {
		b.WriteString(" (" + string(e.Case) + ")")
	}
	for _, a := range e.Args {
		fmt.Fprintf(&b, " %v", a)
	}
	for _, f := range e.Fields {
		b.WriteString("; " + f.FullMessage())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Conditions lists every condition an *Error carries, each with example
// arguments as the domain passes them, so that adapters' tests can render
// every one of them.
func Conditions() []*Error {
	return []*Error{
		{Err: ErrNotFound, Args: []any{"0123456789abcdef0123456789abcdef"}},
		{Err: ErrChanged},
		{Err: ErrMissing},
		{Err: ErrTooLong, Args: []any{MaxLoginIDLen}},
		{Err: ErrOutOfRange, Args: []any{86400}},
		{Err: ErrBadCharacters},
		{Err: ErrExclusive, Args: []any{AttrLoginID}},
		{Err: ErrInvalid, Fields: []errcode.FieldError{errcode.Field(string(AttrEmail), errcode.RuleTaken)}},
		{Err: ErrNotEmail, Args: []any{"someone"}},
		{Err: ErrNoEmail},
		{Err: ErrLastLoginID},
		{Err: ErrServerOnly},
		{Err: ErrTokenUnknown},
		{Err: ErrTokenExpired},
		{Err: ErrTokenUnused},
		{Err: ErrTokenTaken},
		{Err: ErrInvalidCredentials},
		{Err: ErrPasswordReused, Fields: []errcode.FieldError{passwordReused(AttrPassword, 3)}},
		{Err: ErrDisabled},
		{Err: ErrPendingRegistration, Args: []any{"profile.firstName, data.terms"}},
		{Err: ErrPendingVerification, Args: []any{"ann@example.com"}},
		{Err: ErrAlreadyVerified},
		{Err: ErrLocked},
		{Err: ErrCaptchaRequired},
		{Err: ErrCaptchaWrong},
		{Err: ErrSessionUnknown},
		{Err: ErrSessionExpired},
		{Err: ErrSessionNoSecret},
		{Err: ErrUnderage, Attr: AttrProfile, Args: []any{13}},
		{Err: ErrPasswordChangeDue},
		{Err: ErrLoginIDConflict, Attr: AttrProfile},
		{Err: ErrMissingLoginID},
		{Err: ErrAccountsLinked},
		{Err: ErrNotConnected, Attr: AttrProvider, Args: []any{"google"}},
		{Err: ErrLinkMismatch, Attr: AttrProvider, Args: []any{"google"}},
		{Err: ErrIdentityTaken, Attr: AttrProvider, Args: []any{"google"}},
		{Err: ErrUIDTaken, Attr: AttrAccount, Args: []any{"0123456789abcdef0123456789abcdef"}},
		{Err: ErrUnsupportedHash, Attr: AttrPassword, Args: []any{"sha1_hashbytes"}},
		{Err: ErrBadHash, Attr: AttrPassword, Args: []any{"bcrypt: too short"}},
		{Err: ErrBadValue, Attr: AttrBase, Args: []any{"created", "not an ISO 8601 UTC time"}},
	}
}

// fail returns the *Error of cond about attr.
func fail(cond error, attr Attribute, args ...any) *Error {
	return &Error{Err: cond, Attr: attr, Args: args}
}

// failCase returns the *Error of one case of cond.
func failCase(cond error, c Case, args ...any) *Error {
	return &Error{Err: cond, Case: c, Args: args}
}

// invalid returns the ErrInvalid of field errors.
func invalid(fields ...errcode.FieldError) *Error {
	return &Error{Err: ErrInvalid, Fields: fields}
}

// field is the field error of rule for attr.
func field(attr Attribute, rule errcode.Rule) errcode.FieldError {
	return errcode.Field(string(attr), rule)
}

func passwordReused(attr Attribute, n int) errcode.FieldError {
	return errcode.FieldCount(string(attr), errcode.RuleRepeated, n).WithCode(errcode.OldPasswordUsed)
}
