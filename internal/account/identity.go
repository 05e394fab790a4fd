package account

// Identity is what a social provider says of a user, in Gigya's profile
// names: the provider's name on this site, the user's id there, the email
// it gives (verified only when the provider says so) and the profile fields
// it maps (firstName, lastName, nickname, photoURL, locale …).
type Identity struct {
	Provider, ProviderUID, Email string
	EmailVerified                bool
	Profile                      map[string]any
}
