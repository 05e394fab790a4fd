package site

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/secretbox"
)

// Limits on site attributes.
const (
	MaxNameLen    = 128
	MaxDomains    = 100
	MaxDomainLen  = 253
	maxAPIKeyLen  = 128
	apiKeyRandLen = 24
)

// Service creates sites and resolves request credentials to them.
type Service struct {
	store Store
	box   *secretbox.Box
	now   func() time.Time
	rand  io.Reader
	cache *cache
	keys  *ttlCache[string, AppKey]
	// captcha tells whether a CAPTCHA verifier is configured.
	captcha bool
}

// Options tune a Service; zero values take defaults.
type Options struct {
	Now      func() time.Time // default time.Now
	Rand     io.Reader        // default crypto/rand
	CacheTTL time.Duration    // default 5s; negative disables the cache
	// CaptchaConfigured allows the policies that need a CAPTCHA verifier.
	CaptchaConfigured bool
}

// NewService returns a Service over store sealing secrets with box.
func NewService(store Store, box *secretbox.Box, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = 5 * time.Second
	}
	return &Service{store: store, box: box, now: o.Now, rand: o.Rand, cache: newCache(o.CacheTTL, o.Now),
		keys: newTTLCache[string, AppKey](o.CacheTTL, o.Now), captcha: o.CaptchaConfigured}
}

// Create makes a site with a new API key and secret.
func (s *Service) Create(ctx context.Context, name string, domains []string) (Site, error) {
	st, r, err := s.newSite(name, domains)
	if err != nil {
		return Site{}, err
	}
	if err := s.store.CreateSite(ctx, &r); err != nil {
		return Site{}, fmt.Errorf("create site: %w", err)
	}
	st.ID = r.ID
	return st, nil
}

// CreateFirst makes a site only in a database that has none; created tells
// whether it did.
func (s *Service) CreateFirst(ctx context.Context, name string) (st Site, created bool, err error) {
	st, r, err := s.newSite(name, nil)
	if err != nil {
		return Site{}, false, err
	}
	if created, err = s.store.CreateFirstSite(ctx, &r); err != nil || !created {
		return Site{}, false, err
	}
	st.ID = r.ID
	return st, true, nil
}

// checkName trims a site's name and checks it.
func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", errcode.Missing("name")
	case len(name) > MaxNameLen:
		return "", errcode.InvalidValue("name", fmt.Sprintf("longer than %d characters", MaxNameLen))
	}
	return name, nil
}

// Rename gives site id a new name.
func (s *Service) Rename(ctx context.Context, id int64, name string) (Site, error) {
	name, err := checkName(name)
	if err != nil {
		return Site{}, err
	}
	st, err := s.ByID(ctx, id)
	if err != nil {
		return Site{}, err
	}
	updated := s.now().UTC().Truncate(time.Millisecond)
	if !updated.After(st.UpdatedAt) {
		updated = st.UpdatedAt.Add(time.Millisecond)
	}
	if err := s.store.UpdateSiteName(ctx, id, name, updated); err != nil {
		return Site{}, fmt.Errorf("rename: %w", err)
	}
	st.Name, st.UpdatedAt = name, updated
	s.cache.put(st)
	return st, nil
}

