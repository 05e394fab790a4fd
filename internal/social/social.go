// Package social is the relying-party side of social login: each site's
// providers (generic OpenID Connect, generic OAuth 2.0, and presets of the
// common ones, as data), and the upstream protocol: the redirect flow
// (Begin → the provider → Complete: state, PKCE, nonce, code exchange,
// id_token verification or userinfo) and the check of a native provider
// session (VerifySession). It returns what the provider says of the user
// as an account.Identity; what custos does with it is package account's.
//
// Like every domain package it knows nothing of HTTP adapters: its
// failures are conditions (ErrUnknownProvider …) inside an *account.Error
// whose Args are the provider's name and a reason; each adapter's error
// table picks the catalog entry.
package social

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/secretbox"
)

// Kind is the protocol of a provider.
type Kind string

// The kinds.
const (
	OIDC   Kind = "oidc"
	OAuth2 Kind = "oauth2"
)

// ClaimMap says where each attribute of the identity comes from: a key is
// "uid", "email", "email_verified" or a Gigya profile field (firstName,
// lastName, nickname, photoURL …, see ProfileFields); its value is the
// claim (of the id_token or userinfo) that holds it, a dotted path into
// nested objects ("picture.data.url"). An email counts as verified only
// when "email_verified" names a claim that is true (or "true").
type ClaimMap map[string]string

// Provider is one site's configuration of a provider.
type Provider struct {
	// Name is the provider name a client sends (x_provider, the key of
	// providerSessions): [a-z0-9-], 2 to 40 characters.
	Name string
	// Preset is "" or the preset (presets.json) the provider was made
	// from; its data fills what the provider leaves empty. A provider named
	// after a preset is made from it.
	Preset string
	Kind   Kind
	// ClientID and ClientSecret are custos's credentials at the provider.
	// The secret is sealed in the store and never shown back (Provider and
	// Providers answer it empty; HasSecret tells whether there is one).
	ClientID     string
	ClientSecret string
	HasSecret    bool
	// Issuer (oidc): discovery at Issuer/.well-known/openid-configuration.
	Issuer string
	// AuthURL, TokenURL and UserInfoURL are the endpoints of an oauth2
	// provider, and overrides of an oidc provider's discovered ones.
	AuthURL, TokenURL, UserInfoURL string
	Scopes                         []string
	Claims                         ClaimMap
	// AcceptAccessTokens (oauth2 only, off by default) lets a native
	// session (notifySocialLogin's authToken, a Social ID sign-in's
	// access_token) be an access token alone. Unless the provider's preset
	// checks a token's audience (TokenCheck), userinfo does not say to
	// which application a token was issued, so any application the user
	// signed in to with the provider could sign in here as the user: the
	// risk docs/social.md describes. An oidc provider always wants an
	// id_token.
	AcceptAccessTokens bool
	// TokenCheckURL overrides the preset's token check endpoint (see
	// TokenCheck).
	TokenCheckURL string
	// TokenCheck is the preset's way of checking to which application an
	// access token was issued ("" when it has none): "facebook-debug-token".
	// Set by the service from the preset; not stored.
	TokenCheck string
	// AuthParams are extra parameters of the authorization request, from
	// the preset (Apple's response_mode=form_post). Not stored.
	AuthParams           map[string]string
	Enabled              bool
	CreatedAt, UpdatedAt time.Time
}

// ProviderSession is a native provider session a client hands over
// (accounts.notifySocialLogin's providerSessions).
type ProviderSession struct{ IDToken, AuthToken string }

// Return is what the callback of a redirect flow needs to answer the
// original caller. It is opaque to this package: kept with the attempt and
// given back by Complete.
type Return struct {
	Method, RedirectURI, ResponseType, ClientState, LoginMode, RegToken string
	SessionExpiration                                                   *int
	AccountID                                                           int64
	Finalize                                                            bool
	Extra                                                               map[string]string
}

// The conditions, inside an *account.Error whose Args are the provider's
// name and (but for ErrUnknownProvider and ErrState) a reason.
var (
	// ErrUnknownProvider: the name is neither a provider of the site nor a
	// preset custos knows.
	ErrUnknownProvider = errors.New("unknown provider")
	// ErrNoProviderApp: a preset custos knows that the site did not
	// configure, or disabled.
	ErrNoProviderApp = errors.New("no provider application")
	// ErrProviderConfig: the provider refused custos's configuration
	// (invalid_client, unauthorized_client …) or its discovery document is
	// not usable.
	ErrProviderConfig = errors.New("provider configuration error")
	// ErrProviderFailure: the provider failed: 5xx, network, timeout, a
	// malformed answer, a refused exchange.
	ErrProviderFailure = errors.New("provider failure")
	// ErrProviderSessionExpired: the provider's token expired or the
	// provider rejected it.
	ErrProviderSessionExpired = errors.New("provider session expired")
	// ErrCanceled: the user canceled at the provider (access_denied).
	ErrCanceled = errors.New("canceled at the provider")
	// ErrState: no attempt has the state: unknown, used or expired.
	ErrState = errors.New("unknown, used or expired state")
	// ErrInvalidIDToken: the id_token is not for this client (aud), not
	// from the provider (iss, signature) or not of this attempt (nonce).
	ErrInvalidIDToken = errors.New("invalid id_token")
	// ErrInvalid: the provider configuration given to SetProvider is
	// invalid (Args: the name, the reason).
	ErrInvalid = errors.New("invalid provider configuration")
	// ErrRedirectURI: a redirect URI given to SetRedirectURIs is not one
	// (Args: "", the reason).
	ErrRedirectURI = errors.New("invalid redirect URI")
	// ErrNotFound is what a Store answers for a row it does not hold.
	ErrNotFound = errors.New("social: not found")
)

