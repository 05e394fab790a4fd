package social

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

//go:embed presets.json
var presetsJSON []byte

// preset is the data of one preset: what a provider made from it starts
// with.
type preset struct {
	Kind        Kind     `json:"kind"`
	Issuer      string   `json:"issuer"`
	AuthURL     string   `json:"authURL"`
	TokenURL    string   `json:"tokenURL"`
	UserInfoURL string   `json:"userInfoURL"`
	Scopes      []string `json:"scopes"`
	Claims      ClaimMap `json:"claims"`
	Note        string   `json:"note"`
	// TokenCheck names how the provider tells to which application an
	// access token was issued ("" when it cannot): with it, an access token
	// of another application is refused even when the site accepts access
	// tokens.
	TokenCheck    string `json:"tokenCheck"`
	TokenCheckURL string `json:"tokenCheckURL"`
	// AuthParams are added to the authorization request.
	AuthParams map[string]string `json:"authParams"`
}

var presets = func() map[string]preset {
	var m map[string]preset
	if err := json.Unmarshal(presetsJSON, &m); err != nil {
		panic("social: presets.json: " + err.Error())
	}
	return m
}()

// Presets are the names of the presets custos knows, sorted.
func Presets() []string { return slices.Sorted(maps.Keys(presets)) }

// ProfileFields are the profile fields a ClaimMap may fill, besides uid,
// email and email_verified.
var ProfileFields = []string{"firstName", "lastName", "nickname", "photoURL", "thumbnailURL", "profileURL",
	"locale", "gender", "city", "state", "country", "zip"}

// defaultClaims are the claims of a provider made from no preset.
var defaultClaims = map[Kind]ClaimMap{
	OIDC: {"uid": "sub", "email": "email", "email_verified": "email_verified", "firstName": "given_name",
		"lastName": "family_name", "nickname": "nickname", "photoURL": "picture", "locale": "locale"},
	OAuth2: {"uid": "id", "email": "email"},
}

var (
	nameRE  = regexp.MustCompile(`^[a-z0-9-]{2,40}$`)
	claimRE = regexp.MustCompile(`^[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*$`)
)

// Limits of a provider's configuration.
const (
	maxClientID = 512
	maxSecret   = 8 << 10 // Apple's secret is a JWT
	maxURL      = 2048
	maxScopes   = 30
	maxScope    = 128
	maxClaim    = 128
)

// stored is a provider's configuration as the store keeps it (JSON).
type stored struct {
	Preset      string   `json:"preset,omitempty"`
	Kind        Kind     `json:"kind,omitempty"`
	ClientID    string   `json:"clientID"`
	Issuer      string   `json:"issuer,omitempty"`
	AuthURL     string   `json:"authURL,omitempty"`
	TokenURL    string   `json:"tokenURL,omitempty"`
	UserInfoURL string   `json:"userInfoURL,omitempty"`
	Scopes      []string `json:"scopes,omitempty"`
	Claims      ClaimMap `json:"claims,omitempty"`
	Enabled     bool     `json:"enabled"`
	// AcceptAccessTokens: see Provider.
	AcceptAccessTokens bool   `json:"acceptAccessTokens,omitempty"`
	TokenCheckURL      string `json:"tokenCheckURL,omitempty"`
}

// SetProvider creates or replaces the site's provider p.Name. What p
// leaves empty comes from its preset (when it has one) at each use, so
// that a provider follows its preset's data as custos updates it. An
// empty ClientSecret keeps the stored one. The answer is the provider as
// stored (without the secret): ErrInvalid when it is not usable.
func (s *Service) SetProvider(ctx context.Context, siteID int64, p Provider) (Provider, error) {
	p.Name = strings.TrimSpace(p.Name)
	if !nameRE.MatchString(p.Name) {
		return Provider{}, fail(ErrInvalid, clip(p.Name, 40), "name: want 2 to 40 of a-z, 0-9 and -")
	}
	if p.Preset == "" {
		if _, ok := presets[p.Name]; ok {
			p.Preset = p.Name
		}
	}
	if p.Preset != "" {
		if _, ok := presets[p.Preset]; !ok {
			return Provider{}, fail(ErrInvalid, p.Name, fmt.Sprintf("preset: %.40q is not one of %s", p.Preset, strings.Join(Presets(), ", ")))
		}
		if _, ok := presets[p.Name]; ok && p.Preset != p.Name {
			return Provider{}, fail(ErrInvalid, p.Name, "preset: a provider named after a preset is made from it")
		}
	}
	if len(p.ClientSecret) > maxSecret {
		return Provider{}, fail(ErrInvalid, p.Name, fmt.Sprintf("clientSecret: longer than %d bytes", maxSecret))
	}
	if p.Claims != nil {
		for k, v := range p.Claims {
			if v == "" {
				delete(p.Claims, k)
			}
		}
	}
	if _, err := s.effective(p); err != nil {
		return Provider{}, err
	}
	old, err := s.store.SocialProvider(ctx, siteID, p.Name)
	switch {
	case errors.Is(err, ErrNotFound):
		list, err := s.store.SocialProviders(ctx, siteID)
		if err != nil {
			return Provider{}, err
		}
		if len(list) >= MaxProviders {
			return Provider{}, fail(ErrInvalid, p.Name, fmt.Sprintf("the site has %d providers, the most it may have", MaxProviders))
		}
		old = ProviderRecord{CreatedAt: s.now()}
	case err != nil:
		return Provider{}, err
	}
	cfg, err := json.Marshal(stored{Preset: p.Preset, Kind: p.Kind, ClientID: p.ClientID, Issuer: p.Issuer,
		AuthURL: p.AuthURL, TokenURL: p.TokenURL, UserInfoURL: p.UserInfoURL, Scopes: p.Scopes, Claims: p.Claims,
		Enabled: p.Enabled, AcceptAccessTokens: p.AcceptAccessTokens, TokenCheckURL: p.TokenCheckURL})
	if err != nil {
		return Provider{}, err
	}
	r := ProviderRecord{SiteID: siteID, Name: p.Name, Config: string(cfg), SecretSealed: old.SecretSealed,
		CreatedAt: old.CreatedAt, UpdatedAt: s.now()}
	if p.ClientSecret != "" {
		r.SecretSealed = s.box.Seal([]byte(p.ClientSecret), secretAAD(siteID, p.Name))
	}
	if err := s.store.PutSocialProvider(ctx, r); err != nil {
		return Provider{}, err
	}
	return decode(r, false, s)
}