// newSite checks name and domains and draws a new API key and secret.
func (s *Service) newSite(name string, domains []string) (Site, Record, error) {
	name, err := checkName(name)
	if err != nil {
		return Site{}, Record{}, err
	}
	domains, err = normalizeDomains(domains)
	if err != nil {
		return Site{}, Record{}, err
	}
	secret, err := s.random(SecretSize)
	if err != nil {
		return Site{}, Record{}, err
	}
	keyBytes, err := s.random(apiKeyRandLen)
	if err != nil {
		return Site{}, Record{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	st := Site{
		Name:      name,
		APIKey:    "3_" + base64.RawURLEncoding.EncodeToString(keyBytes),
		Secret:    secret,
		Domains:   domains,
		Policies:  policy.Default(),
		CreatedAt: now,
		UpdatedAt: now,
	}
	r := Record{Name: name, APIKey: st.APIKey, SealedSecret: s.seal(st.APIKey, secret), Domains: domains, CreatedAt: now, UpdatedAt: now}
	return st, r, nil
}

// ByAPIKey returns the site of apiKey: 400093 when there is none.
// Lookups are cached for a few seconds.
func (s *Service) ByAPIKey(ctx context.Context, apiKey string) (Site, error) {
	if st, ok := s.cache.byKey(apiKey); ok {
		return st, nil
	}
	if apiKey == "" || len(apiKey) > maxAPIKeyLen {
		return Site{}, errcode.New(errcode.InvalidAPIKey, "Invalid ApiKey parameter")
	}
	r, err := s.store.SiteByAPIKey(ctx, apiKey)
	if errors.Is(err, ErrNotFound) {
		return Site{}, errcode.New(errcode.InvalidAPIKey, "Invalid ApiKey parameter")
	}
	return s.open(r, err)
}

// ByID returns site id: 404000 when there is none.
func (s *Service) ByID(ctx context.Context, id int64) (Site, error) {
	if st, ok := s.cache.byID(id); ok {
		return st, nil
	}
	r, err := s.store.SiteByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Site{}, errcode.Newf(errcode.NotFound, "site %d not found", id)
	}
	return s.open(r, err)
}

// Authenticate checks the credentials of the REST dialect: a site id and the
// base64 secret. Any mismatch is 403010; the comparison is constant-time.
func (s *Service) Authenticate(ctx context.Context, id int64, secret string) (Site, error) {
	st, err := s.ByID(ctx, id)
	if err != nil {
		if errcode.From(err).Code == errcode.NotFound {
			return Site{}, errcode.New(errcode.InvalidSecret, "Invalid site credentials")
		}
		return Site{}, err
	}
	if !st.SecretMatches(secret) {
		return Site{}, errcode.New(errcode.InvalidSecret, "Invalid site credentials")
	}
	return st, nil
}

// SecretMatches reports, in constant time, whether secret (base64) is the site's.
func (st Site) SecretMatches(secret string) bool { return SecretEquals(st.Secret, secret) }

// SecretEquals reports, in constant time, whether b64 is the base64 of secret.
func SecretEquals(secret []byte, b64 string) bool {
	got, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, secret) == 1
}

// SecretBase64 is the secret as clients hold it.
func (st Site) SecretBase64() string { return base64.StdEncoding.EncodeToString(st.Secret) }

