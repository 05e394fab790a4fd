package jwt_test

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

	"github.com/custos-id/custos/internal/jwt"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
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

// countingStore counts the calls reaching the store.
type countingStore struct {
	jwt.KeyStore
	reads, creates atomic.Int32
}

func (s *countingStore) SiteKey(ctx context.Context, siteID int64) (jwt.StoredKey, error) {
	s.reads.Add(1)
	return s.KeyStore.SiteKey(ctx, siteID)
}

func (s *countingStore) CreateSiteKey(ctx context.Context, k jwt.StoredKey) (bool, error) {
	s.creates.Add(1)
	return s.KeyStore.CreateSiteKey(ctx, k)
}

func TestSignVerify(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		siteID := newSite(t, db, "3_sign")
		box := newBox(t)
		cs := &countingStore{KeyStore: db}
		keys := jwt.NewKeys(cs, box, jwt.Options{Now: func() time.Time { return t0 }, RSABits: 2048})

		now := time.Now().Unix()
		claims := map[string]any{
			"iss":    "https://fidm.gigya.com/jwt/3_sign/",
			"apiKey": "3_sign",
			"sub":    "uid-1",
			"iat":    now,
			"exp":    now + 300,
			"email":  "ann@example.com",
		}
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

		parsed, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		h := parsed.Headers[0]
		if h.KeyID != jwk.KeyID || h.Algorithm != "RS256" || h.ExtraHeaders[jose.HeaderType] != "JWT" {
			t.Fatalf("header %+v, want kid %q", h, jwk.KeyID)
		}
		var (
			std josejwt.Claims
			all map[string]any
		)
		if err := parsed.Claims(jwk, &std, &all); err != nil {
			t.Fatalf("verify: %v", err)
		}
		if err := std.Validate(josejwt.Expected{Issuer: "https://fidm.gigya.com/jwt/3_sign/", Subject: "uid-1"}); err != nil {
			t.Fatal(err)
		}
		if all["apiKey"] != "3_sign" || all["email"] != "ann@example.com" || std.IssuedAt.Time().Unix() != now ||
			std.Expiry.Time().Unix() != now+300 {
			t.Fatalf("claims %v", all)
		}

		// The key is stored under its kid, sealed: the DER opens with the
		// master key and the site's AAD, and does not appear in the row.
		stored, err := db.SiteKey(ctx, siteID)
		if err != nil || stored.KID != jwk.KeyID || stored.Alg != "RS256" || !stored.CreatedAt.Equal(t0) {
			t.Fatalf("stored key %+v, %v", stored, err)
		}
		der, err := box.Open(stored.PrivateSealed, jwt.SealAAD(siteID))
		if err != nil {
			t.Fatal(err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatal(err)
		}
		if !priv.(*rsa.PrivateKey).PublicKey.Equal(jwk.Key) || priv.(*rsa.PrivateKey).N.BitLen() != 2048 {
			t.Fatal("stored private key does not match the public JWK")
		}
		if bytes.Contains(stored.PrivateSealed, der) || bytes.Contains(stored.PrivateSealed, der[len(der)-64:]) {
			t.Fatal("private key stored in clear")
		}
		if _, err := box.Open(stored.PrivateSealed, jwt.SealAAD(siteID+1)); err == nil {
			t.Fatal("sealed key opens with another site's AAD")
		}

		// Later calls are served from memory.
		reads, creates := cs.reads.Load(), cs.creates.Load()
		if creates != 1 {
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
		forged, _ := json.Marshal(map[string]any{"sub": "uid-2", "apiKey": "3_sign"})
		parts[1] = base64.RawURLEncoding.EncodeToString(forged)
		bad, err := josejwt.ParseSigned(strings.Join(parts, "."), []jose.SignatureAlgorithm{jose.RS256})
		if err == nil {
			err = bad.Claims(jwk, &all)
		}
		if err == nil {
			t.Fatal("forged token verified")
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
		procs := []*jwt.Keys{jwt.NewKeys(stores[0], box, jwt.Options{}), jwt.NewKeys(stores[1], box, jwt.Options{})}

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
		stored, err := db.SiteKey(ctx, siteID)
		if err != nil {
			t.Fatal(err)
		}
		for _, kid := range kids {
			if kid != stored.KID {
				t.Fatalf("kids %v, stored %s", kids, stored.KID)
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
		parsed, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatal(err)
		}
		var c josejwt.Claims
		if err := parsed.Claims(jwk, &c); err != nil || c.Subject != "u" {
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
		good := jwt.NewKeys(db, newBox(t), jwt.Options{Rand: bytes.NewReader(kidBytes)})
		jwk, err := good.PublicJWK(ctx, siteID)
		if err != nil {
			t.Fatal(err)
		}
		if jwk.KeyID != hex.EncodeToString(kidBytes) {
			t.Fatalf("kid %q, want %x", jwk.KeyID, kidBytes)
		}
		wrong := jwt.NewKeys(db, newBox(t), jwt.Options{})
		if tok, err := wrong.Sign(ctx, siteID, map[string]any{"sub": "u"}); err == nil || !errors.Is(err, secretbox.ErrOpen) {
			t.Fatalf("Sign with a wrong master key = %q, %v; want ErrOpen", tok, err)
		}
		if _, err := wrong.PublicJWK(ctx, siteID); !errors.Is(err, secretbox.ErrOpen) {
			t.Fatalf("PublicJWK with a wrong master key: %v", err)
		}
		if stored, err := db.SiteKey(ctx, siteID); err != nil || stored.KID != jwk.KeyID {
			t.Fatalf("stored key after failures: %+v, %v", stored, err)
		}
	})
}

// A site that does not exist gets an error, not a key.
func TestUnknownSite(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	keys := jwt.NewKeys(db, newBox(t), jwt.Options{})
	if _, err := keys.Sign(context.Background(), 999, map[string]any{"sub": "u"}); err == nil {
		t.Fatal("signed for an unknown site")
	}
	// A short random source is an error, not a weak key id.
	siteID := newSite(t, db, "3_short")
	short := jwt.NewKeys(db, newBox(t), jwt.Options{Rand: bytes.NewReader(make([]byte, 15))})
	if _, err := short.Sign(context.Background(), siteID, map[string]any{}); err == nil {
		t.Fatal("key id from a short random source")
	}
}

func TestCanceledContext(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	keys := jwt.NewKeys(db, newBox(t), jwt.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := keys.Sign(ctx, newSite(t, db, "3_ctx"), map[string]any{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// racingStore lets another process store the site's key just before this
// process's insert: the insert loses.
type racingStore struct {
	jwt.KeyStore
	other *jwt.Keys
}

func (s racingStore) CreateSiteKey(ctx context.Context, k jwt.StoredKey) (bool, error) {
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
		winner := jwt.NewKeys(db, box, jwt.Options{})
		loser := jwt.NewKeys(racingStore{KeyStore: db, other: winner}, box, jwt.Options{})
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
