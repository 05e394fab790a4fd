package token_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"

	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
	"github.com/custos-id/custos/internal/token"
	"github.com/custos-id/custos/internal/token/tokentest"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 123e6, time.UTC)

// forEachEngine runs the test on a migrated database of every engine.
func forEachEngine(t *testing.T, test func(t *testing.T, db *store.DB)) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			test(t, storetest.Open(t, e))
		})
	}
}

func newBox(t *testing.T) *secretbox.Box {
	t.Helper()
	key := make([]byte, secretbox.KeySize)
	rand.Read(key)
	box, err := secretbox.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func newSite(t *testing.T, db *store.DB, apiKey string) int64 {
	t.Helper()
	r := site.Record{Name: "s", APIKey: apiKey, SealedSecret: []byte{1}, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateSite(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// newKeys is a process's Keys over store with pre-generated keys.
func newKeys(store token.KeyStore, box *secretbox.Box, now func() time.Time) *token.Keys {
	return token.NewKeys(store, box, token.Options{Now: now, KeyGen: tokentest.KeyGen()})
}

// countingStore counts the calls reaching the store.
type countingStore struct {
	token.KeyStore
	reads, creates atomic.Int32
}

func (s *countingStore) SiteKeys(ctx context.Context, siteID int64, since time.Time) ([]token.StoredKey, error) {
	s.reads.Add(1)
	return s.KeyStore.SiteKeys(ctx, siteID, since)
}

func (s *countingStore) CreateSiteKey(ctx context.Context, k token.StoredKey) (bool, error) {
	s.creates.Add(1)
	return s.KeyStore.CreateSiteKey(ctx, k)
}

// parse verifies tok with jwk and returns its header and claims.
func parse(t *testing.T, tok string, jwk jose.JSONWebKey) (jose.Header, map[string]any, error) {
	t.Helper()
	parsed, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]any
	err = parsed.Claims(jwk, &all)
	return parsed.Headers[0], all, err
}

// signedFixture is a key set of a new site with one token signed.
type signedFixture struct {
	db     *store.DB
	box    *secretbox.Box
	cs     *countingStore
	keys   *token.Keys
	siteID int64
	claims map[string]any
	tok    string
	jwk    jose.JSONWebKey
}

func newSignedFixture(t *testing.T, db *store.DB) signedFixture {
	t.Helper()
	f := signedFixture{db: db, box: newBox(t), siteID: newSite(t, db, "3_sign")}
	f.cs = &countingStore{KeyStore: db}
	f.keys = newKeys(f.cs, f.box, func() time.Time { return t0 })
	now := t0.Unix()
	f.claims = map[string]any{"iss": "https://fidm.gigya.com/jwt/3_sign/", "apiKey": "3_sign", "sub": "uid-1",
		"iat": now, "exp": now + 300, "email": "ann@example.com"}
	var err error
	if f.tok, err = f.keys.Sign(context.Background(), f.siteID, f.claims); err != nil {
		t.Fatal(err)
	}
	if f.jwk, err = f.keys.PublicJWK(context.Background(), f.siteID); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSignVerify(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newSignedFixture(t, db)
		jwk, now := f.jwk, t0.Unix()
		if jwk.KeyID == "" || jwk.Algorithm != "RS256" || jwk.Use != "sig" || !jwk.IsPublic() || !jwk.Valid() {
			t.Fatalf("PublicJWK = %+v", jwk)
		}
		// The published JSON is the public key only.
		raw, err := json.Marshal(jwk)
		if err != nil {
			t.Fatal(err)
		}
		var fields map[string]any
		json.Unmarshal(raw, &fields)
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		slices.Sort(names)
		if want := []string{"alg", "e", "kid", "kty", "n", "use"}; !slices.Equal(names, want) || fields["kty"] != "RSA" {
			t.Fatalf("JWK JSON %s: fields %v, want %v", raw, names, want)
		}

		h, all, err := parse(t, f.tok, jwk)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if h.KeyID != jwk.KeyID || h.Algorithm != "RS256" || h.ExtraHeaders[jose.HeaderType] != "JWT" {
			t.Fatalf("header %+v, want kid %q", h, jwk.KeyID)
		}
		if all["apiKey"] != "3_sign" || all["email"] != "ann@example.com" || all["iat"] != float64(now) || all["exp"] != float64(now+300) {
			t.Fatalf("claims %v", all)
		}
		var got map[string]any
		if err := f.keys.Verify(ctx, f.siteID, f.tok, &got); err != nil || got["sub"] != "uid-1" {
			t.Fatalf("Verify = %v, %v", got, err)
		}
		if set, err := f.keys.JWKS(ctx, f.siteID); err != nil || len(set.Keys) != 1 || set.Keys[0].KeyID != jwk.KeyID {
			t.Fatalf("JWKS = %+v, %v", set, err)
		}
	})
}

// The key is stored under its kid, sealed: the DER opens with the master
// key and the site's AAD, and does not appear in the row.
func TestKeyStoredSealed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSignedFixture(t, db)
		stored, err := db.SiteKeys(context.Background(), f.siteID, time.Time{})
		if err != nil || len(stored) != 1 || stored[0].KID != f.jwk.KeyID || stored[0].Alg != "RS256" ||
			!stored[0].CreatedAt.Equal(t0) || !stored[0].RetiredAt.IsZero() {
			t.Fatalf("stored keys %+v, %v", stored, err)
		}
		der, err := f.box.Open(stored[0].PrivateSealed, token.SealAAD(f.siteID))
		if err != nil {
			t.Fatal(err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatal(err)
		}
		if !priv.(*rsa.PrivateKey).PublicKey.Equal(f.jwk.Key) {
			t.Fatal("stored private key does not match the public JWK")
		}
		if bytes.Contains(stored[0].PrivateSealed, der[len(der)-64:]) {
			t.Fatal("private key stored in clear")
		}
		if _, err := f.box.Open(stored[0].PrivateSealed, token.SealAAD(f.siteID+1)); err == nil {
			t.Fatal("sealed key opens with another site's AAD")
		}
	})
}

