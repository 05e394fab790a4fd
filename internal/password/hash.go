// Package password hashes and verifies account passwords and checks them
// against the site's password complexity policy.
//
// New hashes are argon2id in the PHC string format, so that the parameters
// travel with each hash and can be raised later: Verify reports when a stored
// hash was made with other parameters, and the caller then stores a new hash
// of the password it has just verified. Imported hashes (Encode: Gigya's
// algorithms, Modular Crypt and PHC strings, Keycloak's and Kratos' forms,
// remote verifiers; see legacy.go) verify too and always ask to be rehashed.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// MaxLength is the longest password in bytes. It bounds the work an attacker
// can ask of the server with one request; Policy.Check reports it to users.
const MaxLength = 1024

// ErrTooLong is returned by Hash for a password longer than MaxLength bytes.
var ErrTooLong = fmt.Errorf("password: longer than %d bytes", MaxLength)

// ErrMalformedHash is returned (wrapped) by Verify when the stored hash is not
// a supported, well-formed encoding within the allowed cost bounds.
var ErrMalformedHash = errors.New("password: malformed or unsupported hash")

// Params are the argon2id parameters of new hashes.
type Params struct {
	// Memory is in KiB.
	Memory  uint32
	Time    uint32
	Threads uint8
	// SaltLen and KeyLen are in bytes.
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams returns the OWASP recommendation for argon2id: 19 MiB, two
// passes, one lane, 16-byte salt, 32-byte key.
func DefaultParams() Params {
	return Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters, both for new hashes and for stored hashes, so that a
// hash this package makes always verifies here and a hostile or corrupt stored
// hash cannot make Verify allocate without bound or spin for hours.
const (
	maxMemory     = 4 << 20 // KiB, i.e. 4 GiB
	maxTime       = 100
	minSaltLen    = 8 // RFC 9106 minimum
	maxSaltLen    = 256
	minKeyLen     = 16 // shorter tags make a false match plausible
	maxKeyLen     = 256
	maxBcryptCost = 16 // about seconds per check; legacy hashes use 10..14
	// maxEncodedLen is more than any encoding within the bounds above.
	maxEncodedLen = 1024
)

// limits are the bounds applied to stored hashes. They are a field of Hasher
// only so that tests (the fuzz target) can tighten them.
type limits struct {
	maxMemory     uint32
	maxTime       uint32
	maxBcryptCost int
	// legacy hashes (legacy.go)
	maxPBKDF2Work uint64
	maxScryptMem  uint64
	maxPhpassLog2 int
}

var defaultLimits = limits{maxMemory: maxMemory, maxTime: maxTime, maxBcryptCost: maxBcryptCost,
	maxPBKDF2Work: maxPBKDF2Work, maxScryptMem: maxScryptMem, maxPhpassLog2: maxPhpassLog2}

func (l limits) check(p Params) error {
	switch {
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads):
		return errors.New("memory must be at least 8 KiB per thread")
	case p.Memory > l.maxMemory:
		return fmt.Errorf("memory must be at most %d KiB", l.maxMemory)
	case p.Time < 1 || p.Time > l.maxTime:
		return fmt.Errorf("time must be 1..%d", l.maxTime)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length must be %d..%d bytes", minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length must be %d..%d bytes", minKeyLen, maxKeyLen)
	}
	return nil
}

// Hasher hashes and verifies passwords. Each hash costs Params.Memory of RAM,
// so a semaphore bounds how many run at once: a login flood then queues
// instead of exhausting memory. Use NewHasher; a Hasher is safe for concurrent
// use.
type Hasher struct {
	p     Params
	sem   chan struct{}
	lim   limits
	dummy string // VerifyDummy's target: random salt and key, h's params

	// client calls the remote verifiers of custom hashes; remoteSem bounds
	// those calls apart from sem, so that a slow verifier holds no slot of
	// the hashing that every other login needs, and hosts bounds each
	// verifier's share of them, so that one slow verifier (one site's) holds
	// no slot another's logins need.
	client    *http.Client
	remoteSem chan struct{}
	hosts     hostSlots

	// Test hooks: waiting runs when a caller finds no free slot, acquired
	// once it holds one (before computing).
	waiting, acquired func()
}

// NewHasher returns a Hasher making hashes with p and running at most
// maxConcurrent hash computations at once (runtime.GOMAXPROCS(0) if
// maxConcurrent <= 0).
func NewHasher(p Params, maxConcurrent int) (*Hasher, error) {
	if err := defaultLimits.check(p); err != nil {
		return nil, fmt.Errorf("password: invalid params: %w", err)
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{p: p, sem: make(chan struct{}, maxConcurrent), lim: defaultLimits,
		client: DefaultHTTPClient(), remoteSem: make(chan struct{}, maxRemoteCalls),
		hosts: hostSlots{per: maxRemoteCallsPerHost, m: map[string]chan struct{}{}}}
	// Random bytes in place of a real key cost the same to verify against and
	// need no argon2 run here; no password matches them.
	h.dummy = encode(p, randomBytes(p.SaltLen), randomBytes(p.KeyLen))
	return h, nil
}

// Params returns the parameters of h's new hashes.
func (h *Hasher) Params() Params { return h.p }

// Hash returns the argon2id PHC string of password with a random salt. It
// waits for a free slot, or returns ctx.Err() when ctx is done first; once
// started, the computation is not interrupted.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > MaxLength {
		return "", ErrTooLong
	}
	if err := h.acquire(ctx, h.sem); err != nil {
		return "", err
	}
	defer h.release(h.sem)
	salt := randomBytes(h.p.SaltLen)
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.Memory, h.p.Threads, h.p.KeyLen)
	return encode(h.p, salt, key), nil
}

// Verify reports whether password matches encoded, an argon2id PHC string, a
// bcrypt hash ($2a$, $2b$, $2y$) or another legacy hash that Encode stores
// (see legacy.go). rehash is true when the password matches but encoded is
// not argon2id with h's parameters: the caller should then store a new Hash
// of password. A malformed or too costly encoding returns an error wrapping
// ErrMalformedHash; a password longer than MaxLength matches nothing.
// Waiting for a slot returns ctx.Err() when ctx is done first. A custom
// hash's remote verifier that fails returns an error wrapping neither.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	if isBcrypt(encoded) {
		return h.verifyBcrypt(ctx, password, encoded)
	}
	if !strings.HasPrefix(encoded, "$argon2id$") {
		return h.verifyLegacy(ctx, password, encoded)
	}
	p, salt, key, err := h.lim.parse(encoded)
	if err != nil {
		return false, false, err
	}
	if len(password) > MaxLength {
		return false, false, nil
	}
	if err := h.acquire(ctx, h.sem); err != nil {
		return false, false, err
	}
	defer h.release(h.sem)
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	ok = subtle.ConstantTimeCompare(got, key) == 1
	return ok, ok && p != h.p, nil
}

// VerifyDummy does the work of a Verify of a hash with h's params and throws
// the result away. Call it when the login ID is unknown so that an unknown
// login ID and a wrong password take about the same time.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) {
	_, _, _ = h.Verify(ctx, password, h.dummy)
}

func (h *Hasher) verifyBcrypt(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	cost, err := bcrypt.Cost([]byte(encoded))
	if err != nil {
		return false, false, fmt.Errorf("%w: bcrypt: %v", ErrMalformedHash, err)
	}
	if cost > h.lim.maxBcryptCost {
		return false, false, fmt.Errorf("%w: bcrypt cost %d above %d", ErrMalformedHash, cost, h.lim.maxBcryptCost)
	}
	if len(password) > MaxLength {
		return false, false, nil
	}
	if err := h.acquire(ctx, h.sem); err != nil {
		return false, false, err
	}
	defer h.release(h.sem)
	switch err := bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password)); {
	case err == nil:
		return true, true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, false, nil
	default:
		return false, false, fmt.Errorf("%w: bcrypt: %v", ErrMalformedHash, err)
	}
}

func (h *Hasher) acquire(ctx context.Context, sem chan struct{}) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case sem <- struct{}{}:
	default:
		if h.waiting != nil {
			h.waiting()
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if h.acquired != nil {
		h.acquired()
	}
	return nil
}

func (h *Hasher) release(sem chan struct{}) { <-sem }

// isBcrypt reports whether s has the shape of a bcrypt hash:
// $2a$NN$ then 53 characters of bcrypt's base64 alphabet (salt and hash).
func isBcrypt(s string) bool {
	if len(s) != 60 || !strings.HasPrefix(s, "$2") || s[3] != '$' || s[6] != '$' {
		return false
	}
	switch s[2] {
	case 'a', 'b', 'y':
	default:
		return false
	}
	if s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' {
		return false
	}
	for i := 7; i < len(s); i++ {
		c := s[i]
		if !(c == '.' || c == '/' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

const phcPrefix = "$argon2id$v=19$"

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", phcPrefix, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// parse decodes a PHC argon2id string strictly: version 19, the parameters m,
// t, p in that order as canonical decimals, unpadded standard base64, and
// every value within l and the package's bounds.
func (l limits) parse(s string) (p Params, salt, key []byte, err error) {
	malformed := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	if len(s) > maxEncodedLen {
		return malformed("too long")
	}
	rest, found := strings.CutPrefix(s, phcPrefix)
	if !found {
		return malformed("not $argon2id$v=19$")
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 3 {
		return malformed("want params$salt$hash")
	}
	params := strings.Split(fields[0], ",")
	if len(params) != 3 {
		return malformed("want m=,t=,p=")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(params[i], name)
		if !ok {
			return malformed("want m=,t=,p=")
		}
		if v == "" || len(v) > 1 && v[0] == '0' || strings.TrimLeft(v, "0123456789") != "" {
			return malformed("bad number " + strconv.Quote(params[i]))
		}
		if vals[i], err = strconv.ParseUint(v, 10, 32); err != nil {
			return malformed("number out of range " + strconv.Quote(params[i]))
		}
	}
	if vals[2] > 255 {
		return malformed("p out of range")
	}
	if salt, err = decodeB64(fields[1], maxSaltLen); err != nil {
		return malformed("salt: " + err.Error())
	}
	if key, err = decodeB64(fields[2], maxKeyLen); err != nil {
		return malformed("hash: " + err.Error())
	}
	p = Params{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2]),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := l.check(p); err != nil {
		return malformed(err.Error())
	}
	return p, salt, key, nil
}

// decodeB64 decodes canonical unpadded standard base64 of at most max bytes.
// The decoder alone would skip CR and LF.
func decodeB64(s string, max int) ([]byte, error) {
	if len(s) > base64.RawStdEncoding.EncodedLen(max) {
		return nil, errors.New("too long")
	}
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("bad base64")
	}
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("bad base64")
	}
	return b, nil
}

func randomBytes(n uint32) []byte {
	b := make([]byte, n)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}
