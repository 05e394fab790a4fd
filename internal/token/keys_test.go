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

func TestSignVerify(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		siteID := newSite(t, db, "3_sign")
		box := newBox(t)
		cs := &countingStore{KeyStore: db}
		keys := newKeys(cs, box, func() time.Time { return t0 })

		now := t0.Unix()
		claims := map[string]any{"iss": "https://fidm.gigya.com/jwt/3_sign/", "apiKey": "3_sign", "sub": "uid-1",
			"iat": now, "exp": now + 300, "email": "ann@example.com"}
		tok, err := keys.Sign(ctx, siteID, claims)
		if err != nil {
			t.Fatal(err)
		}
		jwk, err := keys.PublicJWK(ctx, siteID)
		if err != nil {
			t.Fatal(err)
		}
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

		h, all, err := parse(t, tok, jwk)
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
		if err := keys.Verify(ctx, siteID, tok, &got); err != nil || got["sub"] != "uid-1" {
			t.Fatalf("Verify = %v, %v", got, err)
		}
		if set, err := keys.JWKS(ctx, siteID); err != nil || len(set.Keys) != 1 || set.Keys[0].KeyID != jwk.KeyID {
			t.Fatalf("JWKS = %+v, %v", set, err)
		}

		// The key is stored under its kid, sealed: the DER opens with the
		// master key and the site's AAD, and does not appear in the row.
		stored, err := db.SiteKeys(ctx, siteID, time.Time{})
		if err != nil || len(stored) != 1 || stored[0].KID != jwk.KeyID || stored[0].Alg != "RS256" ||
			!stored[0].CreatedAt.Equal(t0) || !stored[0].RetiredAt.IsZero() {
			t.Fatalf("stored keys %+v, %v", stored, err)
		}
		der, err := box.Open(stored[0].PrivateSealed, token.SealAAD(siteID))
		if err != nil {
			t.Fatal(err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatal(err)
		}
		if !priv.(*rsa.PrivateKey).PublicKey.Equal(jwk.Key) {
			t.Fatal("stored private key does not match the public JWK")
		}
		if bytes.Contains(stored[0].PrivateSealed, der[len(der)-64:]) {
			t.Fatal("private key stored in clear")
		}
		if _, err := box.Open(stored[0].PrivateSealed, token.SealAAD(siteID+1)); err == nil {
			t.Fatal("sealed key opens with another site's AAD")
		}

		// Later calls are served from memory.
		reads := cs.reads.Load()
		if creates := cs.creates.Load(); creates != 1 {
			t.Fatalf("%d keys created", creates)
		}
		for range 3 {
			if _, err := keys.Sign(ctx, siteID, claims); err != nil {
				t.Fatal(err)
			}
		}
		if cs.reads.Load() != reads {
			t.Fatal("cached key read again from the store")
		}

		// A token altered after signing does not verify.
		parts := strings.Split(tok, ".")
		forged, _ := json.Marshal(map[string]any{"sub": "uid-2", "apiKey": "3_sign", "exp": now + 300})
		parts[1] = base64.RawURLEncoding.EncodeToString(forged)
		if _, _, err := parse(t, strings.Join(parts, "."), jwk); err == nil {
			t.Fatal("forged token verified")
		}
		if err := keys.Verify(ctx, siteID, strings.Join(parts, "."), &got); err == nil {
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

// Rotation: tokens signed before still verify with the published key set
// until Retention has passed; new tokens carry the new kid.
func TestRotate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		siteID := newSite(t, db, "3_rotate")
		clk := &clock{t: t0}
		keys := newKeys(db, newBox(t), clk.now)
		exp := t0.Add(token.MaxLifetime).Unix()
		before, err := keys.Sign(ctx, siteID, map[string]any{"sub": "u", "exp": exp})
		if err != nil {
			t.Fatal(err)
		}
		old, _ := keys.PublicJWK(ctx, siteID)

		clk.advance(time.Minute)
		rotatedAt := clk.now()
		fresh, err := keys.Rotate(ctx, siteID)
		if err != nil {
			t.Fatal(err)
		}
		if fresh.KeyID == old.KeyID || fresh.Key.(*rsa.PublicKey).Equal(old.Key) {
			t.Fatalf("rotation kept the key %s", old.KeyID)
		}
		after, err := keys.Sign(ctx, siteID, map[string]any{"sub": "u", "exp": exp})
		if err != nil {
			t.Fatal(err)
		}
		if h, _, err := parse(t, after, fresh); err != nil || h.KeyID != fresh.KeyID {
			t.Fatalf("new token: kid %s, %v; want %s", h.KeyID, err, fresh.KeyID)
		}
		if active, _ := keys.PublicJWK(ctx, siteID); active.KeyID != fresh.KeyID {
			t.Fatalf("active key %s, want %s", active.KeyID, fresh.KeyID)
		}
		jwksKids := func() []string {
			set, err := keys.JWKS(ctx, siteID)
			if err != nil {
				t.Fatal(err)
			}
			var kids []string
			for _, k := range set.Keys {
				kids = append(kids, k.KeyID)
			}
			return kids
		}
		if kids := jwksKids(); !slices.Equal(kids, []string{fresh.KeyID, old.KeyID}) {
			t.Fatalf("JWKS kids %v, want new then old", kids)
		}
		for _, tok := range []string{before, after} {
			if err := keys.Verify(ctx, siteID, tok); err != nil {
				t.Fatalf("Verify after rotation: %v", err)
			}
		}

		// The old key stays until Retention after its retirement, then goes.
		clk.t = rotatedAt.Add(token.Retention)
		if kids := jwksKids(); len(kids) != 2 {
			t.Fatalf("JWKS at the end of the retention: %v", kids)
		}
		clk.advance(time.Millisecond)
		if kids := jwksKids(); !slices.Equal(kids, []string{fresh.KeyID}) {
			t.Fatalf("JWKS after the retention: %v", kids)
		}
		if err := keys.Verify(ctx, siteID, before); !errors.Is(err, token.ErrUnknownKey) {
			t.Fatalf("Verify with a key past retention: %v", err)
		}
	})
}