// After the first signature, signing is served from memory.
func TestKeyCached(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSignedFixture(t, db)
		reads := f.cs.reads.Load()
		if creates := f.cs.creates.Load(); creates != 1 {
			t.Fatalf("%d keys created", creates)
		}
		for range 3 {
			if _, err := f.keys.Sign(context.Background(), f.siteID, f.claims); err != nil {
				t.Fatal(err)
			}
		}
		if f.cs.reads.Load() != reads {
			t.Fatal("cached key read again from the store")
		}
	})
}

// The cached key set is read again once CacheTTL has passed by the wall
// clock, whatever the monotonic one says (it stops while the host is
// suspended), and when the wall clock is set back. The test clock's
// readings carry no monotonic part, as after a suspend only the wall clock
// moved.
func TestKeySetCacheAge(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	for _, tc := range []struct {
		name string
		jump time.Duration
		read bool
	}{
		{"within CacheTTL", token.CacheTTL - time.Millisecond, false},
		{"CacheTTL later", token.CacheTTL, true},
		{"a day later, as after a suspend", 24 * time.Hour, true},
		{"clock set back", -time.Hour, true},
		{"clock set back a little", -time.Millisecond, true},
	} {
		cs := &countingStore{KeyStore: db}
		clk := &clock{t: t0}
		keys := newKeys(cs, newBox(t), clk.now)
		siteID := newSite(t, db, "3_age_"+strings.ReplaceAll(tc.name, " ", "_"))
		if _, err := keys.Sign(context.Background(), siteID, map[string]any{"sub": "u"}); err != nil {
			t.Fatal(err)
		}
		reads := cs.reads.Load()
		clk.advance(tc.jump)
		if _, err := keys.Sign(context.Background(), siteID, map[string]any{"sub": "u"}); err != nil {
			t.Fatal(err)
		}
		if read := cs.reads.Load() != reads; read != tc.read {
			t.Errorf("%s: key set read again: %v, want %v", tc.name, read, tc.read)
		}
	}
	// Readings with a monotonic part: the age is the smaller of both.
	cs := &countingStore{KeyStore: db}
	clk := &clock{t: time.Now()}
	keys := newKeys(cs, newBox(t), clk.now)
	siteID := newSite(t, db, "3_age_monotonic")
	var reads []int32
	for _, d := range []time.Duration{0, token.CacheTTL - time.Millisecond, time.Millisecond} {
		clk.advance(d)
		if _, err := keys.Sign(context.Background(), siteID, map[string]any{"sub": "u"}); err != nil {
			t.Fatal(err)
		}
		reads = append(reads, cs.reads.Load())
	}
	if reads[1] != reads[0] || reads[2] != reads[0]+1 {
		t.Errorf("monotonic clock: store reads %v, want one more once CacheTTL has passed", reads)
	}
}

