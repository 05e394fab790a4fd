// Package secretbox encrypts small secrets at rest (site secrets, signing keys)
// with AES-256-GCM under a master key.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a master key in bytes.
const KeySize = 32

// version prefixes every sealed value so that a later key or algorithm change
// can tell old values from new ones.
const version = 1

// ErrOpen is returned when a sealed value does not open: wrong master key,
// wrong associated data, or a damaged value.
var ErrOpen = errors.New("secretbox: cannot open sealed value (wrong master key or damaged data)")

// Box seals and opens values under one master key.
type Box struct{ aead cipher.AEAD }

// New returns a Box for a KeySize-byte master key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: master key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext bound to aad (which must be given again to open it).
// The result is version || nonce || ciphertext.
func (b *Box) Seal(plaintext, aad []byte) []byte {
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	out[0] = version
	rand.Read(out[1:]) // crypto/rand.Read never fails (Go 1.24+)
	return b.aead.Seal(out, out[1:], plaintext, aad)
}

// Open decrypts a value made by Seal with the same aad.
func (b *Box) Open(sealed, aad []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// LoadKeyFile reads a master key file: the base64 encoding of KeySize bytes.
// When create is true and the file does not exist, a random key is written
// to it first with mode 0600.
func LoadKeyFile(path string, create bool) (key []byte, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		if created, err = writeNewKey(path); err != nil {
			return nil, false, err
		}
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("master key: %w", err)
	}
	key, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != KeySize {
		return nil, false, fmt.Errorf("master key %s: want the base64 encoding of %d random bytes", path, KeySize)
	}
	return key, created, nil
}

// writeNewKey writes a complete key file to a temporary name, then links it
// to path: the file appears whole or not at all, and of two processes
// starting at once one links and the other finds the file there.
func writeNewKey(path string) (created bool, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("master key: %w", err)
	}
	f, err := os.CreateTemp(dir, ".masterkey-*")
	if err != nil {
		return false, fmt.Errorf("master key: %w", err)
	}
	defer os.Remove(f.Name())
	key := make([]byte, KeySize)
	rand.Read(key)
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(f.Name(), path)
	}
	switch {
	case errors.Is(err, os.ErrExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("master key: %w", err)
	}
	return true, nil
}
