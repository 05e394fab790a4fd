package account

// Identity is what a provider says of the user, in Gigya's profile names.
type Identity struct {
	Provider, ProviderUID, Email string
	EmailVerified                bool
	Profile                      map[string]any
}
