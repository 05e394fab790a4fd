package rpc

import (
	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/dialect"
)

// Errors returns the RPC dialect's table of the domain's errors.
func Errors() dialect.Table { return errorTable }

// errorTable is the RPC dialect's table of the domain's errors: the catalog
// entry and the words of each condition, and the parameter names of the
// domain's attributes.
var errorTable = dialect.Table{
	Names: map[account.Attribute]string{
		account.AttrBase:              errcode.BaseAttribute,
		account.AttrAccount:           "UID",
		account.AttrLoginID:           "loginID",
		account.AttrEmail:             "email",
		account.AttrUsername:          "username",
		account.AttrPassword:          "password",
		account.AttrNewPassword:       "newPassword",
		account.AttrProfile:           "profile",
		account.AttrData:              "data",
		account.AttrAddLoginEmails:    "addLoginEmails",
		account.AttrRemoveLoginEmails: "removeLoginEmails",
		account.AttrRegToken:          "regToken",
		account.AttrResetToken:        "passwordResetToken",
		account.AttrVerifyToken:       "verificationToken",
		account.AttrSessionExpiration: "sessionExpiration",
	},
	// In the formats %[1]s is the attribute's wire name, %[2]… the arguments.
	Entries: map[dialect.Key]dialect.Entry{
		{Err: account.ErrNotFound}:                                            {Code: errcode.UnauthorizedUser, Format: "Unauthorized user: no account with UID %.64[2]q"},
		{Err: account.ErrNotFound, Attr: account.AttrLoginID}:                 {Code: errcode.NoUserWithUsernameOrEmail, Format: "Login ID does not exist"},
		{Err: account.ErrNotFound, Attr: account.AttrRemoveLoginEmails}:       {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: not a login email of this account"},
		{Err: account.ErrChanged}:                                             {Code: errcode.ConcurrentUpdatesNotAllowed, Format: "Concurrent updates not allowed: the account changed meanwhile; try again"},
		{Err: account.ErrMissing}:                                             {Code: errcode.MissingRequiredParameter, Format: "Missing required parameter: %[1]s"},
		{Err: account.ErrTooLong}:                                             {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: longer than %[2]d bytes"},
		{Err: account.ErrOutOfRange}:                                          {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: want 0 to %[2]d seconds, or -2"},
		{Err: account.ErrBadCharacters}:                                       {Code: errcode.InvalidParameterFormat, Format: "Invalid parameter format: %[1]s: contains invalid characters"},
		{Err: account.ErrExclusive}:                                           {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: give %[2]s or %[1]s, not both"},
		{Err: account.ErrInvalid}:                                             {Code: errcode.ValidationError},
		{Err: account.ErrNotEmail}:                                            {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: %.64[2]q is not an email address"},
		{Err: account.ErrNoEmail}:                                             {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: the account has no email address"},
		{Err: account.ErrNoEmail, Attr: account.AttrLoginID}:                  {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: the account has no email address to send the reset link to"},
		{Err: account.ErrLastLoginID}:                                         {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: the account would have no login ID left"},
		{Err: account.ErrTokenUnknown}:                                        {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: unknown or already used"},
		{Err: account.ErrTokenExpired}:                                        {Code: errcode.CodeExpired, Format: "Code expired: %[1]s has expired"},
		{Err: account.ErrTokenUnused}:                                         {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: no registration uses it yet"},
		{Err: account.ErrTokenUnused, Case: account.CaseRegisterFirst}:        {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: no registration uses it yet: call accounts.register with it"},
		{Err: account.ErrTokenTaken}:                                          {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: belongs to another registration"},
		{Err: account.ErrInvalidCredentials}:                                  {Code: errcode.InvalidLoginID, Format: "invalid loginID or password"},
		{Err: account.ErrInvalidCredentials, Attr: account.AttrPassword}:      {Code: errcode.InvalidLoginID, Format: "invalid password"},
		{Err: account.ErrPasswordReused}:                                      {Code: errcode.OldPasswordUsed},
		{Err: account.ErrDisabled}:                                            {Code: errcode.AccountDisabled, Format: "Account is disabled"},
		{Err: account.ErrPendingRegistration}:                                 {Code: errcode.AccountPendingRegistration, Format: "Missing required fields for registration: the registration was not finalized"},
		{Err: account.ErrPendingRegistration, Case: account.CaseFinalizeNext}: {Code: errcode.AccountPendingRegistration, Format: "Missing required fields for registration: the registration was not finalized (call accounts.finalizeRegistration with the regToken)"},
		{Err: account.ErrPendingVerification}:                                 {Code: errcode.AccountPendingVerification, Format: "Account Pending Verification: the email address is not verified"},
		{Err: account.ErrPendingVerification, Case: account.CaseMailed}:       {Code: errcode.AccountPendingVerification, Format: "Account Pending Verification: follow the link sent to %[2]s"},
		{Err: account.ErrAlreadyVerified}:                                     {Code: errcode.RedundantOperation, Format: "Redundant operation: the email address is verified already"},
		{Err: account.ErrLocked}:                                              {Code: errcode.AccountTemporarilyLockedOut, Format: "Account Temporarily Locked Out: too many failed logins of this account; try again later"},
		{Err: account.ErrLocked, Case: account.CaseAddress}:                   {Code: errcode.AccountTemporarilyLockedOut, Format: "Account Temporarily Locked Out: too many failed logins from this address; try again later"},
		{Err: account.ErrCaptchaRequired}:                                     {Code: errcode.LoginFailedCaptchaRequired, Format: "Login Failed Captcha Required: send captchaToken"},
		{Err: account.ErrCaptchaWrong}:                                        {Code: errcode.LoginFailedWrongCaptcha, Format: "Login Failed Wrong Captcha"},
		{Err: account.ErrCaptchaWrong, Case: account.CaseRegistration}:        {Code: errcode.CAPTCHAVerificationFailed, Format: "CAPTCHA verification failed: send a solved captchaToken"},
		{Err: account.ErrSessionUnknown}:                                      {Code: errcode.InvalidSessionToken, Format: "Invalid session token"},
		{Err: account.ErrSessionUnknown, Case: account.CaseBrowser}:           {Code: errcode.InvalidSessionToken, Format: "Invalid session token: a browser session cannot sign requests"},
		{Err: account.ErrSessionExpired}:                                      {Code: errcode.SessionHasExpired, Format: "Session has expired"},
	},
}
