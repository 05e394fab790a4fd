package rpc

import (
	"errors"
	"fmt"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/dialect"
	"github.com/custos-id/custos/internal/screenset"
	"github.com/custos-id/custos/internal/social"
)

// Errors returns the RPC dialect's table of the domain's errors.
func Errors() dialect.Table { return errorTable }

// errorTable names attributes by their RPC parameters.
var errorTable = dialect.Table{
	Names: map[account.Attribute]string{
		account.AttrBase:                  errcode.BaseAttribute,
		account.AttrAccount:               "UID",
		account.AttrLoginID:               "loginID",
		account.AttrEmail:                 "email",
		account.AttrUsername:              "username",
		account.AttrPassword:              "password",
		account.AttrNewPassword:           "newPassword",
		account.AttrProfile:               "profile",
		account.AttrData:                  "data",
		account.AttrAddLoginEmails:        "addLoginEmails",
		account.AttrRemoveLoginEmails:     "removeLoginEmails",
		account.AttrRegToken:              "regToken",
		account.AttrResetToken:            "passwordResetToken",
		account.AttrVerifyToken:           "verificationToken",
		account.AttrSessionExpiration:     "sessionExpiration",
		account.AttrActive:                "isActive",
		account.AttrSendEmail:             "sendEmail",
		account.AttrRequirePasswordChange: "requirePasswordChange",
		// Named for the REST dialect's sign-ins, connections and mail
		// endpoints; no RPC method takes them.
		account.AttrSignIn:      "signInID",
		account.AttrConnection:  "connectionID",
		account.AttrRedirectURL: "redirectURL",
		account.AttrFrom:        "from",
		account.AttrSubject:     "subject",
		account.AttrLogoURL:     "logoURL",
		account.AttrDescription: "description",
		account.AttrSiteUID:     "siteUID",
		// The social identity: providerSessions names the provider.
		account.AttrProvider:     "provider",
		account.AttrProviderUID:  "providerUID",
		account.AttrLoginMode:    "loginMode",
		account.AttrLastIdentity: "lastIdentityHandling",
	},
	Entries: map[dialect.Key]dialect.Entry{
		{Err: account.ErrNotFound}:                                             {Code: errcode.UnauthorizedUser, Format: "Unauthorized user: no account with UID %.64[2]q"},
		{Err: account.ErrNotFound, Attr: account.AttrLoginID}:                  {Code: errcode.NoUserWithUsernameOrEmail, Format: "Login ID does not exist"},
		{Err: account.ErrNotFound, Attr: account.AttrRemoveLoginEmails}:        {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: not a login email of this account"},
		{Err: account.ErrServerOnly, Attr: account.AttrSendEmail}:              {Code: errcode.PermissionDenied, Format: "Permission denied: %[1]s=false is for server calls only"},
		{Err: account.ErrServerOnly, Case: account.CaseHarvesting}:             {Code: errcode.UnauthorizedAccessError, Format: "Unauthorized access error: the site protects against account harvesting; call from the server"},
		{Err: account.ErrNoEmail}:                                              {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: the account has no email address"},
		{Err: account.ErrNoEmail, Attr: account.AttrLoginID}:                   {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: the account has no email address to send the reset link to"},
		{Err: account.ErrTokenUnused, Case: account.CaseRegisterFirst}:         {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: no registration uses it yet: call accounts.register with it"},
		{Err: account.ErrInvalidCredentials}:                                   {Code: errcode.InvalidLoginID, Format: "invalid loginID or password"},
		{Err: account.ErrInvalidCredentials, Attr: account.AttrPassword}:       {Code: errcode.InvalidLoginID, Format: "invalid password"},
		{Err: account.ErrDisabled}:                                             {Code: errcode.AccountDisabled, Format: "Account is disabled"},
		{Err: account.ErrPendingRegistration}:                                  {Code: errcode.AccountPendingRegistration, Format: "Missing required fields for registration: the registration was not finalized"},
		{Err: account.ErrPendingRegistration, Case: account.CaseMissingFields}: {Code: errcode.AccountPendingRegistration, Format: "Missing required fields for registration: %[2]s"},
		{Err: account.ErrPendingRegistration, Case: account.CaseFinalizeNext}:  {Code: errcode.AccountPendingRegistration, Format: "Missing required fields for registration: the registration was not finalized (call accounts.finalizeRegistration with the regToken)"},
		{Err: account.ErrPendingVerification}:                                  {Code: errcode.AccountPendingVerification, Format: "Account Pending Verification: the email address is not verified"},
		{Err: account.ErrPendingVerification, Case: account.CaseMailed}:        {Code: errcode.AccountPendingVerification, Format: "Account Pending Verification: follow the link sent to %[2]s"},
		{Err: account.ErrAlreadyVerified}:                                      {Code: errcode.RedundantOperation, Format: "Redundant operation: the email address is verified already"},
		{Err: account.ErrLocked}:                                               {Code: errcode.AccountTemporarilyLockedOut, Format: "Account Temporarily Locked Out: too many failed logins of this account; try again later"},
		{Err: account.ErrLocked, Case: account.CaseAddress}:                    {Code: errcode.AccountTemporarilyLockedOut, Format: "Account Temporarily Locked Out: too many failed logins from this address; try again later"},
		{Err: account.ErrCaptchaRequired}:                                      {Code: errcode.LoginFailedCaptchaRequired, Format: "Login Failed Captcha Required: send captchaToken"},
		{Err: account.ErrCaptchaWrong, Case: account.CaseRegistration}:         {Code: errcode.CAPTCHAVerificationFailed, Format: "CAPTCHA verification failed: send a solved captchaToken"},
		{Err: account.ErrUnderage}:                                             {Code: errcode.UnderageUser, Format: "Underage user: the site accepts users of %[2]d years and older"},
		{Err: account.ErrPasswordChangeDue}:                                    {Code: errcode.PendingPasswordChange, Format: "Pending password change: change it with accounts.setAccountInfo (regToken, password, newPassword), then log in"},
		{Err: account.ErrPasswordChangeDue, Case: account.CasePasswordOnly}:    {Code: errcode.PendingPasswordChange, Format: "Pending password change: this regToken changes the password only (password and newPassword)"},
		{Err: account.ErrUIDTaken}:                                             {Code: errcode.UniqueIdentifierExists, Format: "Unique identifier exists: an account with UID %.64[2]q exists (importPolicy=upsert replaces it)"},
		{Err: account.ErrUnsupportedHash}:                                      {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: hash algorithm %.64[2]q is not supported"},
		{Err: account.ErrBadHash}:                                              {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: %.200[2]s"},
		{Err: account.ErrBadValue}:                                             {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %.64[2]s: %.200[3]s"},
		{Err: account.ErrLoginIDConflict}:                                      {Code: errcode.LoginIdentifierExists, Format: "Login identifier exists: %[1]s.email is a login email of another account"},
		{Err: account.ErrLoginIDConflict, Case: account.CaseLink}:              {Code: errcode.LoginIdentifierExists, Format: "Login identifier exists: the provider's email is the login ID of an existing account; prove you own it (accounts.getConflictingAccount, then accounts.login with loginMode=link and the regToken)"},
		{Err: account.ErrMissingLoginID}:                                       {Code: errcode.AccountMissingLoginID, Format: "Account missing loginID: add an email or a username with accounts.setAccountInfo (regToken), then finalize"},
		{Err: account.ErrAccountsLinked}:                                       {Code: errcode.AccountsLinked, Format: "Accounts linked: call accounts.finalizeRegistration with the regToken of this answer (the conflict's is spent)"},
		{Err: account.ErrNotConnected}:                                         {Code: errcode.NotConnected, Format: "Not connected: the user is not connected to %.40[2]s"},
		{Err: account.ErrLinkMismatch}:                                         {Code: errcode.UnexpectedProviderUser, Format: "Unexpected provider user: this login is not of the account the regToken conflicts with"},
		{Err: account.ErrIdentityTaken}:                                        {Code: errcode.IdentityExists, Format: "Identity exists: this %.40[2]s identity is connected to an account already"},
		{Err: account.ErrMissing, Attr: account.AttrProvider}:                  {Code: errcode.MissingRequiredProviderParameter, Format: "Missing required provider parameter: %[1]s"},
		{Err: account.ErrLastLoginID, Attr: account.AttrProvider}:              {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: it is the account's last way to log in (lastIdentityHandling=fail)"},
		// Social login (package social): Args are the provider and a reason.
		{Err: social.ErrUnknownProvider}:        {Code: errcode.InvalidProvider, Format: "Invalid provider: %.40[2]q is not a provider of this site"},
		{Err: social.ErrNoProviderApp}:          {Code: errcode.NoProviderApplication, Format: "No provider application: %[2]s: %[3]s"},
		{Err: social.ErrProviderConfig}:         {Code: errcode.ProviderConfigurationError, Format: "Provider configuration error: %[2]s: %[3]s"},
		{Err: social.ErrProviderFailure}:        {Code: errcode.ProviderError, Format: "Provider error: %[2]s: %[3]s"},
		{Err: social.ErrProviderSessionExpired}: {Code: errcode.ProviderSessionExpired, Format: "Provider session expired: %[2]s: %[3]s"},
		{Err: social.ErrCanceled}:               {Code: errcode.OperationCanceled, Format: "Operation canceled: at %[2]s (%[3]s)"},
		{Err: social.ErrState}:                  {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: state: unknown, used or expired; start the login again"},
		{Err: social.ErrInvalidIDToken}:         {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: the %[2]s token is not valid: %[3]s"},
		{Err: social.ErrInvalid}:                {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: provider %[2]s: %[3]s"},
		{Err: social.ErrRedirectURI}:            {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: redirectURIs: %[3]s"},
	},
}

// screenSetNames are the RPC parameters of the screenset package's
// attributes: a screen-set's fields (setScreenSet's own parameters, or the
// members of one element of setScreenSets), a list of ids, a change's sets.
var screenSetNames = map[string]string{
	screenset.AttrID: "screenSetID", screenset.AttrIDs: "screenSetIDs", screenset.AttrHTML: "html",
	screenset.AttrCSS: "css", screenset.AttrJavaScript: "javascript", screenset.AttrTranslations: "translations",
	screenset.AttrMetadata: "metadata", screenset.AttrScreenSets: "screenSets",
}

// screenSetError renders the screenset package's conditions: a refused
// field as the catalog's parameter errors, named by its parameter under
// prefix ("screenSets[2]." for an element of setScreenSets); a set the site
// has not, and a site's limits, as 400006 of param, the parameter the
// method took the sets in. Any other error is returned as it is.
func screenSetError(err error, prefix, param string) error {
	if e, ok := errors.AsType[*screenset.InvalidError](err); ok {
		name := screenSetNames[e.Attr]
		switch e.Attr {
		case screenset.AttrIDs, screenset.AttrScreenSets:
		default:
			name = prefix + name
		}
		switch e.Problem {
		case screenset.ProblemMissing:
			return errcode.Missing(name)
		case screenset.ProblemFormat:
			return errcode.InvalidFormat(name, e.Reason)
		}
		return errcode.InvalidValue(name, e.Reason)
	}
	if nf, ok := errors.AsType[*screenset.NotFoundError](err); ok {
		return errcode.InvalidValue(param, fmt.Sprintf("the site has no screen-set %.100q", nf.ID))
	}
	switch {
	case errors.Is(err, screenset.ErrTooLarge):
		return errcode.InvalidValue(param, fmt.Sprintf("a site's screen-sets hold at most %d MiB in all: make them smaller or delete one first (accounts.deleteScreenSet)", screenset.MaxBytesPerSite>>20))
	case errors.Is(err, screenset.ErrAnswerTooLarge):
		return errcode.InvalidValue(param, fmt.Sprintf("the screen-sets asked for hold more than %d MiB: name fewer", screenset.MaxAnswerBytes>>20))
	case errors.Is(err, screenset.ErrTooMany):
		return errcode.InvalidValue(param, fmt.Sprintf("a site holds at most %d screen-sets: delete one first (accounts.deleteScreenSet)", screenset.MaxPerSite))
	}
	return err
}
