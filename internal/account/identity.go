package account

// Identity is what a social provider says of a user, in Gigya's profile
// names: the provider's name on this site, the user's id there, the email
// it gives (verified only when the provider says so) and the profile fields
// it maps (firstName, lastName, nickname, photoURL, locale …).
//
// Issuer names the provider's user space (package social sets it: the
// OpenID issuer, or an OAuth 2.0 provider's userinfo origin, with the claim
// of the user id). An identity is found by provider, Issuer and
// ProviderUID together, so that a provider name reconfigured to another
// issuer (or deleted and made again) does not log its users into the
// accounts of the old issuer's users of the same id: those identities
// stay, unusable, until a provider of the same issuer returns.
type Identity struct {
	Provider, ProviderUID, Email string
	Issuer                       string
	EmailVerified                bool
	Profile                      map[string]any
}
