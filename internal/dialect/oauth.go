package dialect

import (
	"cmp"
	"errors"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/oauth"
)

// OAuthError renders the OIDC client service's conditions the same way in
// every dialect: a redirect URI that cannot be registered is 400011 (the
// catalog's code for one), another refused value 400006 naming the
// parameter by names (the domain's name when names has none), a lost race
// 409030. Other errors come back as they are.
func OAuthError(err error, names map[string]string) error {
	if e, ok := errors.AsType[*oauth.InvalidError](err); ok {
		name := cmp.Or(names[e.Attr], e.Attr)
		switch e.Attr {
		case oauth.AttrRedirectURIs, oauth.AttrPostLogoutRedirectURIs:
			return errcode.Newf(errcode.InvalidRedirectURI, "Invalid redirect URI: %s: %s", name, e.Reason)
		}
		return errcode.InvalidValue(name, e.Reason)
	}
	if errors.Is(err, oauth.ErrChanged) {
		return errcode.New(errcode.ConcurrentUpdatesNotAllowed, "Concurrent updates not allowed: the client or configuration changed meanwhile; try again")
	}
	return err
}