// secretAAD binds a sealed client secret to its site and provider.
func secretAAD(siteID int64, name string) []byte {
	return fmt.Appendf(nil, "social-client-secret:%d:%s", siteID, name)
}

// Provider answers the site's provider of name, without its secret:
// ErrUnknownProvider when the site has none.
func (s *Service) Provider(ctx context.Context, siteID int64, name string) (Provider, error) {
	if !nameRE.MatchString(name) {
		return Provider{}, fail(ErrUnknownProvider, clip(name, 40))
	}
	r, err := s.store.SocialProvider(ctx, siteID, name)
	if errors.Is(err, ErrNotFound) {
		return Provider{}, fail(ErrUnknownProvider, name)
	}
	if err != nil {
		return Provider{}, err
	}
	return decode(r, false, s)
}

// Providers lists the site's providers by name, without their secrets.
func (s *Service) Providers(ctx context.Context, siteID int64) ([]Provider, error) {
	rs, err := s.store.SocialProviders(ctx, siteID)
	if err != nil {
		return nil, err
	}
	out := make([]Provider, 0, len(rs))
	for _, r := range rs {
		p, err := decode(r, false, s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// DeleteProvider deletes the site's provider of name: ErrUnknownProvider
// when there is none.
func (s *Service) DeleteProvider(ctx context.Context, siteID int64, name string) error {
	if !nameRE.MatchString(name) {
		return fail(ErrUnknownProvider, clip(name, 40))
	}
	err := s.store.DeleteSocialProvider(ctx, siteID, name)
	if errors.Is(err, ErrNotFound) {
		return fail(ErrUnknownProvider, name)
	}
	return err
}

// decode turns a record into a Provider, with the secret opened when
// secret is true.
func decode(r ProviderRecord, secret bool, s *Service) (Provider, error) {
	var c stored
	if err := json.Unmarshal([]byte(r.Config), &c); err != nil {
		return Provider{}, fmt.Errorf("social: provider %s of site %d: %w", r.Name, r.SiteID, err)
	}
	p := Provider{Name: r.Name, Preset: c.Preset, Kind: c.Kind, ClientID: c.ClientID, Issuer: c.Issuer,
		AuthURL: c.AuthURL, TokenURL: c.TokenURL, UserInfoURL: c.UserInfoURL, Scopes: c.Scopes, Claims: c.Claims,
		Enabled: c.Enabled, HasSecret: len(r.SecretSealed) > 0, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		AcceptAccessTokens: c.AcceptAccessTokens, TokenCheckURL: c.TokenCheckURL}
	if p.Kind == "" && p.Preset != "" {
		p.Kind = presets[p.Preset].Kind
	}
	if secret && p.HasSecret {
		pt, err := s.box.Open(r.SecretSealed, secretAAD(r.SiteID, r.Name))
		if err != nil {
			return Provider{}, fmt.Errorf("social: the secret of provider %s of site %d: %w", r.Name, r.SiteID, err)
		}
		p.ClientSecret = string(pt)
	}
	return p, nil
}

// effective is p with its preset's data (or the defaults) where p leaves
// a value empty, checked: ErrInvalid.
func (s *Service) effective(p Provider) (Provider, error) {
	bad := func(format string, args ...any) (Provider, error) {
		return Provider{}, fail(ErrInvalid, p.Name, fmt.Sprintf(format, args...))
	}
	e := p
	e.Claims = ClaimMap{}
	if p.Preset != "" {
		pr := presets[p.Preset]
		if e.Kind == "" {
			e.Kind = pr.Kind
		}
		if e.Kind != pr.Kind {
			return bad("kind: the preset %s is %s", p.Preset, pr.Kind)
		}
		e.Issuer = first(p.Issuer, pr.Issuer)
		e.AuthURL = first(p.AuthURL, pr.AuthURL)
		e.TokenURL = first(p.TokenURL, pr.TokenURL)
		e.UserInfoURL = first(p.UserInfoURL, pr.UserInfoURL)
		e.TokenCheck = pr.TokenCheck
		e.TokenCheckURL = first(p.TokenCheckURL, pr.TokenCheckURL)
		e.AuthParams = maps.Clone(pr.AuthParams)
		if len(e.Scopes) == 0 {
			e.Scopes = slices.Clone(pr.Scopes)
		}
		maps.Copy(e.Claims, pr.Claims)
		if e.Kind == OIDC && e.Issuer == "" {
			return bad("issuer: required (%s)", pr.Note)
		}
	} else if p.Kind == OIDC || p.Kind == OAuth2 {
		maps.Copy(e.Claims, defaultClaims[p.Kind])
	}
	maps.Copy(e.Claims, p.Claims)
	switch e.Kind {
	case OIDC:
		if e.Issuer == "" {
			return bad("issuer: required for an oidc provider")
		}
		if !slices.Contains(e.Scopes, "openid") {
			e.Scopes = append([]string{"openid"}, e.Scopes...)
		}
	case OAuth2:
		if e.AuthURL == "" || e.TokenURL == "" || e.UserInfoURL == "" {
			return bad("authURL, tokenURL and userInfoURL: required for an oauth2 provider")
		}
	default:
		return bad("kind: want oidc or oauth2")
	}
	if e.AcceptAccessTokens && e.Kind != OAuth2 {
		return bad("acceptAccessTokens: only for an oauth2 provider (an oidc provider's native sessions are id_tokens)")
	}
	if e.TokenCheckURL != "" && e.TokenCheck == "" {
		return bad("tokenCheckURL: the provider has no token check")
	}
	for _, u := range []struct{ name, v string }{{"issuer", e.Issuer}, {"authURL", e.AuthURL},
		{"tokenURL", e.TokenURL}, {"userInfoURL", e.UserInfoURL}, {"tokenCheckURL", e.TokenCheckURL}} {
		if u.v == "" {
			continue
		}
		if why := s.checkURL(u.v); why != "" {
			return bad("%s: %s", u.name, why)
		}
	}
	if e.ClientID == "" {
		return bad("clientID: required")
	}
	if len(e.ClientID) > maxClientID || !printable(e.ClientID) {
		return bad("clientID: want up to %d printable ASCII characters", maxClientID)
	}
	if len(e.Scopes) > maxScopes {
		return bad("scopes: more than %d", maxScopes)
	}
	for _, sc := range e.Scopes {
		if sc == "" || len(sc) > maxScope || !printable(sc) || strings.ContainsAny(sc, `"\ `) {
			return bad("scopes: %.40q is not a scope", sc)
		}
	}
	for k, v := range e.Claims {
		if k != "uid" && k != "email" && k != "email_verified" && !slices.Contains(ProfileFields, k) {
			return bad("claims: %.40q is not uid, email, email_verified or one of %s", k, strings.Join(ProfileFields, ", "))
		}
		if len(v) > maxClaim || !claimRE.MatchString(v) {
			return bad("claims: %.40q is not a claim name or dotted path", v)
		}
	}
	if e.Claims["uid"] == "" {
		return bad("claims: uid is required")
	}
	return e, nil
}

// checkURL tells what is wrong with an endpoint URL: "" when nothing.
func (s *Service) checkURL(v string) string {
	if len(v) > maxURL {
		return fmt.Sprintf("longer than %d bytes", maxURL)
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return "not an absolute URL"
	case u.Scheme != "https" && !(u.Scheme == "http" && s.opts.AllowPrivate):
		return "not an https URL"
	case u.User != nil:
		return "has user information"
	case u.Fragment != "" || strings.Contains(v, "#"):
		return "has a fragment"
	}
	return ""
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func printable(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// active is the provider a flow of the site uses, with its secret and its
// preset's data: ErrUnknownProvider when custos knows no such name,
// ErrNoProviderApp when it is a preset the site did not configure or a
// provider it disabled.
func (s *Service) active(ctx context.Context, siteID int64, name string) (Provider, error) {
	if !nameRE.MatchString(name) {
		return Provider{}, fail(ErrUnknownProvider, clip(name, 40))
	}
	r, err := s.store.SocialProvider(ctx, siteID, name)
	if errors.Is(err, ErrNotFound) {
		if _, ok := presets[name]; ok {
			return Provider{}, fail(ErrNoProviderApp, name, "the site has not configured it")
		}
		return Provider{}, fail(ErrUnknownProvider, name)
	}
	if err != nil {
		return Provider{}, err
	}
	p, err := decode(r, true, s)
	if err != nil {
		return Provider{}, err
	}
	if !p.Enabled {
		return Provider{}, fail(ErrNoProviderApp, name, "the site has disabled it")
	}
	e, err := s.effective(p)
	if err != nil {
		// Stored before a check it now fails (or the preset changed).
		return Provider{}, fail(ErrProviderConfig, name, err.Error())
	}
	return e, nil
}
