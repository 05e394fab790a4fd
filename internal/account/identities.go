package account

import (
	"context"
	"errors"
	"time"
)

// StoredIdentity is an identity as the store keeps it: attached to an
// account. LastLoginAt is the last login made with it (zero: none yet).
type StoredIdentity struct {
	Identity
	AccountID            int64
	CreatedAt, UpdatedAt time.Time
	LastLoginAt          time.Time
}

// PendingIdentity is the identity of a social login that conflicts with an
// account (its email is that account's login ID): it waits, under the
// regToken answered, for the user to prove they own that account.
type PendingIdentity struct {
	Identity
	// TokenHash is the hash of the regToken it waits under.
	TokenHash []byte
	SiteID    int64
	// ConflictAccountID is the account whose login ID the email is.
	ConflictAccountID int64
	CreatedAt         time.Time
	// BrowserHash is the SHA-256 of the binding of the browser whose
	// redirect flow met the conflict (SocialInput.Browser), nil when an
	// API call met it: only that browser may link it by a redirect flow.
	BrowserHash []byte
}

// LinkToken is the kind of the regToken of a pending identity. It is
// spent when the identity is linked: who gave the proof gets a new
// RegToken (or a session), never the holder of the LinkToken.
const LinkToken TokenKind = "link"

// ErrIdentityTaken is returned by a Store when the identity (site,
// provider, provider UID) is attached to an account already, or the
// account holds an identity of that provider already.
var ErrIdentityTaken = errors.New("identity attached already")

// IdentityStore keeps identities and pending identities.
type IdentityStore interface {
	// CreateIdentity attaches id to id.AccountID: ErrIdentityTaken when
	// the identity is attached already or the account holds one of the provider.
	CreateIdentity(ctx context.Context, siteID int64, id StoredIdentity) error
	// IdentityByProviderUID finds the identity of the site by provider,
	// issuer (Identity.Issuer) and provider uid: ErrNotFound when none.
	IdentityByProviderUID(ctx context.Context, siteID int64, provider, issuer, providerUID string) (StoredIdentity, error)
	// Identities lists the identities of an account, oldest first.
	Identities(ctx context.Context, accountID int64) ([]StoredIdentity, error)
	// UpdateIdentity writes the email, email_verified, profile, updated_at
	// and last_login_at of the identity: ErrNotFound when it is gone.
	UpdateIdentity(ctx context.Context, siteID int64, id StoredIdentity) error
	// DeleteIdentity detaches the identity of provider from the account:
	// ErrNotFound when the account holds none.
	DeleteIdentity(ctx context.Context, accountID int64, provider string) error
	// CreatePendingIdentity stores p under its regToken (stored before),
	// replacing the pending identities of the same identity in the site
	// (and deleting their tokens).
	CreatePendingIdentity(ctx context.Context, p PendingIdentity) error
	// PendingIdentityByHash finds the pending identity of a regToken: ErrNotFound when none.
	PendingIdentityByHash(ctx context.Context, hash []byte) (PendingIdentity, error)
}