// Conditions lists every condition with example arguments, for adapters'
// tests.
func Conditions() []*account.Error {
	return []*account.Error{
		fail(ErrUnknownProvider, "acme"),
		fail(ErrNoProviderApp, "google", "not configured"),
		fail(ErrProviderConfig, "google", "invalid_client"),
		fail(ErrProviderFailure, "google", "HTTP 502"),
		fail(ErrProviderSessionExpired, "google", "the id_token expired"),
		fail(ErrCanceled, "google", "access_denied"),
		fail(ErrState, ""),
		fail(ErrInvalidIDToken, "google", "aud is not this client"),
		fail(ErrInvalid, "google", "issuer: not an https URL"),
		fail(ErrRedirectURI, "", "https://a.example/#x: has a fragment"),
	}
}

// fail is a condition about provider with a reason.
func fail(cond error, provider string, reason ...string) *account.Error {
	args := []any{provider}
	for _, r := range reason {
		args = append(args, clip(r, 200))
	}
	if cond != ErrUnknownProvider && cond != ErrState && len(reason) == 0 {
		args = append(args, cond.Error())
	}
	return &account.Error{Err: cond, Args: args}
}

// clip bounds a reason taken from a provider's answer.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// Store keeps the providers and the attempts of redirect flows;
// *store.DB implements it.
type Store interface {
	// PutSocialProvider creates or replaces the provider r.Name of
	// r.SiteID.
	PutSocialProvider(ctx context.Context, r ProviderRecord) error
	// SocialProvider answers ErrNotFound when the site has none of name.
	SocialProvider(ctx context.Context, siteID int64, name string) (ProviderRecord, error)
	// SocialProviders lists a site's providers by name.
	SocialProviders(ctx context.Context, siteID int64) ([]ProviderRecord, error)
	// DeleteSocialProvider answers ErrNotFound when there is none.
	DeleteSocialProvider(ctx context.Context, siteID int64, name string) error
	CreateSocialAttempt(ctx context.Context, a Attempt) error
	// TakeSocialAttempt deletes the attempt of stateHash and answers it:
	// of concurrent takes one gets it, the others ErrNotFound.
	TakeSocialAttempt(ctx context.Context, stateHash []byte) (Attempt, error)
	// SetSocialRedirectURIs replaces the site's registered redirect URIs.
	SetSocialRedirectURIs(ctx context.Context, siteID int64, uris []string, at time.Time) error
	// UseSocialToken records the first use of a token (by its hash) until
	// it expires: false when it was used already.
	UseSocialToken(ctx context.Context, tokenHash []byte, expires time.Time) (bool, error)
	// SocialRedirectURIs answers them, in order (none: empty).
	SocialRedirectURIs(ctx context.Context, siteID int64) ([]string, error)
}

// ProviderRecord is a provider as the store keeps it: its configuration
// (Provider without the secret) as a JSON document, and the sealed secret.
type ProviderRecord struct {
	SiteID               int64
	Name                 string
	Config               string
	SecretSealed         []byte
	CreatedAt, UpdatedAt time.Time
}

// Attempt is a redirect flow under way. Of its secrets only hashes are
// kept, but for the PKCE verifier, which is sent to the provider at the
// end and so is sealed.
type Attempt struct {
	StateHash      []byte
	SiteID         int64
	Provider       string
	CallbackURL    string
	VerifierSealed []byte
	NonceHash      []byte
	Return         string // JSON
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// Limits.
const (
	// AttemptLifetime is how long a user has at the provider.
	AttemptLifetime = 10 * time.Minute
	// DefaultTimeout bounds each call to a provider.
	DefaultTimeout = 10 * time.Second
	// MaxBody bounds each answer of a provider.
	MaxBody = 1 << 20
	// MaxTokenLen bounds a token handed over by a client, and a code.
	MaxTokenLen = 16 << 10
	// MaxReturn bounds the JSON of a Return.
	MaxReturn = 16 << 10
	// MaxProviders bounds the providers of a site.
	MaxProviders = 50
	// MaxRedirectURIs bounds the registered redirect URIs of a site.
	MaxRedirectURIs = 50
)

// Options configure a Service.
type Options struct {
	Now func() time.Time
	// AllowPrivate lets providers be on loopback and private addresses
	// and on plain http (tests, intranets).
	AllowPrivate bool
	// Timeout bounds each call to a provider (default DefaultTimeout).
	Timeout time.Duration
	// HTTPClient replaces the client built from AllowPrivate and Timeout.
	HTTPClient *http.Client
}

// Service keeps the providers and runs the flows.
type Service struct {
	store  Store
	box    *secretbox.Box
	opts   Options
	client *http.Client

	mu        sync.Mutex
	discovery map[string]*discovered // by issuer
}

// NewService returns a Service over store, sealing secrets with box.
func NewService(store Store, box *secretbox.Box, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	c := o.HTTPClient
	if c == nil {
		c = newClient(o.AllowPrivate, o.Timeout)
	}
	return &Service{store: store, box: box, opts: o, client: c, discovery: map[string]*discovered{}}
}

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }
