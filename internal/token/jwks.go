package token

import (
	"context"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// PublicSet is JWKS, with how long the answer holds (see Published).
func (k *Keys) PublicSet(ctx context.Context, siteID int64) (jose.JSONWebKeySet, time.Duration, error) {
	set, err := k.keySet(ctx, siteID)
	if err != nil {
		return jose.JSONWebKeySet{}, 0, err
	}
	now := k.now()
	out := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, key := range set.live(now) {
		out.Keys = append(out.Keys, key.public())
	}
	return out, holds(set, now), nil
}

// Published returns the public keys of every site of siteIDs that has keys,
// each site's in the order of JWKS, and how long the answer holds: until
// the first of the key sets it was made of is read again (CacheTTL after it
// was read), for no key that is not in a set can sign before then (Rotate
// lets a new key sign CacheTTL after it is stored). It makes no key: a site
// without one has signed no token. Its first key, made on first use, signs
// at once, so a set published before lacks it; relying parties fetch the
// keys again when a token names a kid they do not know.
//
// Gigya's SDKs cache keys per API domain, not per site (the PHP SDK's
// JWTUtils keeps one file per domain, the .NET SDK fetches
// accounts.getJWTPublicKey?V2=true with no apiKey at all): this is the set
// they get.
func (k *Keys) Published(ctx context.Context, siteIDs []int64) (jose.JSONWebKeySet, time.Duration, error) {
	out := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	var until time.Duration
	seen := false
	for _, id := range siteIDs {
		set, err := k.existing(ctx, id)
		if err != nil {
			return jose.JSONWebKeySet{}, 0, err
		}
		if set == nil {
			continue
		}
		now := k.now()
		for _, key := range set.live(now) {
			out.Keys = append(out.Keys, key.public())
		}
		if h := holds(set, now); !seen || h < until {
			until, seen = h, true
		}
	}
	return out, until, nil
}

// existing returns the site's key set as keySet does, but makes no key: nil
// when the site has none.
func (k *Keys) existing(ctx context.Context, siteID int64) (*keySet, error) {
	return k.cachedSet(ctx, siteID, false)
}

// holds is how long set, read at set.readAt, still names every key that can
// sign at now: until CacheTTL after it was read. Whole seconds, the unit of
// HTTP's max-age, rounded down.
func holds(set *keySet, now time.Time) time.Duration {
	left := min(CacheTTL-now.Sub(set.readAt), CacheTTL)
	return max(left.Truncate(time.Second), 0)
}
