package token

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
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

// CacheTTL is how long a process signs with, and publishes, the key set it
// read before it reads the set again. It is also how long a rotated-in key
// is published before it signs: by then every process has read the set again
// and publishes it.
const CacheTTL = time.Minute

// Retention is how long a retired key stays in the key set and verifies
// after its successor took over: until every token it signed has expired
// (MaxLifetime), and CacheTTL more as a margin for processes whose clocks
// run behind.
const Retention = MaxLifetime + CacheTTL

// ErrUnknownKey is returned by Verify when a token names no live key of the
// site.
var ErrUnknownKey = errors.New("token: unknown signing key")

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
	// ActivateAt is when the key starts signing. Before, it is pending:
	// published, so that relying parties know it before any token names it.
	ActivateAt time.Time
	// RetiredAt is when the key stops signing: when its successor
	// activates. Zero for the site's newest key, which has none.
	RetiredAt time.Time
}

// KeyStore keeps the key sets of the sites. A site's keys form a chain
// ordered by ActivateAt, each retired when the next activates: the newest
// key (pending or signing) has no RetiredAt, every other one has.
type KeyStore interface {
	// SiteKeys returns the keys of site siteID not retired before
	// retiredSince, newest (latest ActivateAt) first. A site without keys has
	// none.
	SiteKeys(ctx context.Context, siteID int64, retiredSince time.Time) ([]StoredKey, error)
	// CreateSiteKey stores k, activating at k.ActivateAt, as the first key of
	// site k.SiteID unless the site has a key. Of processes racing to create
	// a site's key, exactly one gets created=true; the others get
	// created=false and no error.
	CreateSiteKey(ctx context.Context, k StoredKey) (created bool, err error)
	// RotateSiteKey appends k to the site's chain in one transaction: k
	// activates at k.ActivateAt, or 1 ms after the newest key if that one
	// activates as late or later (rotations queue, none is skipped), and
	// the newest key is retired at that moment. A site without a key gets k
	// as its first, activating at k.CreatedAt: no process can have
	// published another. It returns when k activates. Racing rotations run
	// one after the other.
	RotateSiteKey(ctx context.Context, k StoredKey) (activateAt time.Time, err error)
}

// Rotation is the outcome of Rotate: the new key, and when it starts
// signing.
type Rotation struct {
	Key        jose.JSONWebKey
	ActivateAt time.Time
}

// KeyGen makes the private half of a new signing key.
type KeyGen func() (*rsa.PrivateKey, error)

// Options tune Keys. The zero value is fine for production.
type Options struct {
	// Now gives the creation and activation times of keys, the time key
	// sets are read at and the time a signing key is chosen for; time.Now
	// by default.
	Now func() time.Time
	// Rand is the source of key ids; crypto/rand by default.
	Rand io.Reader
	// RSABits is the size of new keys; DefaultRSABits by default. Keys
	// already stored keep their size.
	RSABits int
	// KeyGen makes new keys; by default RSA keys of RSABits from
	// crypto/rand. Tests pass tokentest.KeyGen() so that none generates one.
	KeyGen KeyGen
}

// Keys signs tokens with the sites' signing keys, creating a site's first
// key on first use, and publishes the keys that verify them. Key sets are
// cached in memory for CacheTTL. It is safe for concurrent use.
type Keys struct {
	store  KeyStore
	box    *secretbox.Box
	now    func() time.Time
	rand   io.Reader
	keyGen KeyGen

	mu    sync.Mutex
	sites map[int64]*siteSlot
}

// siteSlot holds one site's key set once read. lock (a one-slot semaphore, so
// that waiting can give up with the context) is held by the one goroutine
// reading, creating or rotating the site's keys: a process never generates
// a site's first key twice.
type siteSlot struct {
	lock chan struct{}
	set  *keySet // set under lock
}

// keySet is a site's keys as read at one time: newest (latest activation)
// first.
type keySet struct {
	readAt time.Time
	keys   []*openKey
}

// openKey is an opened signing key.
type openKey struct {
	kid      string
	priv     *rsa.PrivateKey
	signer   jose.Signer
	activate time.Time
	retired  time.Time // zero: the site's newest key
}

// NewKeys returns Keys over store, opening and sealing private keys with box.
func NewKeys(store KeyStore, box *secretbox.Box, opts Options) *Keys {
	k := &Keys{store: store, box: box, now: opts.Now, rand: opts.Rand, keyGen: opts.KeyGen, sites: map[int64]*siteSlot{}}
	if k.now == nil {
		k.now = time.Now
	}
	if k.rand == nil {
		k.rand = rand.Reader
	}
	if k.keyGen == nil {
		bits := opts.RSABits
		if bits == 0 {
			bits = DefaultRSABits
		}
		// Since Go 1.26 rsa.GenerateKey ignores its reader: always
		// crypto/rand.
		k.keyGen = func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, bits) }
	}
	return k
}

// SealAAD is the associated data a site's private keys are sealed with: a
// key moved to another site's row does not open.
func SealAAD(siteID int64) []byte {
	return []byte("jwt-key:" + strconv.FormatInt(siteID, 10))
}