// A rotation by another process (custos site rotate-key) reaches a running
// one within CacheTTL; until then the running one still signs with a key
// that verifies.
func TestRotationReachesOtherProcess(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		siteID := newSite(t, db, "3_procs")
		box := newBox(t)
		clk := &clock{t: t0}
		gen := tokentest.KeyGen() // one generator: the two processes make different keys
		server := token.NewKeys(db, box, token.Options{Now: clk.now, KeyGen: gen})
		cli := token.NewKeys(db, box, token.Options{Now: clk.now, KeyGen: gen})
		old, err := server.PublicJWK(ctx, siteID)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := cli.Rotate(ctx, siteID)
		if err != nil {
			t.Fatal(err)
		}
		if jwk, _ := server.PublicJWK(ctx, siteID); jwk.KeyID != old.KeyID {
			t.Fatalf("key set read again before CacheTTL: %s", jwk.KeyID)
		}
		clk.advance(token.CacheTTL)
		tok, err := server.Sign(ctx, siteID, map[string]any{"sub": "u"})
		if err != nil {
			t.Fatal(err)
		}
		if h, _, err := parse(t, tok, fresh); err != nil || h.KeyID != fresh.KeyID {
			t.Fatalf("after CacheTTL: kid %s, %v; want %s", h.KeyID, err, fresh.KeyID)
		}
		set, err := server.JWKS(ctx, siteID)
		if err != nil || len(set.Keys) != 2 || set.Keys[0].KeyID != fresh.KeyID || set.Keys[1].KeyID != old.KeyID {
			t.Fatalf("JWKS = %+v, %v", set, err)
		}
	})
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