// A token altered after signing does not verify.
func TestForgedToken(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newSignedFixture(t, db)
		parts := strings.Split(f.tok, ".")
		forged, _ := json.Marshal(map[string]any{"sub": "uid-2", "apiKey": "3_sign", "exp": t0.Unix() + 300})
		parts[1] = base64.RawURLEncoding.EncodeToString(forged)
		if _, _, err := parse(t, strings.Join(parts, "."), f.jwk); err == nil {
			t.Fatal("forged token verified")
		}
		var got map[string]any
		if err := f.keys.Verify(context.Background(), f.siteID, strings.Join(parts, "."), &got); err == nil {
			t.Fatal("Verify accepted a forged token")
		}
	})
}

// Verify checks the kid, the signature and the expiry.
func TestVerify(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	siteID, other := newSite(t, db, "3_verify"), newSite(t, db, "3_other")
	clk := &clock{t: t0}
	keys := newKeys(db, newBox(t), clk.now)
	sign := func(site int64, exp int64) string {
		tok, err := keys.Sign(ctx, site, map[string]any{"sub": "u", "exp": exp})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	ok := sign(siteID, t0.Unix()+60)
	for _, tc := range []struct {
		name string
		tok  string
		err  error
	}{
		{"valid", ok, nil},
		{"expired", sign(siteID, t0.Unix()), josejwt.ErrExpired},
		{"another site's key", sign(other, t0.Unix()+60), token.ErrUnknownKey},
	} {
		if err := keys.Verify(ctx, siteID, tc.tok); !errors.Is(err, tc.err) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.err)
		}
	}
	if err := keys.Verify(ctx, siteID, "not.a.jwt"); err == nil {
		t.Error("Verify accepted garbage")
	}
}

// kidsOf lists the key ids of a key set.
func kidsOf(set jose.JSONWebKeySet) []string {
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	return kids
}

// signedKid signs a token with keys and returns the kid its header names.
func signedKid(t *testing.T, keys *token.Keys, siteID int64) string {
	t.Helper()
	tok, err := keys.Sign(context.Background(), siteID, map[string]any{"sub": "u"})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Headers[0].KeyID
}

// Rotation: the new key is published at once and signs from CacheTTL later;
// the old key signs until then, and verifies with the published key set
// until Retention after.
// rotated is a key set that signed a token (before) with its first key
// (old), then rotated a minute later (rot).
type rotated struct {
	keys   *token.Keys
	clk    *clock
	siteID int64
	exp    int64
	before string
	old    jose.JSONWebKey
	rot    token.Rotation
}

func newRotated(t *testing.T, db *store.DB) rotated {
	t.Helper()
	ctx := context.Background()
	r := rotated{clk: &clock{t: t0}, siteID: newSite(t, db, "3_rotate"), exp: t0.Add(token.MaxLifetime).Unix()}
	r.keys = newKeys(db, newBox(t), r.clk.now)
	var err error
	if r.before, err = r.keys.Sign(ctx, r.siteID, map[string]any{"sub": "u", "exp": r.exp}); err != nil {
		t.Fatal(err)
	}
	r.old, _ = r.keys.PublicJWK(ctx, r.siteID)
	r.clk.advance(time.Minute)
	if r.rot, err = r.keys.Rotate(ctx, r.siteID); err != nil {
		t.Fatal(err)
	}
	return r
}

