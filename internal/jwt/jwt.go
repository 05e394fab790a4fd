// Package jwt signs the JSON Web Tokens custos issues (accounts.getJWT, the
// id_token of accounts.login and accounts.verifyLogin) and publishes the keys
// that verify them (accounts.getJWTPublicKey).
//
// Every site has its own RSA signing key, made on first use and kept in the
// store with its private half sealed under the master key (secretbox, bound
// to the site id). Tokens are compact JWS, RS256, with the header fields
// alg, kid and typ "JWT".
//
// This package does not choose claims: Sign signs the map it is given. The
// method layer builds it, as Gigya does (gigya-api.md §2.6):
//
//   - iss: the issuer URL, which SDK verifiers compare (Gigya's is
//     "https://fidm.gigya.com/jwt/<apiKey>/");
//   - apiKey: the site's API key;
//   - sub: the account's UID;
//   - iat, exp: NumericDate seconds (int64 Unix seconds), exp = iat +
//     expiration (default 300 s);
//   - aud: when the request gives an audience;
//   - the requested profile fields (email, firstName, …) and, as Gigya
//     sometimes adds, isLoggedIn and email_verified.
package jwt

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"

	"github.com/custos-id/custos/internal/secretbox"
)

// Alg is the JWS algorithm of every token and key: RSASSA-PKCS1-v1_5 with
// SHA-256.
const Alg = "RS256"

// DefaultRSABits is the size of a new signing key unless Options says
// otherwise.
const DefaultRSABits = 2048

// ErrNoKey is returned by a KeyStore when a site has no signing key yet.
var ErrNoKey = errors.New("jwt: site has no signing key")

// StoredKey is a site's signing key as the store keeps it.
type StoredKey struct {
	SiteID int64
	// KID is the key id: the kid header of tokens and of the public JWK.
	// Unique across sites.
	KID string
	// Alg is the JWS algorithm the key signs with ("RS256").
	Alg string
	// PrivateSealed is the PKCS#8 DER of the private key, sealed with
	// secretbox under the master key and the associated data SealAAD(SiteID).
	PrivateSealed []byte
	CreatedAt     time.Time
}

// KeyStore keeps one signing key per site.
type KeyStore interface {
	// SiteKey returns the key of site siteID, or ErrNoKey.
	SiteKey(ctx context.Context, siteID int64) (StoredKey, error)
	// CreateSiteKey stores k unless site k.SiteID already has a key. Of
	// processes racing to create a site's key, exactly one gets created=true;
	// the others get created=false and no error, and read the winner's key.
	CreateSiteKey(ctx context.Context, k StoredKey) (created bool, err error)
}

// Options tune Keys. The zero value is fine for production.
type Options struct {
	// Now gives the creation time of new keys; time.Now by default.
	Now func() time.Time
	// Rand is the source of key ids; crypto/rand by default. (RSA key
	// generation always uses crypto/rand: since Go 1.26 rsa.GenerateKey
	// ignores its reader.)
	Rand io.Reader
	// RSABits is the size of new keys; DefaultRSABits by default. Keys
	// already stored keep their size.
	RSABits int
}

// Keys signs tokens with the sites' keys, creating a site's key on first use.
// Opened keys are cached in memory. It is safe for concurrent use.
type Keys struct {
	store KeyStore
	box   *secretbox.Box
	now   func() time.Time
	rand  io.Reader
	bits  int

	mu    sync.Mutex
	sites map[int64]*siteSlot
}

// siteSlot holds one site's key once loaded. lock (a one-slot semaphore, so
// that waiting can give up with the context) is held by the one goroutine
// loading or creating the key: a process never generates a site's key twice.
type siteSlot struct {
	lock chan struct{}
	key  *siteKey // set under lock; never changes once set
}

// siteKey is an opened signing key.
type siteKey struct {
	kid    string
	priv   *rsa.PrivateKey
	signer jose.Signer
}

// NewKeys returns Keys over store, opening and sealing private keys with box.
func NewKeys(store KeyStore, box *secretbox.Box, opts Options) *Keys {
	k := &Keys{store: store, box: box, now: opts.Now, rand: opts.Rand, bits: opts.RSABits, sites: map[int64]*siteSlot{}}
	if k.now == nil {
		k.now = time.Now
	}
	if k.rand == nil {
		k.rand = rand.Reader
	}
	if k.bits == 0 {
		k.bits = DefaultRSABits
	}
	return k
}

