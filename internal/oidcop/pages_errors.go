package oidcop

import (
	"errors"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
)

// pageProblem is one thing wrong with a form, told to the person at the page:
// the catalog's code (shown with the catalog's message, for support), the
// words, and the form field at fault ("" for the form as a whole).
type pageProblem struct {
	Code  errcode.Code
	Text  string
	Field string
}

// Message is the catalog's message of the pageProblem's code.
func (p pageProblem) Message() string { return (&errcode.Error{Code: p.Code}).Entry().Message }

// The form fields of the login page.
const (
	fieldLoginID  = "loginID"
	fieldPassword = "password"
)

// loginWords are the login page's words for the conditions of
// account.Service.Login, in place of the dialects' words, which name API
// parameters and methods. {site} stands for the site's name.
//
// An unknown login ID and a wrong password are one condition,
// ErrInvalidCredentials, and so one message: the page tells no one which
// accounts exist.
var loginWords = map[error]pageProblem{
	account.ErrInvalidCredentials: {errcode.InvalidLoginID, "The login details are not right. Check them and try again.", ""},
	account.ErrDisabled:           {errcode.AccountDisabled, "This account is disabled. Contact {site} for help.", ""},
	account.ErrLocked:             {errcode.AccountTemporarilyLockedOut, "Too many failed attempts. Logging in is blocked for a while: try again later.", ""},
	account.ErrCaptchaRequired:    {errcode.LoginFailedCaptchaRequired, "After too many failed attempts {site} asks for a CAPTCHA, which this page cannot show. Try again later, or log in on {site}'s own pages.", ""},
	account.ErrCaptchaWrong:       {errcode.LoginFailedWrongCaptcha, "After too many failed attempts {site} asks for a CAPTCHA, which this page cannot show. Try again later, or log in on {site}'s own pages.", ""},
	account.ErrPendingRegistration: {errcode.AccountPendingRegistration,
		"Your registration with {site} is not complete. Complete it on {site}'s own pages, then log in here again.", ""},
	account.ErrPendingVerification: {errcode.AccountPendingVerification,
		"Your email address is not verified yet. Follow the link in the email {site} sent you, then log in again.", ""},
	account.ErrPasswordChangeDue: {errcode.PendingPasswordChange,
		"Your password has expired. Change it on {site}'s own pages, then log in here again.", ""},
	account.ErrUnderage: {errcode.UnderageUser, "{site} is not open to users of your age.", ""},
}

// loginIDWords are the words of a login ID that cannot be one.
var loginIDWords = map[error]pageProblem{
	account.ErrMissing:       {errcode.MissingRequiredParameter, "Enter your {loginID}.", fieldLoginID},
	account.ErrTooLong:       {errcode.InvalidParameterValue, "The {loginID} is too long.", fieldLoginID},
	account.ErrBadCharacters: {errcode.InvalidParameterFormat, "The {loginID} has characters that cannot be in it.", fieldLoginID},
	account.ErrNotEmail:      {errcode.InvalidParameterValue, "Enter an email address such as name@example.com.", fieldLoginID},
}

// passwordMissing is the pageProblem of an empty password.
var passwordMissing = pageProblem{errcode.MissingRequiredParameter, "Enter your password.", fieldPassword}

// loginProblem words a failed login; ok is false for an error that is not
// the user's to fix (a server error, to log).
func loginProblem(err error, siteName, loginIDLabel string) (pageProblem, bool) {
	e, ok := errors.AsType[*account.Error](err)
	if !ok {
		return pageProblem{}, false
	}
	p, ok := loginWords[e.Err]
	switch {
	case e.Attr == account.AttrLoginID:
		p, ok = loginIDWords[e.Err]
	case e.Attr == account.AttrPassword && e.Err == account.ErrMissing:
		p, ok = passwordMissing, true
	}
	if !ok {
		return pageProblem{}, false
	}
	p.Text = strings.NewReplacer("{site}", siteName, "{loginID}", strings.ToLower(loginIDLabel)).Replace(p.Text)
	return p, true
}

// The problems of the forms themselves.
var (
	// staleForm: no CSRF cookie, or a token not of it (an old tab, cookies
	// cleared, or a forged post): the page shows the form again with a new
	// token.
	staleForm = pageProblem{errcode.Forbidden, "This form has expired or was not sent from this page. Please check it and send it again.", ""}
	// noDecision: the consent form came without Allow or Deny.
	noDecision = pageProblem{errcode.MissingRequiredParameter, "Choose Allow or Deny.", ""}
)