// jwksKids are the kids of the published key set, in order.
func (r rotated) jwksKids(t *testing.T) []string {
	t.Helper()
	set, err := r.keys.JWKS(context.Background(), r.siteID)
	if err != nil {
		t.Fatal(err)
	}
	return kidsOf(set)
}

func TestRotate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRotated(t, db)
		keys, clk, siteID, exp, before, old, rot := r.keys, r.clk, r.siteID, r.exp, r.before, r.old, r.rot
		fresh := rot.Key
		if fresh.KeyID == old.KeyID || fresh.Key.(*rsa.PublicKey).Equal(old.Key) {
			t.Fatalf("rotation kept the key %s", old.KeyID)
		}
		if want := clk.now().Add(token.CacheTTL); !rot.ActivateAt.Equal(want) {
			t.Fatalf("new key activates at %v, want %v", rot.ActivateAt, want)
		}
		// Pending, then signing: published all along, the signing key
		// first.
		for _, at := range []struct {
			t    time.Time
			kid  string
			name string
		}{
			{clk.now(), old.KeyID, "just rotated"},
			{rot.ActivateAt.Add(-time.Millisecond), old.KeyID, "just before activation"},
			{rot.ActivateAt, fresh.KeyID, "at activation"},
		} {
			clk.t = at.t
			if kid := signedKid(t, keys, siteID); kid != at.kid {
				t.Errorf("%s: signed with %s, want %s", at.name, kid, at.kid)
			}
			if jwk, _ := keys.PublicJWK(ctx, siteID); jwk.KeyID != at.kid {
				t.Errorf("%s: PublicJWK %s, want %s", at.name, jwk.KeyID, at.kid)
			}
			want := []string{old.KeyID, fresh.KeyID}
			if at.kid == fresh.KeyID {
				want = []string{fresh.KeyID, old.KeyID}
			}
			if kids := r.jwksKids(t); !slices.Equal(kids, want) {
				t.Errorf("%s: JWKS kids %v, want %v (the signing key first)", at.name, kids, want)
			}
		}
		after, err := keys.Sign(ctx, siteID, map[string]any{"sub": "u", "exp": exp})
		if err != nil {
			t.Fatal(err)
		}
		if h, _, err := parse(t, after, fresh); err != nil || h.KeyID != fresh.KeyID {
			t.Fatalf("new token: kid %s, %v; want %s", h.KeyID, err, fresh.KeyID)
		}
		for _, tok := range []string{before, after} {
			if err := keys.Verify(ctx, siteID, tok); err != nil {
				t.Fatalf("Verify after rotation: %v", err)
			}
		}
	})
}

// JWKS lists the signing key first, then the pending keys in the order they
// will sign, then the retired keys, most recently retired first.
func TestJWKSOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		r := newRotated(t, db)
		k0, p1 := r.old.KeyID, r.rot.Key.KeyID
		p2, err := r.keys.Rotate(context.Background(), r.siteID) // queued after p1
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			t    time.Time
			kids []string
		}{
			{r.clk.now(), []string{k0, p1, p2.Key.KeyID}},
			{r.rot.ActivateAt, []string{p1, p2.Key.KeyID, k0}},
			{p2.ActivateAt, []string{p2.Key.KeyID, p1, k0}},
		} {
			r.clk.t = step.t
			if kids := r.jwksKids(t); !slices.Equal(kids, step.kids) {
				t.Errorf("%v: JWKS kids %v, want %v", step.t, kids, step.kids)
			}
		}
	})
}

// The old key, retired when the new one activated, stays until Retention
// after, then goes.
func TestRotateRetention(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		r := newRotated(t, db)
		r.clk.t = r.rot.ActivateAt.Add(token.Retention)
		if kids := r.jwksKids(t); len(kids) != 2 {
			t.Fatalf("JWKS at the end of the retention: %v", kids)
		}
		r.clk.advance(time.Millisecond)
		if kids := r.jwksKids(t); !slices.Equal(kids, []string{r.rot.Key.KeyID}) {
			t.Fatalf("JWKS after the retention: %v", kids)
		}
		if err := r.keys.Verify(context.Background(), r.siteID, r.before); !errors.Is(err, token.ErrUnknownKey) {
			t.Fatalf("Verify with a key past retention: %v", err)
		}
	})
}

