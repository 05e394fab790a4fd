package site

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
)

// AppKey is an application key of a site: a userKey with its own secret,
// limited to some methods, revocable on its own.
type AppKey struct {
	UserKey string
	SiteID  int64
	Name    string
	Secret  []byte
	// Scopes are method names ("accounts.getAccountInfo") or namespaces
	// ("accounts.*"); none means every method.
	Scopes []string
	// PublicKey is the PEM of an RSA public key that signs Bearer JWTs.
	PublicKey string
	CreatedAt time.Time
	RevokedAt time.Time
}

// AppKeyRecord is an application key as the store keeps it.
type AppKeyRecord struct {
	AppKey
	SecretSealed []byte
}

// ErrKeyNotFound is returned by a store when no application key matches.
var ErrKeyNotFound = errors.New("application key not found")

// Allows tells whether the key may call method.
func (k AppKey) Allows(method string) bool {
	if len(k.Scopes) == 0 {
		return true
	}
	for _, s := range k.Scopes {
		if strings.EqualFold(s, method) || s == "*" {
			return true
		}
		if ns, ok := strings.CutSuffix(s, ".*"); ok && strings.HasPrefix(strings.ToLower(method), strings.ToLower(ns)+".") {
			return true
		}
	}
	return false
}

// SecretBase64 is the key's secret as clients hold it.
func (k AppKey) SecretBase64() string { return base64.StdEncoding.EncodeToString(k.Secret) }

// CreateKey makes an application key of site id.
func (s *Service) CreateKey(ctx context.Context, siteID int64, name string, scopes []string, publicKeyPEM string) (AppKey, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return AppKey{}, errcode.Missing("name")
	}
	if len(name) > MaxNameLen {
		return AppKey{}, errcode.InvalidValue("name", fmt.Sprintf("longer than %d characters", MaxNameLen))
	}
	for _, sc := range scopes {
		if !validScope(sc) {
			return AppKey{}, errcode.InvalidValue("scope", fmt.Sprintf("%q is not a method or namespace.*", sc))
		}
	}
	if publicKeyPEM != "" {
		if _, err := ParseRSAPublicKey(publicKeyPEM); err != nil {
			return AppKey{}, errcode.InvalidValue("public-key", err.Error())
		}
	}
	if _, err := s.ByID(ctx, siteID); err != nil {
		return AppKey{}, err
	}
	secret, err := s.random(SecretSize)
	if err != nil {
		return AppKey{}, err
	}
	kb, err := s.random(18)
	if err != nil {
		return AppKey{}, err
	}
	k := AppKey{UserKey: "AK" + base64.RawURLEncoding.EncodeToString(kb), SiteID: siteID, Name: name, Secret: secret,
		Scopes: scopes, PublicKey: publicKeyPEM, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	if k.Scopes == nil {
		k.Scopes = []string{}
	}
	rec := AppKeyRecord{AppKey: k, SecretSealed: s.box.Seal(secret, keyAAD(k.UserKey))}
	rec.Secret = nil
	if err := s.store.CreateAppKey(ctx, rec); err != nil {
		return AppKey{}, fmt.Errorf("create key: %w", err)
	}
	return k, nil
}

// Key returns the application key userKey of site siteID: ErrKeyNotFound
// when it is unknown, of another site or revoked.
func (s *Service) Key(ctx context.Context, siteID int64, userKey string) (AppKey, error) {
	if userKey == "" || len(userKey) > 64 {
		return AppKey{}, ErrKeyNotFound
	}
	if k, ok := s.keys.get(userKey); ok && k.SiteID == siteID {
		return k, nil
	}
	rec, err := s.store.AppKeyByUserKey(ctx, userKey)
	if err != nil {
		return AppKey{}, err
	}
	secret, err := s.box.Open(rec.SecretSealed, keyAAD(userKey))
	if err != nil {
		return AppKey{}, fmt.Errorf("key %s: %w", userKey, err)
	}
	k := rec.AppKey
	k.Secret = secret
	if !k.RevokedAt.IsZero() || k.SiteID != siteID {
		return AppKey{}, ErrKeyNotFound
	}
	s.keys.put(userKey, k)
	return k, nil
}

// RevokeKey revokes an application key; other processes stop accepting it
// within the cache TTL.
func (s *Service) RevokeKey(ctx context.Context, siteID int64, userKey string) error {
	if err := s.store.RevokeAppKey(ctx, siteID, userKey, s.now().UTC()); err != nil {
		return fmt.Errorf("key %q of site %d: %w", userKey, siteID, err)
	}
	s.keys.forget(userKey)
	return nil
}

func keyAAD(userKey string) []byte { return []byte("app-key:" + userKey) }

func validScope(s string) bool {
	if s == "*" {
		return true
	}
	ns, method, ok := strings.Cut(s, ".")
	return ok && ns != "" && method != "" && !strings.ContainsAny(s, " /") && len(s) <= 128
}

// ParseRSAPublicKey reads a PEM "PUBLIC KEY" (PKIX) or "RSA PUBLIC KEY" block.
func ParseRSAPublicKey(s string) (any, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("not a PEM public key")
	}
	if block.Type == "RSA PUBLIC KEY" {
		return x509.ParsePKCS1PublicKey(block.Bytes)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, errors.New("not a PEM public key")
	}
	return k, nil
}

// Keys returns the application keys of site id, revoked ones too, without
// their secrets.
func (s *Service) Keys(ctx context.Context, siteID int64) ([]AppKey, error) {
	if _, err := s.ByID(ctx, siteID); err != nil {
		return nil, err
	}
	recs, err := s.store.ListAppKeys(ctx, siteID)
	if err != nil {
		return nil, err
	}
	out := make([]AppKey, len(recs))
	for i, r := range recs {
		out[i] = r.AppKey
		out[i].Secret = nil
	}
	return out, nil
}
