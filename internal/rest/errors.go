package rest

import (
	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/dialect"
)

// Errors returns the REST dialect's table of the domain's errors.
func Errors() dialect.Table { return errorTable }

// errorTable is the REST dialect's table of the domain's errors: the
// catalog entry and the words of each condition, and the body field names
// of the domain's attributes. A refused login is told as the Social ID API
// does: one base error whose code tells why.
var errorTable = dialect.Table{
	Names: map[account.Attribute]string{
		account.AttrBase:     errcode.BaseAttribute,
		account.AttrAccount:  "id",
		account.AttrLoginID:  "email_address", // REST names the kind; a login ID of either kind is an email here
		account.AttrEmail:    "email_address",
		account.AttrUsername: "username",
		account.AttrPassword: "password",
		// The new password of an update or a reset is the body's password.
		account.AttrNewPassword:       "password",
		account.AttrProfile:           "profile",
		account.AttrData:              "data",
		account.AttrAddLoginEmails:    "email_address",
		account.AttrRemoveLoginEmails: "email_address",
		account.AttrRegToken:          "registration_token",
		account.AttrResetToken:        "reset_password_token",
		account.AttrVerifyToken:       "email_confirmation_token",
		account.AttrSessionExpiration: "session_expiration",
		account.AttrActive:            "active",
		account.AttrSendEmail:         "send_email",
	},
	// In the formats %[1]s is the attribute's wire name, %[2]… the arguments.
	Entries: map[dialect.Key]dialect.Entry{
		{Err: account.ErrNotFound}:                                     {Code: errcode.NotFound, Format: "User not found"},
		{Err: account.ErrNoEmail}:                                      {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: the user has no email address"},
		{Err: account.ErrTokenUnknown, Attr: account.AttrResetToken}:   {Code: errcode.NotFound, Format: "Reset password token not found"},
		{Err: account.ErrTokenUnknown, Attr: account.AttrVerifyToken}:  {Code: errcode.NotFound, Format: "Email confirmation token not found"},
		{Err: account.ErrInvalidCredentials}:                           {Code: errcode.InvalidLoginID, Base: errcode.RuleInvalidPassword},
		{Err: account.ErrDisabled}:                                     {Code: errcode.AccountDisabled, Base: errcode.RuleActive},
		{Err: account.ErrPendingRegistration}:                          {Code: errcode.AccountPendingRegistration, Base: errcode.RuleConfirmed, Format: "registration is not finalized"},
		{Err: account.ErrPendingVerification}:                          {Code: errcode.AccountPendingVerification, Base: errcode.RuleConfirmed},
		{Err: account.ErrAlreadyVerified}:                              {Code: errcode.RedundantOperation, Format: "Redundant operation: the email address is confirmed already"},
		{Err: account.ErrLocked}:                                       {Code: errcode.AccountTemporarilyLockedOut, Base: errcode.RuleLocked},
		{Err: account.ErrCaptchaRequired}:                              {Code: errcode.LoginFailedCaptchaRequired, Format: "Login Failed Captcha Required"},
		{Err: account.ErrCaptchaWrong, Case: account.CaseRegistration}: {Code: errcode.CAPTCHAVerificationFailed, Format: "CAPTCHA verification failed"},
	},
}