// Several processes over one database, each caching the key set, one
// rotating (custos site rotate-key), another rotating again while that key
// is pending: at no moment does a process sign with a kid another one does
// not publish, and all of them sign with the same key at every moment.
func TestRotationNeverOutrunsPublication(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		siteID := newSite(t, db, "3_procs")
		box := newBox(t)
		clk := &clock{t: t0}
		gen := tokentest.KeyGen() // one generator: the processes make different keys
		proc := func() *token.Keys { return token.NewKeys(db, box, token.Options{Now: clk.now, KeyGen: gen}) }
		a, b, cli := proc(), proc(), proc()
		k0, err := a.PublicJWK(ctx, siteID)
		if err != nil {
			t.Fatal(err)
		}

		at := func(d time.Duration) time.Time { return t0.Add(d) }
		const ms = time.Millisecond
		var p1, p2 token.Rotation
		// b starts just before cli rotates: its key set lacks the new key
		// until it reads again, a minute later.
		events := map[time.Duration]func(){
			40 * time.Second: func() { p1, err = cli.Rotate(ctx, siteID) },
			70 * time.Second: func() { p2, err = a.Rotate(ctx, siteID) }, // p1 pending: queued after it
		}
		var times []time.Duration
		for d := time.Duration(0); d <= 200*time.Second; d += 7 * time.Second {
			times = append(times, d)
		}
		times = append(times, 40*time.Second-ms, 40*time.Second, 70*time.Second, 100*time.Second-ms, 100*time.Second,
			130*time.Second-ms, 130*time.Second)
		slices.Sort(times)
		for _, d := range slices.Compact(times) {
			clk.t = at(d)
			if ev := events[d]; ev != nil {
				if ev(); err != nil {
					t.Fatal(err)
				}
			}
			want := k0.KeyID
			switch {
			case d >= 130*time.Second:
				want = p2.Key.KeyID
			case d >= 100*time.Second:
				want = p1.Key.KeyID
			}
			procs := []*token.Keys{a}
			if d >= 40*time.Second-ms {
				procs = append(procs, b)
			}
			wantSignedAndPublished(t, d, siteID, want, procs)
		}
		if !p1.ActivateAt.Equal(at(100*time.Second)) || !p2.ActivateAt.Equal(at(130*time.Second)) {
			t.Fatalf("activation at %v and %v", p1.ActivateAt, p2.ActivateAt)
		}

		// Each retired key is published by every process until Retention
		// after its successor took over.
		for _, step := range []struct {
			t    time.Time
			kids []string
		}{
			{p1.ActivateAt.Add(token.Retention), []string{p2.Key.KeyID, p1.Key.KeyID, k0.KeyID}},
			{p1.ActivateAt.Add(token.Retention + ms), []string{p2.Key.KeyID, p1.Key.KeyID}},
			{p2.ActivateAt.Add(token.Retention + ms), []string{p2.Key.KeyID}},
		} {
			clk.t = step.t
			for i, p := range []*token.Keys{a, b, cli} {
				if set, err := p.JWKS(ctx, siteID); err != nil || !slices.Equal(kidsOf(set), step.kids) {
					t.Errorf("%v: process %d publishes %v, %v; want %v", step.t, i, kidsOf(set), err, step.kids)
				}
			}
		}
	})
}

// wantSignedAndPublished checks, at t0+d, that each of procs signs with the
// kid want and that every one of them publishes the kid each signs with.
func wantSignedAndPublished(t *testing.T, d time.Duration, siteID int64, want string, procs []*token.Keys) {
	t.Helper()
	for i, signer := range procs {
		kid := signedKid(t, signer, siteID)
		if kid != want {
			t.Errorf("t0+%v: process %d signed with %s, want %s", d, i, kid, want)
		}
		for j, other := range procs {
			set, err := other.JWKS(context.Background(), siteID)
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Key(kid)) != 1 {
				t.Errorf("t0+%v: process %d signed with %s, process %d publishes %v", d, i, kid, j, kidsOf(set))
			}
		}
	}
}

