// Package account holds the accounts of a site's users and their login IDs.
package account

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/custos-id/custos/errcode"
)

// MaxLoginIDLen bounds an email or username, in bytes (RFC 5321 path limit).
const MaxLoginIDLen = 254

// LoginIDKind tells an email from a username.
type LoginIDKind string

// The kinds of login ID.
const (
	Email    LoginIDKind = "email"
	Username LoginIDKind = "username"
)

// LoginID is an identifier a user logs in with, normalized for comparison.
type LoginID struct {
	Kind  LoginIDKind
	Value string
}

// Account is a user of a site.
type Account struct {
	ID     int64
	SiteID int64
	// UID is the public identifier, 32 lower-case hex characters.
	UID           string
	Username      string
	Email         string
	Active        bool
	EmailVerified bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastLoginAt   time.Time // zero until the first login
}

// Errors a Store returns.
var (
	ErrNotFound = errors.New("account not found")
	// ErrLoginIDTaken is returned when a unique login ID is already in use.
	ErrLoginIDTaken = errors.New("login ID taken")
)

// Store keeps accounts. Uniqueness of login IDs within a site is the store's
// job (a unique index), never a read before a write.
type Store interface {
	// CreateAccount inserts a and its login IDs in one transaction and sets
	// a.ID; ErrLoginIDTaken when a login ID is in use.
	CreateAccount(ctx context.Context, a *Account, ids []LoginID) error
	// AccountByLoginID finds the account whose login ID has id's value and kind.
	AccountByLoginID(ctx context.Context, siteID int64, id LoginID) (Account, error)
	LoginIDExists(ctx context.Context, siteID int64, id LoginID) (bool, error)
}

// ParseLoginID normalizes a login ID as the user typed it: an email when it
// contains "@", a username otherwise. Both compare case-insensitively.
// Unicode text is put in NFC form first, so that "é" typed as one code point
// or as "e" and a combining accent is the same login ID.
func ParseLoginID(param, s string) (LoginID, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return LoginID{}, errcode.Missing(param)
	case len(s) > MaxLoginIDLen:
		return LoginID{}, errcode.InvalidValue(param, "longer than 254 bytes")
	case !utf8.ValidString(s) || strings.ContainsFunc(s, isControl):
		return LoginID{}, errcode.InvalidFormat(param, "contains invalid characters")
	}
	// Lower-casing can lengthen a string (U+023A Ⱥ, two bytes, becomes U+2C65 ⱥ, three).
	v := strings.ToLower(norm.NFC.String(s))
	if len(v) > MaxLoginIDLen {
		return LoginID{}, errcode.InvalidValue(param, "longer than 254 bytes")
	}
	kind := Username
	if strings.Contains(v, "@") {
		kind = Email
	}
	return LoginID{Kind: kind, Value: v}, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
