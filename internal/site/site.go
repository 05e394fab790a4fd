// Package site holds sites (tenants): their API keys, secrets and domains.
package site

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/screenset"
)

// SecretSize is the number of random bytes of a site secret.
const SecretSize = 32

// Site is a tenant of custos. Its users, policies and keys belong to it.
type Site struct {
	ID     int64
	Name   string
	APIKey string
	// Secret is the site secret in clear: the RPC dialect's HMAC key and the
	// REST dialect's Basic password (both as base64). It is stored sealed.
	Secret  []byte
	Domains []string
	// RequireReferrer: client calls must come from a page of the domains.
	RequireReferrer bool
	Policies        policy.Policies
	// Schema says what accounts' profile, data, preferences and
	// subscriptions hold and who writes them.
	Schema schema.Schema
	// WebSDKConfig is a JSON object the Web SDK (/js/gigya.js) merges into
	// its global configuration, as Gigya's console "WebSDK Configuration";
	// {} when the site sets none.
	WebSDKConfig json.RawMessage
	// ScreenSetScripts lets the javascript of the site's stored screen-sets
	// run in its pages (/js/screenset-hooks.js); off by default.
	ScreenSetScripts bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Record is a site as the store keeps it, with its secret sealed.
type Record struct {
	ID              int64
	Name            string
	APIKey          string
	SealedSecret    []byte
	Domains         []string
	RequireReferrer bool
	// Policies is the JSON of the site's policies (see package policy).
	Policies string
	// Schema is the JSON of the site's schema (see package schema); empty
	// until the site sets one.
	Schema string
	// WebSDKConfig is the JSON object of Site.WebSDKConfig; "" reads as {}.
	WebSDKConfig     string
	ScreenSetScripts bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ErrNotFound is returned by a Store when no site matches.
var ErrNotFound = errors.New("site not found")

// Store keeps sites and their application keys, and answers for the data
// in schema fields.
type Store interface {
	SiteStore
	AppKeyStore
	FieldStore
}

// SiteStore keeps the site records.
type SiteStore interface {
	// CreateSite inserts r and sets r.ID.
	CreateSite(ctx context.Context, r *Record) error
	// CreateFirstSite inserts r, and sets r.ID, only when there is no site
	// yet; of processes racing on one database, exactly one creates it.
	CreateFirstSite(ctx context.Context, r *Record) (created bool, err error)
	SiteByID(ctx context.Context, id int64) (Record, error)
	SiteByAPIKey(ctx context.Context, apiKey string) (Record, error)
	ListSites(ctx context.Context) ([]Record, error)
	// UpdateSite reads site id, lets fn edit it and writes it back, all in
	// one transaction: concurrent updates of a site queue, none is lost.
	// An error of fn aborts and writes nothing; ErrNotFound when there is
	// no such site. updated_at always moves forward: when fn leaves it at
	// or before the value read, the store sets it a millisecond later, in
	// the record fn edited. ID, APIKey and CreatedAt are never written.
	// tx answers for the accounts' data and writes the site's screen-sets
	// within the same transaction.
	UpdateSite(ctx context.Context, id int64, fn func(r *Record, tx Tx) error) error
}

// Tx is the store within the transaction of a site change.
type Tx interface {
	FieldStore
	screenset.Writer
}

// FieldStore answers for the data accounts hold in one field of a schema,
// so that a field holding data keeps its type and is not dropped unseen.
// object is "profile", "data", "preferences" or "subscriptions"; path is the
// field's keys below it. A value inside an array of objects counts: path
// ["kids", "name"] finds {"kids": [{"name": "x"}]}.
type FieldStore interface {
	// FieldInUse tells whether an account of the site holds a non-null
	// value at path of object.
	FieldInUse(ctx context.Context, siteID int64, object string, path []string) (bool, error)
	// RemoveFieldData removes the value at path of object from every
	// account of the site that holds one, moving each one's updated_at
	// forward (so a writer that read it before loses with ErrChanged), and
	// drops the field's unique values; it returns how many accounts changed.
	RemoveFieldData(ctx context.Context, siteID int64, object string, path []string) (int64, error)
	// DeleteUniqueValues forgets the unique values of field (its dotted
	// path, such as "data.memberId"), when the field stops being unique.
	DeleteUniqueValues(ctx context.Context, siteID int64, field string) error
}

// AppKeyStore keeps the application keys of sites.
type AppKeyStore interface {
	CreateAppKey(ctx context.Context, k AppKeyRecord) error
	// AppKeyByUserKey returns ErrKeyNotFound when there is none.
	AppKeyByUserKey(ctx context.Context, userKey string) (AppKeyRecord, error)
	ListAppKeys(ctx context.Context, siteID int64) ([]AppKeyRecord, error)
	RevokeAppKey(ctx context.Context, siteID int64, userKey string, at time.Time) error
}