// Sign returns claims as a compact JWS signed with the signing key of site
// siteID (RS256, header kid and typ "JWT"). claims must marshal to a JSON
// object.
func (k *Keys) Sign(ctx context.Context, siteID int64, claims map[string]any) (string, error) {
	set, err := k.keySet(ctx, siteID)
	if err != nil {
		return "", err
	}
	tok, err := josejwt.Signed(set.signing(k.now()).signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("token: sign for site %d: %w", siteID, err)
	}
	return tok, nil
}

// PublicJWK returns the public key of the site's signing key, with its
// KeyID, Algorithm "RS256" and Use "sig". It creates the site's key if there
// is none yet.
func (k *Keys) PublicJWK(ctx context.Context, siteID int64) (jose.JSONWebKey, error) {
	set, err := k.keySet(ctx, siteID)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	return set.signing(k.now()).public(), nil
}

// JWKS returns the public keys of every live key of the site: the signing
// key first (relying parties that take the first key get the one that
// signs now), then the pending keys in the order they will sign, then the
// retired keys that still verify, most recently retired first.
func (k *Keys) JWKS(ctx context.Context, siteID int64) (jose.JSONWebKeySet, error) {
	out, _, err := k.PublicSet(ctx, siteID)
	return out, err
}

// Verify checks a compact JWS made by Sign with the live key of site siteID
// its kid header names (any key JWKS publishes), and that it has not
// expired; it decodes the claims
// into each of out (as josejwt.JSONWebToken.Claims does).
func (k *Keys) Verify(ctx context.Context, siteID int64, token string, out ...any) error {
	parsed, err := josejwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return err
	}
	set, err := k.keySet(ctx, siteID)
	if err != nil {
		return err
	}
	now := k.now()
	kid := parsed.Headers[0].KeyID
	for _, key := range set.live(now) {
		if key.kid != kid {
			continue
		}
		var std josejwt.Claims
		if err := parsed.Claims(&key.priv.PublicKey, append([]any{&std}, out...)...); err != nil {
			return err
		}
		return std.ValidateWithLeeway(josejwt.Expected{Time: now}, 0)
	}
	return ErrUnknownKey
}

// Rotate adds a new key to the key set of site siteID. It is published at
// once but signs only from CacheTTL later, when every process has read the
// set again and publishes it too; the key it replaces signs until then and
// verifies for Retention after. A rotation while another key is pending
// queues after it (see KeyStore.RotateSiteKey). A site's first key signs at
// once. The promise holds as far as the processes' clocks agree, less the
// time the store takes to commit the rotation.
func (k *Keys) Rotate(ctx context.Context, siteID int64) (Rotation, error) {
	slot, err := k.lock(ctx, siteID)
	if err != nil {
		return Rotation{}, err
	}
	defer func() { <-slot.lock }()
	stored, err := k.newKey(siteID)
	if err != nil {
		return Rotation{}, err
	}
	stored.ActivateAt = ceilMillis(stored.CreatedAt.Add(CacheTTL))
	at, err := k.store.RotateSiteKey(ctx, stored)
	if err != nil {
		return Rotation{}, fmt.Errorf("token: rotate the key of site %d: %w", siteID, err)
	}
	slot.set = nil // read again, with the new key
	key, err := k.open(stored, siteID)
	if err != nil {
		return Rotation{}, err
	}
	return Rotation{Key: key.public(), ActivateAt: at}, nil
}

// ceilMillis rounds t up to the millisecond, the precision of the store: a
// key must not activate before CacheTTL has passed.
func ceilMillis(t time.Time) time.Time {
	r := t.Truncate(time.Millisecond)
	if r.Before(t) {
		r = r.Add(time.Millisecond)
	}
	return r
}

// lock returns the site's slot, locked; the caller unlocks it with <-slot.lock.
func (k *Keys) lock(ctx context.Context, siteID int64) (*siteSlot, error) {
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
		return slot, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// keySet returns the site's key set, from the cache if read within CacheTTL,
// else from the store, creating the site's first key when it has none.
func (k *Keys) keySet(ctx context.Context, siteID int64) (*keySet, error) {
	return k.cachedSet(ctx, siteID, true)
}

// cachedSet returns the site's key set, from the cache if read within
// CacheTTL, else from the store; without a key, it makes the site's first
// when create is set, else answers nil.
func (k *Keys) cachedSet(ctx context.Context, siteID int64, create bool) (*keySet, error) {
	slot, err := k.lock(ctx, siteID)
	if err != nil {
		return nil, err
	}
	defer func() { <-slot.lock }()
	now := k.now()
	if slot.set != nil && fresh(slot.set.readAt, now) {
		return slot.set, nil
	}
	set, err := k.read(ctx, siteID, now, slot.set, create)
	if err != nil || set == nil {
		return nil, err // not cached: the next call tries again
	}
	slot.set = set
	return set, nil
}

// fresh tells whether a key set read at readAt still serves at now: both
// the monotonic and the wall-clock age must be under CacheTTL. The monotonic
// clock stops while the host is suspended, so after a long suspend only the
// wall clock tells that the set is stale; a wall clock set back (a negative
// age) tells nothing, so the set is read again.
func fresh(readAt, now time.Time) bool {
	wall := now.Round(0).Sub(readAt.Round(0))
	return now.Sub(readAt) < CacheTTL && wall >= 0 && wall < CacheTTL
}

// read reads the site's live keys from the store, creating the first key
// when the site has none and create is set (else nil). A site's newest key
// is never retired: without one, the site has no key. Keys of prev are not
// opened again.
func (k *Keys) read(ctx context.Context, siteID int64, now time.Time, prev *keySet, create bool) (*keySet, error) {
	stored, err := k.store.SiteKeys(ctx, siteID, now.Add(-Retention))
	if err == nil && (len(stored) == 0 || !stored[0].RetiredAt.IsZero()) {
		if !create {
			return nil, nil
		}
		stored, err = k.create(ctx, siteID, now)
	}
	if err != nil {
		return nil, fmt.Errorf("token: signing keys of site %d: %w", siteID, err)
	}
	return k.build(siteID, stored, now, prev)
}

// build opens the stored keys of a site (newest first) into the set read at
// now. Keys of prev are not opened again.
func (k *Keys) build(siteID int64, stored []StoredKey, now time.Time, prev *keySet) (*keySet, error) {
	opened := map[string]*openKey{}
	if prev != nil {
		for _, key := range prev.keys {
			opened[key.kid] = key
		}
	}
	set := &keySet{readAt: now}
	for _, s := range stored {
		key, ok := opened[s.KID]
		if !ok {
			var err error
			if key, err = k.open(s, siteID); err != nil {
				return nil, fmt.Errorf("token: signing key %q of site %d: %w", s.KID, siteID, err)
			}
		}
		key = &openKey{kid: key.kid, priv: key.priv, signer: key.signer, activate: s.ActivateAt, retired: s.RetiredAt}
		set.keys = append(set.keys, key)
	}
	return set, nil
}

// create makes, seals and stores the site's first key, signing at once, and
// returns the site's keys: with the new key, or the one another process
// stored first.
func (k *Keys) create(ctx context.Context, siteID int64, now time.Time) ([]StoredKey, error) {
	stored, err := k.newKey(siteID)
	if err != nil {
		return nil, err
	}
	stored.ActivateAt = stored.CreatedAt
	if _, err := k.store.CreateSiteKey(ctx, stored); err != nil {
		return nil, err
	}
	keys, err := k.store.SiteKeys(ctx, siteID, now.Add(-Retention))
	if err == nil && (len(keys) == 0 || !keys[0].RetiredAt.IsZero()) {
		err = errors.New("no key after creating one")
	}
	return keys, err
}

// newKey makes and seals a new key for the site.
func (k *Keys) newKey(siteID int64) (StoredKey, error) {
	id := make([]byte, 16)
	if _, err := io.ReadFull(k.rand, id); err != nil {
		return StoredKey{}, fmt.Errorf("token: key id: %w", err)
	}
	priv, err := k.keyGen()
	if err != nil {
		return StoredKey{}, fmt.Errorf("token: new key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return StoredKey{}, err
	}
	defer clear(der)
	return StoredKey{
		SiteID:        siteID,
		KID:           hex.EncodeToString(id),
		Alg:           Alg,
		PrivateSealed: k.box.Seal(der, SealAAD(siteID)),
		CreatedAt:     k.now(),
	}, nil
}

// open unseals and checks a stored key.
func (k *Keys) open(stored StoredKey, siteID int64) (*openKey, error) {
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
	return &openKey{kid: stored.KID, priv: priv, signer: signer, activate: stored.ActivateAt, retired: stored.RetiredAt}, nil
}

// public is the key's public JWK.
func (key *openKey) public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &key.priv.PublicKey, KeyID: key.kid, Algorithm: Alg, Use: "sig"}
}

// signing returns the key that signs at now: the newest that has activated.
// Were none activated (a clock behind the one that made the site's first
// key), the oldest.
func (s *keySet) signing(now time.Time) *openKey {
	for _, key := range s.keys {
		if !key.activate.After(now) {
			return key
		}
	}
	return s.keys[len(s.keys)-1]
}

// live returns the keys that verify at now, in the order JWKS publishes
// them: the signing key, the pending keys (activating after now) oldest
// first, then the keys retired within Retention, newest first.
func (s *keySet) live(now time.Time) []*openKey {
	sign := s.signing(now)
	out := make([]*openKey, 0, len(s.keys))
	out = append(out, sign)
	for _, key := range slices.Backward(s.keys) {
		if key != sign && key.activate.After(now) {
			out = append(out, key)
		}
	}
	for _, key := range s.keys {
		if key != sign && !key.activate.After(now) && !key.retired.Add(Retention).Before(now) {
			out = append(out, key)
		}
	}
	return out
}
