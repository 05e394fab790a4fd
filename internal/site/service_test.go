package site_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T, db *store.DB, key byte, c *clock) *site.Service {
	t.Helper()
	box, err := secretbox.New(bytes.Repeat([]byte{key}, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return site.NewService(db, box, site.Options{Now: c.now, CacheTTL: 5 * time.Second})
}

func codeOf(err error) errcode.Code {
	if err == nil {
		return 0
	}
	return errcode.From(err).Code
}

func TestCreateAndResolve(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	c := &clock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := newService(t, db, 1, c)
	st, err := s.Create(ctx, " Shop ", []string{"Shop.Example.com", "shop.example.com", "*.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Name != "Shop" || len(st.Secret) != site.SecretSize || len(st.APIKey) != 34 ||
		len(st.Domains) != 2 || st.Domains[0] != "shop.example.com" {
		t.Fatalf("created %+v", st)
	}
	rec, _ := db.SiteByID(ctx, st.ID)
	if bytes.Contains(rec.SealedSecret, st.Secret) {
		t.Fatal("secret stored in clear")
	}
	for name, get := range map[string]func() (site.Site, error){
		"by key": func() (site.Site, error) { return s.ByAPIKey(ctx, st.APIKey) },
		"by id":  func() (site.Site, error) { return s.ByID(ctx, st.ID) },
	} {
		got, err := get()
		if err != nil || !bytes.Equal(got.Secret, st.Secret) || got.APIKey != st.APIKey {
			t.Errorf("%s: %+v, %v", name, got, err)
		}
	}
	if !st.SecretMatches(st.SecretBase64()) || st.SecretMatches("AAAA") || st.SecretMatches("!!") {
		t.Error("SecretMatches: the secret, a wrong one and one not in base64")
	}
	for name, err := range map[string]error{
		"unknown key": second(s.ByAPIKey(ctx, "3_nope")),
		"empty key":   second(s.ByAPIKey(ctx, "")),
		"unknown id":  second(s.ByID(ctx, 99)),
	} {
		if !errors.Is(err, site.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	for name, err := range map[string]error{
		"no name":          second(s.Create(ctx, " ", nil)),
		"long name":        second(s.Create(ctx, string(make([]byte, site.MaxNameLen+1)), nil)),
		"two-line name":    second(s.Create(ctx, "Acme\r\nBcc: x@example.com", nil)),
		"name with a NUL":  second(s.Create(ctx, "Ac\x00me", nil)),
		"not UTF-8":        second(s.Create(ctx, "Ac\xffme", nil)),
		"bad domain":       second(s.Create(ctx, "x", []string{"http://x.com"})),
		"label too long":   second(s.Create(ctx, "x", []string{string(bytes.Repeat([]byte("a"), 64)) + ".com"})),
		"leading hyphen":   second(s.Create(ctx, "x", []string{"-a.com"})),
		"too many domains": second(s.Create(ctx, "x", make([]string, site.MaxDomains+1))),
	} {
		want := map[string]errcode.Code{
			"no name": errcode.MissingRequiredParameter,
		}[name]
		if want == 0 {
			want = errcode.InvalidParameterValue
		}
		if codeOf(err) != want {
			t.Errorf("%s: %v, want %d", name, err, want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// A resolved site is served from the cache for its TTL: a rotation made by
// another process shows after it, a rotation made here at once.
func TestCacheAndRotate(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	c := &clock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	here, other := newService(t, db, 1, c), newService(t, db, 1, c)
	st, err := here.Create(ctx, "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := here.ByAPIKey(ctx, st.APIKey); err != nil {
		t.Fatal(err)
	}
	rotated, err := other.RotateSecret(ctx, st.ID)
	if err != nil || bytes.Equal(rotated.Secret, st.Secret) {
		t.Fatalf("rotate: %v", err)
	}
	if got, _ := here.ByAPIKey(ctx, st.APIKey); !bytes.Equal(got.Secret, st.Secret) {
		t.Fatal("cache not used within its TTL")
	}
	c.t = c.t.Add(5 * time.Second)
	if got, _ := here.ByAPIKey(ctx, st.APIKey); !bytes.Equal(got.Secret, rotated.Secret) {
		t.Fatal("stale after the TTL")
	}
	if got, _ := other.ByID(ctx, st.ID); !bytes.Equal(got.Secret, rotated.Secret) {
		t.Fatal("rotating process serves the old secret")
	}
	if got, _ := here.ByID(ctx, st.ID); got.SecretMatches(st.SecretBase64()) {
		t.Fatal("old secret after rotation")
	}
	if _, err := here.RotateSecret(ctx, 99); !errors.Is(err, site.ErrNotFound) {
		t.Fatalf("rotate unknown: %v", err)
	}
}

func TestWrongMasterKey(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	c := &clock{time.Now()}
	if err := newService(t, db, 1, c).CheckMasterKey(ctx); err != nil {
		t.Fatalf("empty database: %v", err)
	}
	st, _ := newService(t, db, 1, c).Create(ctx, "s", nil)
	wrong := newService(t, db, 2, c)
	if err := wrong.CheckMasterKey(ctx); !errors.Is(err, secretbox.ErrOpen) {
		t.Fatalf("CheckMasterKey = %v", err)
	}
	if _, err := wrong.ByAPIKey(ctx, st.APIKey); codeOf(err) != errcode.GeneralServerError {
		t.Fatalf("ByAPIKey with the wrong key = %v", err)
	}
}

// Changes of different attributes of one site at once are all kept: each
// goes through one store transaction.
func TestConcurrentChanges(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := storetest.Open(t, e)
			s := newService(t, db, 1, &clock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
			st, err := s.Create(ctx, "s", nil)
			if err != nil {
				t.Fatal(err)
			}
			var (
				wg      sync.WaitGroup
				rotated site.Site
				errs    = make(chan error, 4)
			)
			wg.Go(func() {
				_, err := s.SetPolicies(ctx, st.ID, []site.PolicyChange{{"passwordComplexity", `{"minLength":12}`}})
				errs <- err
			})
			wg.Go(func() { _, err := s.SetDomains(ctx, st.ID, []string{"a.example"}, true); errs <- err })
			wg.Go(func() { _, err := s.SetName(ctx, st.ID, "renamed"); errs <- err })
			wg.Go(func() { var err error; rotated, err = s.RotateSecret(ctx, st.ID); errs <- err })
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			// A second service reads the store, not a cache.
			got, err := newService(t, db, 1, &clock{time.Now()}).ByID(ctx, st.ID)
			if err != nil || got.Policies.PasswordComplexity.MinLength != 12 || got.Name != "renamed" ||
				!got.RequireReferrer || len(got.Domains) != 1 || !bytes.Equal(got.Secret, rotated.Secret) {
				t.Fatalf("after concurrent changes: %+v, %v", got, err)
			}
			if !got.UpdatedAt.After(st.UpdatedAt.Add(3 * time.Millisecond)) {
				t.Errorf("updated_at %v after 4 changes from %v", got.UpdatedAt, st.UpdatedAt)
			}
		})
	}
}

// A refused change writes nothing; an unknown site is ErrNotFound.
func TestRefusedChanges(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	s := newService(t, db, 1, &clock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	st, err := s.Create(ctx, "s", []string{"a.example"})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		err  error
		want errcode.Code
	}{
		"bad section":       {second(s.SetPolicies(ctx, st.ID, []site.PolicyChange{{"accountOptions", `{"verifyEmail":true}`}, {"bogus", `{}`}})), errcode.InvalidParameterValue},
		"invalid policies":  {second(s.SetPolicies(ctx, st.ID, []site.PolicyChange{{"passwordComplexity", `{"minLength":0}`}})), errcode.InvalidParameterValue},
		"bad domain":        {second(s.SetDomains(ctx, st.ID, []string{"http://x"}, true)), errcode.InvalidParameterValue},
		"empty name":        {second(s.SetName(ctx, st.ID, " ")), errcode.MissingRequiredParameter},
		"policies, unknown": {second(s.SetPolicies(ctx, 99, []site.PolicyChange{{"accountOptions", `{"verifyEmail":true}`}})), 0},
		"domains, unknown":  {second(s.SetDomains(ctx, 99, nil, false)), 0},
		"name, unknown":     {second(s.SetName(ctx, 99, "x")), 0},
		"name, bad domain":  {second(s.Update(ctx, st.ID, site.Changes{Name: new("t"), Domains: &[]string{"http://x"}})), errcode.InvalidParameterValue},
		"bad name, domains": {second(s.Update(ctx, st.ID, site.Changes{Name: new(""), Domains: &[]string{"b.example"}})), errcode.MissingRequiredParameter},
	} {
		if c.want == 0 && !errors.Is(c.err, site.ErrNotFound) || c.want != 0 && codeOf(c.err) != c.want {
			t.Errorf("%s: %v, want %d (0: ErrNotFound)", name, c.err, c.want)
		}
	}
	rec, err := db.SiteByID(ctx, st.ID)
	if err != nil || !rec.UpdatedAt.Equal(st.UpdatedAt) || rec.Name != "s" || len(rec.Domains) != 1 || rec.RequireReferrer {
		t.Fatalf("refused changes wrote: %+v, %v", rec, err)
	}
}

// Update sets what it is given, and only that.
func TestUpdate(t *testing.T) {
	ctx := context.Background()
	s := newService(t, storetest.Open(t, store.SQLite), 1, &clock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	st, err := s.Create(ctx, "s", []string{"a.example"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		change          site.Changes
		name, domains   string
		requireReferrer bool
	}{
		{site.Changes{Name: new(" t ")}, "t", "a.example", false},
		{site.Changes{RequireReferrer: new(true)}, "t", "a.example", true},
		{site.Changes{Name: new("u"), Domains: &[]string{"B.example", "b.example"}, RequireReferrer: new(false)}, "u", "b.example", false},
		{site.Changes{Domains: &[]string{}}, "u", "", false},
	} {
		got, err := s.Update(ctx, st.ID, c.change)
		if err != nil || got.Name != c.name || strings.Join(got.Domains, ",") != c.domains || got.RequireReferrer != c.requireReferrer {
			t.Fatalf("Update(%+v) = %+v, %v", c.change, got, err)
		}
	}
}

// OwnsURL is the one rule for the addresses custos sends people to on a
// site's behalf: hostile addresses that name a site domain somewhere are
// not the site's.
func TestOwnsURL(t *testing.T) {
	st := site.Site{Domains: []string{"example.com", "*.shop.example"}}
	for u, want := range map[string]bool{
		"https://example.com/welcome?x=1":                            true,
		"http://example.com:8080/":                                   true,
		"HTTPS://EXAMPLE.COM/":                                       true,
		"https://a.shop.example/x":                                   true,
		"javascript://example.com/%0Aalert(1)":                       false,
		"JavaScript://example.com/":                                  false,
		"data://example.com/text/html,<b>":                           false,
		"ftp://example.com/":                                         false,
		"//example.com/x":                                            false,
		"/welcome":                                                   false,
		"https://user@example.com/":                                  false,
		"https://example.com@evil.example/":                          false,
		"https://example.com.evil.example/":                          false,
		"https://evil.example/?next=example.com":                     false,
		"https:example.com":                                          false,
		"https:///example.com":                                       false,
		"https://example.com/" + strings.Repeat("x", site.MaxURLLen): false,
		"": false,
	} {
		if got := st.OwnsURL(u); got != want {
			t.Errorf("OwnsURL(%.60q) = %v, want %v", u, got, want)
		}
	}
	if !(site.Site{}).OwnsURL("https://anywhere.example/") || (site.Site{}).OwnsURL("javascript://anywhere.example/") {
		t.Error("a site without domains: any http(s) host, and nothing else")
	}
}