// List returns every site, secrets included.
func (s *Service) List(ctx context.Context) ([]Site, error) {
	rs, err := s.store.ListSites(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Site, 0, len(rs))
	for _, r := range rs {
		st, err := s.open(r, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// RotateSecret gives site id a new secret. Other processes keep accepting the
// old one until their cache entry expires (Options.CacheTTL).
func (s *Service) RotateSecret(ctx context.Context, id int64) (Site, error) {
	st, err := s.ByID(ctx, id)
	if err != nil {
		return Site{}, err
	}
	secret, err := s.random(SecretSize)
	if err != nil {
		return Site{}, err
	}
	updated := s.now().UTC().Truncate(time.Millisecond)
	if err := s.store.UpdateSiteSecret(ctx, id, s.seal(st.APIKey, secret), updated); err != nil {
		return Site{}, fmt.Errorf("rotate secret: %w", err)
	}
	st.Secret, st.UpdatedAt = secret, updated
	s.cache.put(st)
	return st, nil
}

// SetDomains replaces the domains of site id and its referrer rule.
func (s *Service) SetDomains(ctx context.Context, id int64, domains []string, requireReferrer bool) (Site, error) {
	st, err := s.ByID(ctx, id)
	if err != nil {
		return Site{}, err
	}
	if domains, err = normalizeDomains(domains); err != nil {
		return Site{}, err
	}
	updated := s.now().UTC().Truncate(time.Millisecond)
	if !updated.After(st.UpdatedAt) {
		updated = st.UpdatedAt.Add(time.Millisecond)
	}
	if err := s.store.UpdateSiteDomains(ctx, id, domains, requireReferrer, updated); err != nil {
		return Site{}, fmt.Errorf("set domains: %w", err)
	}
	st.Domains, st.RequireReferrer, st.UpdatedAt = domains, requireReferrer, updated
	s.cache.put(st)
	return st, nil
}

// AllowsOrigin tells whether a page at host may call the site: any host
// when the site lists no domains; else a listed domain, or a subdomain of a
// listed "*.domain".
func (st Site) AllowsOrigin(host string) bool {
	if len(st.Domains) == 0 {
		return true
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range st.Domains {
		if d == host {
			return true
		}
		if base, ok := strings.CutPrefix(d, "*."); ok && (host == base || strings.HasSuffix(host, "."+base)) {
			return true
		}
	}
	return false
}

// PolicyChange sets one section of the policies: Raw is its JSON object.
type PolicyChange struct{ Section, Raw string }

// SetPolicies applies changes to the current policies of site id, checks the
// result and stores it: all of them or, on any error, none.
func (s *Service) SetPolicies(ctx context.Context, id int64, changes []PolicyChange) (policy.Policies, error) {
	r, err := s.store.SiteByID(ctx, id)
	if err != nil {
		return policy.Policies{}, err
	}
	st, err := s.open(r, nil)
	if err != nil {
		return policy.Policies{}, err
	}
	p := st.Policies
	for _, c := range changes {
		if err := p.Set(c.Section, c.Raw); err != nil {
			return policy.Policies{}, err
		}
	}
	if err := p.Validate(); err != nil {
		return policy.Policies{}, err
	}
	if !s.captcha && (p.Registration.RequireCaptcha || p.Security.Captcha.FailedLoginThreshold > 0) {
		return policy.Policies{}, errcode.New(errcode.InvalidPolicyConfiguration,
			"Invalid policy configuration: CAPTCHA policies need a verifier (custos serve --captcha-verify-url)")
	}
	updated := s.now().UTC().Truncate(time.Millisecond)
	if !updated.After(st.UpdatedAt) {
		updated = st.UpdatedAt.Add(time.Millisecond)
	}
	if err := s.store.UpdateSitePolicies(ctx, id, p.JSON(), updated); err != nil {
		return policy.Policies{}, fmt.Errorf("set policies: %w", err)
	}
	st.Policies, st.UpdatedAt = p, updated
	s.cache.put(st)
	return p, nil
}

// CheckMasterKey opens the secret of one site, so that a wrong master key is
// found at start rather than at the first request.
func (s *Service) CheckMasterKey(ctx context.Context) error {
	rs, err := s.store.ListSites(ctx)
	if err != nil || len(rs) == 0 {
		return err
	}
	if _, err := s.open(rs[0], nil); err != nil {
		return fmt.Errorf("site %d: %w: is this the master key the database was created with?", rs[0].ID, err)
	}
	return nil
}

// The API key is the associated data: a sealed secret moved to another row does not open.
func (s *Service) seal(apiKey string, secret []byte) []byte {
	return s.box.Seal(secret, []byte(apiKey))
}

func (s *Service) open(r Record, err error) (Site, error) {
	if err != nil {
		return Site{}, err
	}
	secret, err := s.box.Open(r.SealedSecret, []byte(r.APIKey))
	if err != nil {
		return Site{}, fmt.Errorf("site %d: %w", r.ID, err)
	}
	pol, err := policy.Parse(r.Policies)
	if err != nil {
		return Site{}, fmt.Errorf("site %d: %w", r.ID, err)
	}
	st := Site{ID: r.ID, Name: r.Name, APIKey: r.APIKey, Secret: secret, Domains: r.Domains, Policies: pol,
		RequireReferrer: r.RequireReferrer,
		CreatedAt:       r.CreatedAt, UpdatedAt: r.UpdatedAt}
	s.cache.put(st)
	return st, nil
}

func (s *Service) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, fmt.Errorf("random: %w", err)
	}
	return b, nil
}

// normalizeDomains lower-cases, de-duplicates and checks domain names.
func normalizeDomains(in []string) ([]string, error) {
	if len(in) > MaxDomains {
		return nil, errcode.InvalidValue("domain", fmt.Sprintf("at most %d domains", MaxDomains))
	}
	out := []string{}
	seen := map[string]bool{}
	for _, d := range in {
		d = strings.ToLower(strings.TrimSpace(d))
		if !validDomain(d) {
			return nil, errcode.InvalidValue("domain", fmt.Sprintf("%q is not a domain name", d))
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out, nil
}

// validDomain accepts host names, optionally with a leading "*." wildcard.
func validDomain(d string) bool {
	d = strings.TrimPrefix(d, "*.")
	if d == "" || len(d) > MaxDomainLen {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
