package adminapi

import (
	"errors"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/dialect"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/outbox"
	"github.com/custos-id/custos/internal/screenset"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/social"
)

// errorTable names the account attributes by the API's JSON fields; the
// conditions take the dialects' defaults and the entries below.
var errorTable = dialect.Table{
	Names: map[account.Attribute]string{
		account.AttrAccount: "uid", account.AttrProfile: "profile", account.AttrData: "data",
		account.AttrActive: "isActive", account.AttrEmail: "email", account.AttrLoginID: "loginID",
	},
	Entries: map[dialect.Key]dialect.Entry{
		{Err: account.ErrNotFound}:       {Code: errcode.NotFound, Format: "Not found: no such user"},
		{Err: social.ErrUnknownProvider}: {Code: errcode.NotFound, Format: "Not found: no provider %.40[2]q"},
		{Err: social.ErrInvalid}:         {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: provider %[2]s: %[3]s"},
		{Err: social.ErrRedirectURI}:     {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: redirectURIs: %[3]s"},
	},
}

// domainError turns the domain's conditions into catalog errors.
func domainError(err error) error {
	var ie *admin.InvalidError
	switch {
	case errors.Is(err, admin.ErrInvalidCredentials):
		return errcode.New(errcode.InvalidLoginID, "Invalid loginID: wrong username, password or code")
	case errors.Is(err, admin.ErrCodeRequired):
		return errcode.New(errcode.AccountPendingTFAVerification, "Account Pending TFA Verification: send the code of your authenticator app with the password")
	case errors.Is(err, admin.ErrNotEnrolling):
		return errcode.New(errcode.InvalidParameterValue, "Invalid parameter value: code: no second factor is waiting for confirmation; log in with the password first")
	case errors.Is(err, admin.ErrLocked):
		return errcode.New(errcode.AccountTemporarilyLockedOut, "Account Temporarily Locked Out: too many failed logins; try again later")
	case errors.Is(err, admin.ErrDisabled):
		return errcode.New(errcode.InvalidLoginID, "Invalid loginID: wrong username, password or code")
	case errors.Is(err, admin.ErrNotFound):
		return errcode.New(errcode.NotFound, "Not found: no such admin")
	case errors.Is(err, admin.ErrUsernameTaken):
		return errcode.New(errcode.UniqueIdentifierExists, "Unique identifier exists: an admin has this username")
	case errors.Is(err, admin.ErrLastOwner):
		return errcode.New(errcode.InvalidParameterValue, "Invalid parameter value: the last enabled owner cannot be removed, demoted or disabled")
	case errors.As(err, &ie):
		return errcode.InvalidValue(ie.Field, ie.Reason)
	case errors.Is(err, site.ErrNotFound):
		return errcode.New(errcode.NotFound, "Not found: no such site")
	case errors.Is(err, site.ErrKeyNotFound):
		return errcode.New(errcode.NotFound, "Not found: no such application key")
	case errors.Is(err, outbox.ErrNotFailed):
		return errcode.New(errcode.NotFound, "Not found: no message given up on has this id")
	case errors.Is(err, oauth.ErrNotFound):
		return errcode.New(errcode.NotFound, "Not found: no such OIDC client")
	}
	if nf, ok := errors.AsType[*screenset.NotFoundError](err); ok {
		return errcode.Newf(errcode.NotFound, "Not found: no screen-set %q", nf.ID)
	}
	if e, ok := errors.AsType[*screenset.InvalidError](err); ok {
		return errcode.InvalidValue(e.Attr, e.Reason)
	}
	if errors.Is(err, oauth.ErrInvalid) || errors.Is(err, oauth.ErrChanged) {
		return dialect.OAuthError(err, nil)
	}
	if e, ok := errors.AsType[*site.ConfigError](err); ok {
		return errcode.InvalidValue("webSdkConfig", e.Reason)
	}
	return errorTable.Render(err)
}