// SealAAD is the associated data a site's private key is sealed with: a key
// moved to another site's row does not open.
func SealAAD(siteID int64) []byte {
	return []byte("jwt-key:" + strconv.FormatInt(siteID, 10))
}

// Sign returns claims as a compact JWS signed with the key of site siteID
// (RS256, header kid and typ "JWT"). claims must marshal to a JSON object.
func (k *Keys) Sign(ctx context.Context, siteID int64, claims map[string]any) (string, error) {
	key, err := k.key(ctx, siteID)
	if err != nil {
		return "", err
	}
	tok, err := josejwt.Signed(key.signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("jwt: sign for site %d: %w", siteID, err)
	}
	return tok, nil
}

// PublicJWK returns the public key that verifies the tokens of site siteID,
// with its KeyID, Algorithm "RS256" and Use "sig". It creates the site's key
// if there is none yet.
func (k *Keys) PublicJWK(ctx context.Context, siteID int64) (jose.JSONWebKey, error) {
	key, err := k.key(ctx, siteID)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	return jose.JSONWebKey{Key: &key.priv.PublicKey, KeyID: key.kid, Algorithm: Alg, Use: "sig"}, nil
}

// key returns the opened key of site siteID, from the cache, the store, or
// made now.
func (k *Keys) key(ctx context.Context, siteID int64) (*siteKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k.mu.Lock()
	slot, ok := k.sites[siteID]
	if !ok {
		slot = &siteSlot{lock: make(chan struct{}, 1)}
		k.sites[siteID] = slot
	}
	k.mu.Unlock()

	select {
	case slot.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-slot.lock }()
	if slot.key != nil {
		return slot.key, nil
	}
	key, err := k.load(ctx, siteID)
	if err != nil {
		return nil, err // not cached: the next call tries again
	}
	slot.key = key
	return key, nil
}

// load reads the site's key from the store, creating it when there is none.
func (k *Keys) load(ctx context.Context, siteID int64) (*siteKey, error) {
	stored, err := k.store.SiteKey(ctx, siteID)
	if errors.Is(err, ErrNoKey) {
		stored, err = k.create(ctx, siteID)
	}
	if err != nil {
		return nil, fmt.Errorf("jwt: signing key of site %d: %w", siteID, err)
	}
	key, err := k.open(stored, siteID)
	if err != nil {
		return nil, fmt.Errorf("jwt: signing key %q of site %d: %w", stored.KID, siteID, err)
	}
	return key, nil
}

// create makes, seals and stores a new key for the site, and returns the
// site's key: the new one, or the one another process stored first.
func (k *Keys) create(ctx context.Context, siteID int64) (StoredKey, error) {
	id := make([]byte, 16)
	if _, err := io.ReadFull(k.rand, id); err != nil {
		return StoredKey{}, fmt.Errorf("key id: %w", err)
	}
	priv, err := rsa.GenerateKey(rand.Reader, k.bits)
	if err != nil {
		return StoredKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return StoredKey{}, err
	}
	stored := StoredKey{
		SiteID:        siteID,
		KID:           hex.EncodeToString(id),
		Alg:           Alg,
		PrivateSealed: k.box.Seal(der, SealAAD(siteID)),
		CreatedAt:     k.now(),
	}
	clear(der)
	created, err := k.store.CreateSiteKey(ctx, stored)
	if err != nil {
		return StoredKey{}, err
	}
	if created {
		return stored, nil
	}
	return k.store.SiteKey(ctx, siteID) // another process won
}

// open unseals and checks a stored key.
func (k *Keys) open(stored StoredKey, siteID int64) (*siteKey, error) {
	if stored.SiteID != siteID {
		return nil, fmt.Errorf("stored for site %d", stored.SiteID)
	}
	if stored.Alg != Alg {
		return nil, fmt.Errorf("algorithm %q, want %s", stored.Alg, Alg)
	}
	if stored.KID == "" {
		return nil, errors.New("empty key id")
	}
	der, err := k.box.Open(stored.PrivateSealed, SealAAD(siteID))
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	clear(der)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is a %T, want RSA", parsed)
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: stored.KID, Algorithm: Alg}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return nil, err
	}
	return &siteKey{kid: stored.KID, priv: priv, signer: signer}, nil
}
