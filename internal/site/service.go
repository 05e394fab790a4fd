package site

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/jsonlimit"
	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/screenset"
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
		Schema:    schema.Default(),
		CreatedAt: now,
		UpdatedAt: now,
	}
	r := Record{Name: name, APIKey: st.APIKey, SealedSecret: s.seal(st.APIKey, secret), Domains: domains, CreatedAt: now, UpdatedAt: now}
	return st, r, nil
}

// ByAPIKey returns the site of apiKey: ErrNotFound when there is none.
// Lookups are cached for a few seconds.
func (s *Service) ByAPIKey(ctx context.Context, apiKey string) (Site, error) {
	if st, ok := s.cache.byKey(apiKey); ok {
		return st, nil
	}
	if apiKey == "" || len(apiKey) > maxAPIKeyLen {
		return Site{}, ErrNotFound
	}
	return s.open(s.store.SiteByAPIKey(ctx, apiKey))
}

// ByID returns site id: ErrNotFound when there is none.
func (s *Service) ByID(ctx context.Context, id int64) (Site, error) {
	if st, ok := s.cache.byID(id); ok {
		return st, nil
	}
	r, err := s.store.SiteByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Site{}, fmt.Errorf("site %d: %w", id, err)
	}
	return s.open(r, err)
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
	secret, err := s.random(SecretSize)
	if err != nil {
		return Site{}, err
	}
	return s.update(ctx, id, func(r *Record) error {
		r.SealedSecret = s.seal(r.APIKey, secret)
		return nil
	})
}

// Changes are the attributes Update sets; nil leaves one as it is.
type Changes struct {
	Name            *string
	Domains         *[]string
	RequireReferrer *bool
	// WebSDKConfig is the JSON text of an object (at most
	// MaxWebSDKConfig bytes).
	WebSDKConfig     *string
	ScreenSetScripts *bool
	// ScreenSets are stored, each replacing the site's set of its id
	// (checked by screenset.Input.Check; at most screenset.MaxPerChange);
	// DeleteScreenSets are removed, each of which the site must store.
	ScreenSets       []screenset.ScreenSet
	DeleteScreenSets []string
}

// MaxWebSDKConfig bounds the JSON of a site's Web SDK configuration.
const MaxWebSDKConfig = 16 << 10

// Update applies changes to site id as one change: every value is checked
// first, and then all are written in one transaction, or none.
func (s *Service) Update(ctx context.Context, id int64, c Changes) (Site, error) {
	var (
		name    string
		domains []string
		err     error
	)
	if c.Name != nil {
		if name, err = checkName(*c.Name); err != nil {
			return Site{}, err
		}
	}
	if c.Domains != nil {
		if domains, err = normalizeDomains(*c.Domains); err != nil {
			return Site{}, err
		}
	}
	var conf string
	if c.WebSDKConfig != nil {
		if conf, err = CheckWebSDKConfig(*c.WebSDKConfig); err != nil {
			return Site{}, err
		}
	}
	if err := checkScreenSets(c.ScreenSets, c.DeleteScreenSets); err != nil {
		return Site{}, err
	}
	return s.updateTx(ctx, id, func(r *Record, tx Tx) error {
		if c.Name != nil {
			r.Name = name
		}
		if c.Domains != nil {
			r.Domains = domains
		}
		if c.RequireReferrer != nil {
			r.RequireReferrer = *c.RequireReferrer
		}
		if c.WebSDKConfig != nil {
			r.WebSDKConfig = conf
		}
		if c.ScreenSetScripts != nil {
			r.ScreenSetScripts = *c.ScreenSetScripts
		}
		if len(c.ScreenSets) == 0 && len(c.DeleteScreenSets) == 0 {
			return nil
		}
		return screenset.Apply(ctx, tx, r.ID, c.ScreenSets, c.DeleteScreenSets, s.now().UTC().Truncate(time.Millisecond))
	})
}

// checkScreenSets bounds the screen-sets of one change: at most
// screenset.MaxPerChange, each id once.
func checkScreenSets(puts []screenset.ScreenSet, del []string) error {
	if len(puts)+len(del) > screenset.MaxPerChange {
		return &screenset.InvalidError{Attr: screenset.AttrScreenSets, Reason: fmt.Sprintf("at most %d screen-sets in one change", screenset.MaxPerChange)}
	}
	seen := map[string]bool{}
	for _, id := range append(screensetIDs(puts), del...) {
		if seen[id] {
			return &screenset.InvalidError{Attr: screenset.AttrScreenSets, Reason: fmt.Sprintf("screen-set %q is given twice", id)}
		}
		seen[id] = true
	}
	return nil
}

func screensetIDs(sets []screenset.ScreenSet) []string {
	out := make([]string, len(sets))
	for i, s := range sets {
		out[i] = s.ID
	}
	return out
}

// ConfigError is a Web SDK configuration the domain refuses (Changes.
// WebSDKConfig): TooLarge tells a value past a limit from one that is not
// a JSON object; Reason says why.
type ConfigError struct {
	TooLarge bool
	Reason   string
}

func (e *ConfigError) Error() string { return "site: invalid Web SDK configuration: " + e.Reason }