// A process whose clock runs behind the one that made the site's first key
// signs with it all the same, and with the older key until its own clock
// reaches a rotated-in key's activation.
func TestClockBehind(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	siteID := newSite(t, db, "3_behind")
	box := newBox(t)
	gen := tokentest.KeyGen()
	ahead := token.NewKeys(db, box, token.Options{Now: func() time.Time { return t0 }, KeyGen: gen})
	behindClk := &clock{t: t0.Add(-time.Second)}
	behind := token.NewKeys(db, box, token.Options{Now: behindClk.now, KeyGen: gen})
	first, err := ahead.PublicJWK(ctx, siteID)
	if err != nil {
		t.Fatal(err)
	}
	if kid := signedKid(t, behind, siteID); kid != first.KeyID {
		t.Fatalf("signed with %s, want the first key %s", kid, first.KeyID)
	}
	rot, err := ahead.Rotate(ctx, siteID)
	if err != nil {
		t.Fatal(err)
	}
	behindClk.t = rot.ActivateAt.Add(-time.Millisecond)
	if kid := signedKid(t, behind, siteID); kid != first.KeyID {
		t.Fatalf("before activation by its clock: signed with %s, want %s", kid, first.KeyID)
	}
	behindClk.t = rot.ActivateAt
	if kid := signedKid(t, behind, siteID); kid != rot.Key.KeyID {
		t.Fatalf("at activation by its clock: signed with %s, want %s", kid, rot.Key.KeyID)
	}
}

// Rotations racing on one site, from two processes, leave one active key
// and every other key retired.
func TestConcurrentRotations(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		siteID := newSite(t, db, "3_racerot")
		box := newBox(t)
		procs := []*token.Keys{newKeys(db, box, nil), newKeys(db, box, nil)}
		const perProc = 4
		var wg sync.WaitGroup
		errs := make(chan error, 2*perProc)
		for _, keys := range procs {
			for range perProc {
				wg.Go(func() {
					if _, err := keys.Rotate(ctx, siteID); err != nil {
						errs <- err
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		stored, err := db.SiteKeys(ctx, siteID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, k := range stored {
			if k.RetiredAt.IsZero() {
				active++
			}
		}
		if len(stored) != 2*perProc || active != 1 || !stored[0].RetiredAt.IsZero() {
			t.Fatalf("%d keys, %d active: %+v", len(stored), active, stored)
		}
	})
}

// Two processes on one database, starting together: one key for the site,
// whichever of them stores it, and no process creates it twice.
func TestTwoProcessesShareKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		siteID := newSite(t, db, "3_two")
		box := newBox(t)
		stores := []*countingStore{{KeyStore: db}, {KeyStore: db}}
		procs := []*token.Keys{newKeys(stores[0], box, nil), newKeys(stores[1], box, nil)}

		const perProc = 4
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			kids []string
			errs []error
		)
		for _, keys := range procs {
			for range perProc {
				wg.Go(func() {
					jwk, err := keys.PublicJWK(ctx, siteID)
					mu.Lock()
					defer mu.Unlock()
					kids = append(kids, jwk.KeyID)
					if err != nil {
						errs = append(errs, err)
					}
				})
			}
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		stored, err := db.SiteKeys(ctx, siteID, time.Time{})
		if err != nil || len(stored) != 1 {
			t.Fatalf("stored %+v, %v", stored, err)
		}
		for _, kid := range kids {
			if kid != stored[0].KID {
				t.Fatalf("kids %v, stored %s", kids, stored[0].KID)
			}
		}
		for i, s := range stores {
			if n := s.creates.Load(); n > 1 {
				t.Errorf("process %d created the key %d times", i, n)
			}
		}
		// The token of one verifies with the other's published key.
		tok, err := procs[0].Sign(ctx, siteID, map[string]any{"sub": "u"})
		if err != nil {
			t.Fatal(err)
		}
		jwk, err := procs[1].PublicJWK(ctx, siteID)
		if err != nil {
			t.Fatal(err)
		}
		if _, c, err := parse(t, tok, jwk); err != nil || c["sub"] != "u" {
			t.Fatalf("cross-process verify: %v, %+v", err, c)
		}
	})
}

// A process with another master key cannot use the stored key, and says so;
// it does not replace the key either.
func TestWrongMasterKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		siteID := newSite(t, db, "3_wrong")
		// Options.Rand gives the key id.
		kidBytes := bytes.Repeat([]byte{0xab}, 16)
		good := token.NewKeys(db, newBox(t), token.Options{Rand: bytes.NewReader(kidBytes), KeyGen: tokentest.KeyGen()})
		jwk, err := good.PublicJWK(ctx, siteID)
		if err != nil {
			t.Fatal(err)
		}
		if jwk.KeyID != hex.EncodeToString(kidBytes) {
			t.Fatalf("kid %q, want %x", jwk.KeyID, kidBytes)
		}
		wrong := newKeys(db, newBox(t), nil)
		if tok, err := wrong.Sign(ctx, siteID, map[string]any{"sub": "u"}); !errors.Is(err, secretbox.ErrOpen) {
			t.Fatalf("Sign with a wrong master key = %q, %v; want ErrOpen", tok, err)
		}
		if _, err := wrong.JWKS(ctx, siteID); !errors.Is(err, secretbox.ErrOpen) {
			t.Fatalf("JWKS with a wrong master key: %v", err)
		}
		if stored, err := db.SiteKeys(ctx, siteID, time.Time{}); err != nil || len(stored) != 1 || stored[0].KID != jwk.KeyID {
			t.Fatalf("stored keys after failures: %+v, %v", stored, err)
		}
	})
}

