package dialect

import (
	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
)

// defaults are the catalog's own words for conditions every dialect tells
// alike: the generic parameter errors ("Missing required parameter: …") and
// the session, token and concurrency entries. A Table's entries come first,
// so a dialect words any of them its own way by listing it.
var defaults = map[Key]Entry{
	{Err: account.ErrChanged}:         {Code: errcode.ConcurrentUpdatesNotAllowed, Format: "Concurrent updates not allowed: the account changed meanwhile; try again"},
	{Err: account.ErrMissing}:         {Code: errcode.MissingRequiredParameter, Format: "Missing required parameter: %[1]s"},
	{Err: account.ErrTooLong}:         {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: longer than %[2]d bytes"},
	{Err: account.ErrOutOfRange}:      {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: want 0 to %[2]d seconds, or -2"},
	{Err: account.ErrBadCharacters}:   {Code: errcode.InvalidParameterFormat, Format: "Invalid parameter format: %[1]s: contains invalid characters"},
	{Err: account.ErrExclusive}:       {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: give %[2]s or %[1]s, not both"},
	{Err: account.ErrInvalid}:         {Code: errcode.ValidationError},
	{Err: account.ErrNotEmail}:        {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: %.64[2]q is not an email address"},
	{Err: account.ErrServerOnly}:      {Code: errcode.PermissionDenied, Format: "Permission denied: %[1]s is set by server calls only"},
	{Err: account.ErrLastLoginID}:     {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: the account would have no login ID left"},
	{Err: account.ErrTokenUnknown}:    {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: unknown or already used"},
	{Err: account.ErrTokenExpired}:    {Code: errcode.CodeExpired, Format: "Code expired: %[1]s has expired"},
	{Err: account.ErrTokenUnused}:     {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: no registration uses it yet"},
	{Err: account.ErrTokenTaken}:      {Code: errcode.InvalidParameterValue, Format: "Invalid parameter value: %[1]s: belongs to another registration"},
	{Err: account.ErrPasswordReused}:  {Code: errcode.OldPasswordUsed},
	{Err: account.ErrCaptchaWrong}:    {Code: errcode.LoginFailedWrongCaptcha, Format: "Login Failed Wrong Captcha"},
	{Err: account.ErrSessionUnknown}:  {Code: errcode.InvalidSessionToken, Format: "Invalid session token"},
	{Err: account.ErrSessionNoSecret}: {Code: errcode.InvalidSessionToken, Format: "Invalid session token: a browser session cannot sign requests"},
	{Err: account.ErrSessionExpired}:  {Code: errcode.SessionHasExpired, Format: "Session has expired"},
}