// CheckWebSDKConfig checks the Web SDK configuration of a site: a JSON
// object within the limits of client JSON, at most MaxWebSDKConfig bytes.
// It returns the object compacted; "" or whitespace is {}. A refused one is
// a *ConfigError.
func CheckWebSDKConfig(v string) (string, error) {
	obj, err := jsonlimit.Object([]byte(v), MaxWebSDKConfig)
	if e, ok := jsonlimit.AsError(err); ok {
		return "", &ConfigError{TooLarge: e.TooLarge, Reason: e.Reason}
	}
	return string(obj), err
}

// SetDomains replaces the domains of site id and its referrer rule.
func (s *Service) SetDomains(ctx context.Context, id int64, domains []string, requireReferrer bool) (Site, error) {
	return s.Update(ctx, id, Changes{Domains: &domains, RequireReferrer: &requireReferrer})
}

// SetName renames site id.
func (s *Service) SetName(ctx context.Context, id int64, name string) (Site, error) {
	return s.Update(ctx, id, Changes{Name: &name})
}

// update edits site id in one store transaction (Store.UpdateSite), so that
// concurrent changes of different attributes are all kept, and caches the
// result. An error of edit is returned as it is; 404000 when there is no
// such site.
func (s *Service) update(ctx context.Context, id int64, edit func(*Record) error) (Site, error) {
	return s.updateTx(ctx, id, func(r *Record, _ Tx) error { return edit(r) })
}

// updateTx is update whose edit asks about and changes the data of the
// site's accounts, or its screen-sets, in the same transaction (tx).
func (s *Service) updateTx(ctx context.Context, id int64, edit func(r *Record, tx Tx) error) (Site, error) {
	var (
		written *Record
		editErr error
	)
	err := s.store.UpdateSite(ctx, id, func(r *Record, tx Tx) error {
		if editErr = edit(r, tx); editErr != nil {
			return editErr
		}
		r.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
		written = r
		return nil
	})
	switch {
	case editErr != nil:
		return Site{}, editErr
	case errors.Is(err, ErrNotFound):
		return Site{}, err
	case err != nil:
		return Site{}, fmt.Errorf("update site %d: %w", id, err)
	}
	return s.open(*written, nil)
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

// MaxURLLen bounds an address OwnsURL accepts.
const MaxURLLen = 2048

// OwnsURL tells whether u is an address of the site: an absolute http(s)
// URL, at most MaxURLLen long, with a host and no user info, on a host
// AllowsOrigin accepts. It is the one rule for every address custos sends
// people to on a site's behalf (the verification page's continue link, the
// hosted login page's next). Note that a site listing no domains owns every
// host; callers that must not follow anyone's address check Domains too.
func (st Site) OwnsURL(u string) bool {
	if len(u) > MaxURLLen {
		return false
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.User != nil || parsed.Opaque != "" || parsed.Hostname() == "" {
		return false
	}
	if s := strings.ToLower(parsed.Scheme); s != "https" && s != "http" {
		return false
	}
	return st.AllowsOrigin(parsed.Hostname())
}

// PolicyChange sets one section of the policies: Raw is its JSON object.
type PolicyChange struct{ Section, Raw string }

// SetPolicies applies changes to the current policies of site id, checks the
// result and stores it: all of them or, on any error, none.
func (s *Service) SetPolicies(ctx context.Context, id int64, changes []PolicyChange) (policy.Policies, error) {
	st, err := s.update(ctx, id, func(r *Record) error {
		p, err := policy.Parse(r.Policies)
		if err != nil {
			return fmt.Errorf("site %d: %w", r.ID, err)
		}
		for _, c := range changes {
			if err := p.Set(c.Section, c.Raw); err != nil {
				return err
			}
		}
		if err := p.Validate(); err != nil {
			return err
		}
		if err := p.CheckHosts(Site{Domains: r.Domains}.OwnsURL); err != nil {
			return err
		}
		if !s.captcha && (p.Registration.RequireCaptcha || p.Security.Captcha.FailedLoginThreshold > 0) {
			return errcode.New(errcode.InvalidPolicyConfiguration,
				"Invalid policy configuration: CAPTCHA policies need a verifier (custos serve --captcha-verify-url)")
		}
		r.Policies = p.JSON()
		return nil
	})
	if err != nil {
		return policy.Policies{}, err
	}
	return st.Policies, nil
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
	sc, err := schema.Parse(r.Schema)
	if err != nil {
		return Site{}, fmt.Errorf("site %d: %w", r.ID, err)
	}
	st := Site{ID: r.ID, Name: r.Name, APIKey: r.APIKey, Secret: secret, Domains: r.Domains, Policies: pol,
		RequireReferrer: r.RequireReferrer, Schema: sc, WebSDKConfig: json.RawMessage(cmp.Or(r.WebSDKConfig, "{}")),
		ScreenSetScripts: r.ScreenSetScripts, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
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

// checkName trims a site name and checks its length.
func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", errcode.Missing("name")
	case len(name) > MaxNameLen:
		return "", errcode.InvalidValue("name", fmt.Sprintf("longer than %d characters", MaxNameLen))
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0:
		// The name goes into mail headers and pages: one line of text.
		return "", errcode.InvalidValue("name", "want one line of text, without control characters")
	}
	return name, nil
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