// A site that does not exist gets an error, not a key; so does a key id
// from a short random source, or a failing key generator.
func TestCannotMakeKey(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	siteID := newSite(t, db, "3_short")
	failing := func() (*rsa.PrivateKey, error) { return nil, errors.New("no entropy") }
	for _, tc := range []struct {
		name string
		site int64
		opts token.Options
	}{
		{"unknown site", 999, token.Options{KeyGen: tokentest.KeyGen()}},
		{"short random source", siteID, token.Options{Rand: bytes.NewReader(make([]byte, 15)), KeyGen: tokentest.KeyGen()}},
		{"key generator fails", siteID, token.Options{KeyGen: failing}},
	} {
		keys := token.NewKeys(db, newBox(t), tc.opts)
		if _, err := keys.Sign(ctx, tc.site, map[string]any{"sub": "u"}); err == nil {
			t.Errorf("%s: signed", tc.name)
		}
		if _, err := keys.Rotate(ctx, tc.site); err == nil {
			t.Errorf("%s: rotated", tc.name)
		}
	}
}

func TestCanceledContext(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	keys := newKeys(db, newBox(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := keys.Sign(ctx, newSite(t, db, "3_ctx"), map[string]any{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// racingStore lets another process store the site's key just before this
// process's insert: the insert loses.
type racingStore struct {
	token.KeyStore
	other *token.Keys
}

func (s racingStore) CreateSiteKey(ctx context.Context, k token.StoredKey) (bool, error) {
	if _, err := s.other.PublicJWK(ctx, k.SiteID); err != nil {
		return false, err
	}
	return s.KeyStore.CreateSiteKey(ctx, k)
}

// The process that loses the race to store a key uses the winner's.
func TestLoserUsesWinnersKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		siteID := newSite(t, db, "3_lose")
		box := newBox(t)
		winner := newKeys(db, box, nil)
		loser := newKeys(racingStore{KeyStore: db, other: winner}, box, nil)
		got, err := loser.PublicJWK(ctx, siteID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := winner.PublicJWK(ctx, siteID)
		if err != nil {
			t.Fatal(err)
		}
		if got.KeyID != want.KeyID || !got.Key.(*rsa.PublicKey).Equal(want.Key) {
			t.Fatalf("loser has kid %s, winner %s", got.KeyID, want.KeyID)
		}
	})
}
