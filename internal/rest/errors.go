package rest

import (
	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/dialect"
	"github.com/custos-id/custos/internal/social"
)

// Errors returns the REST dialect's table of the domain's errors.
func Errors() dialect.Table { return errorTable }

// errorTable names attributes by the body fields that carry them. A
// refused login is told as the Social ID API does: one base error whose
// code tells why.
var errorTable = dialect.Table{
	Names: byField(map[string][]account.Attribute{
		errcode.BaseAttribute: {account.AttrBase},
		"id":                  {account.AttrAccount, account.AttrSignIn},
		// REST names the kind of a login ID: of either kind, it is an
		// email here.
		"email_address": {account.AttrLoginID, account.AttrEmail, account.AttrAddLoginEmails, account.AttrRemoveLoginEmails},
		"username":      {account.AttrUsername},
		// The new password of an update or a reset is the body's password.
		"password":                 {account.AttrPassword, account.AttrNewPassword},
		"profile":                  {account.AttrProfile},
		"data":                     {account.AttrData},
		"registration_token":       {account.AttrRegToken},
		"reset_password_token":     {account.AttrResetToken},
		"email_confirmation_token": {account.AttrVerifyToken},
		"session_expiration":       {account.AttrSessionExpiration},
		"active":                   {account.AttrActive},
		"send_email":               {account.AttrSendEmail},
		"require_password_change":  {account.AttrRequirePasswordChange},
		"connection_id":            {account.AttrConnection},
		"redirect_url":             {account.AttrRedirectURL},
		"from":                     {account.AttrFrom},
		"subject":                  {account.AttrSubject},
		"logo_url":                 {account.AttrLogoURL},
		"description":              {account.AttrDescription},
		"site_uid":                 {account.AttrSiteUID},
		"provider":                 {account.AttrProvider},
		"provider_uid":             {account.AttrProviderUID},
		"login_mode":               {account.AttrLoginMode},
		"last_identity_handling":   {account.AttrLastIdentity},
	}),
	Entries: map[dialect.Key]dialect.Entry{
		{Err: account.ErrNotFound}:                                             {Code: errcode.NotFound, Format: "User not found"},
		{Err: account.ErrNotFound, Attr: account.AttrSignIn}:                   {Code: errcode.NotFound, Format: "Sign in not found"},
		{Err: account.ErrNotFound, Attr: account.AttrConnection}:               {Code: errcode.NotFound, Format: "Connection not found"},
		{Err: account.ErrNoEmail}:                                              {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: the user has no email address"},
		{Err: account.ErrTokenUnknown, Attr: account.AttrResetToken}:           {Code: errcode.NotFound, Format: "Reset password token not found"},
		{Err: account.ErrTokenUnknown, Attr: account.AttrVerifyToken}:          {Code: errcode.NotFound, Format: "Email confirmation token not found"},
		{Err: account.ErrInvalidCredentials}:                                   {Code: errcode.InvalidLoginID, Base: errcode.RuleInvalidPassword},
		{Err: account.ErrDisabled}:                                             {Code: errcode.AccountDisabled, Base: errcode.RuleActive},
		{Err: account.ErrPendingRegistration}:                                  {Code: errcode.AccountPendingRegistration, Base: errcode.RuleConfirmed, Format: "registration is not finalized"},
		{Err: account.ErrPendingRegistration, Case: account.CaseMissingFields}: {Code: errcode.AccountPendingRegistration, Base: errcode.RuleConfirmed, Format: "registration is not complete: missing %[2]s"},
		{Err: account.ErrPendingVerification}:                                  {Code: errcode.AccountPendingVerification, Base: errcode.RuleConfirmed},
		{Err: account.ErrAlreadyVerified}:                                      {Code: errcode.RedundantOperation, Format: "Redundant operation: the email address is confirmed already"},
		{Err: account.ErrLocked}:                                               {Code: errcode.AccountTemporarilyLockedOut, Base: errcode.RuleLocked},
		{Err: account.ErrCaptchaRequired}:                                      {Code: errcode.LoginFailedCaptchaRequired, Format: "Login Failed Captcha Required"},
		{Err: account.ErrCaptchaWrong, Case: account.CaseRegistration}:         {Code: errcode.CAPTCHAVerificationFailed, Format: "CAPTCHA verification failed"},
		// A refused login the Social ID API has no code for is told in words.
		{Err: account.ErrUIDTaken}:                                {Code: errcode.UniqueIdentifierExists, Format: "Unique identifier exists: a user with id %.64[2]q exists"},
		{Err: account.ErrUnsupportedHash}:                         {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: hash algorithm %.64[2]q is not supported"},
		{Err: account.ErrBadHash}:                                 {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: %.200[2]s"},
		{Err: account.ErrBadValue}:                                {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %.64[2]s: %.200[3]s"},
		{Err: account.ErrUnderage}:                                {Code: errcode.UnderageUser, Format: "Underage user: the site accepts users of %[2]d years and older"},
		{Err: account.ErrPasswordChangeDue}:                       {Code: errcode.PendingPasswordChange, Format: "Pending password change: the user must change the password before signing in; set a new one with PUT /users/:id"},
		{Err: account.ErrLoginIDConflict}:                         {Code: errcode.LoginIdentifierExists, Format: "Login identifier exists: the %[1]s email is a login email of another user"},
		{Err: account.ErrLoginIDConflict, Case: account.CaseLink}: {Code: errcode.LoginIdentifierExists, Format: "Login identifier exists: the provider's email is the login email of another user; sign in as that user to link"},
		{Err: account.ErrMissingLoginID}:                          {Code: errcode.AccountMissingLoginID, Format: "Account missing login identifier: the user has no email address or username yet"},
		{Err: account.ErrAccountsLinked}:                          {Code: errcode.AccountsLinked, Format: "Accounts linked"},
		{Err: account.ErrNotConnected}:                            {Code: errcode.NotConnected, Format: "Not connected: the user is not connected to %.40[2]s"},
		{Err: account.ErrLinkMismatch}:                            {Code: errcode.UnexpectedProviderUser, Format: "Unexpected provider user: not the user the registration token conflicts with"},
		{Err: account.ErrIdentityTaken}:                           {Code: errcode.IdentityExists, Format: "Identity exists: this %.40[2]s identity belongs to a user already"},
		{Err: account.ErrMissing, Attr: account.AttrProvider}:     {Code: errcode.MissingRequiredProviderParameter, Format: "Missing required provider parameter: %[1]s"},
		// Social sign-ins (package social): Args are the provider and a reason.
		{Err: social.ErrUnknownProvider}:        {Code: errcode.InvalidProvider, Format: "Invalid provider: %.40[2]q is not a provider of this app"},
		{Err: social.ErrNoProviderApp}:          {Code: errcode.NoProviderApplication, Format: "No provider application: %[2]s: %[3]s"},
		{Err: social.ErrProviderConfig}:         {Code: errcode.ProviderConfigurationError, Format: "Provider configuration error: %[2]s: %[3]s"},
		{Err: social.ErrProviderFailure}:        {Code: errcode.ProviderError, Format: "Provider error: %[2]s: %[3]s"},
		{Err: social.ErrProviderSessionExpired}: {Code: errcode.ProviderSessionExpired, Format: "Provider session expired: %[2]s: %[3]s"},
		{Err: social.ErrCanceled}:               {Code: errcode.OperationCanceled, Format: "Operation canceled: at %[2]s (%[3]s)"},
		{Err: social.ErrState}:                  {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: state: unknown, used or expired; start the sign-in again"},
		{Err: social.ErrInvalidIDToken}:         {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: the %[2]s token is not valid: %[3]s"},
		{Err: social.ErrInvalid}:                {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: provider %[2]s: %[3]s"},
		{Err: social.ErrRedirectURI}:            {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: redirectURIs: %[3]s"},
	},
}

// byField turns body fields and the attributes each carries into the
// attributes' names.
func byField(fields map[string][]account.Attribute) map[account.Attribute]string {
	names := map[account.Attribute]string{}
	for field, attrs := range fields {
		for _, a := range attrs {
			names[a] = field
		}
	}
	return names
}
