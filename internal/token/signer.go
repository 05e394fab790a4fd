package token

import (
	"context"
	"crypto"
)

// Signer returns the key that signs the site's tokens now and its kid, for
// a library that signs JWTs itself (the OpenID Provider's op package); it
// creates the site's key if there is none yet.
func (k *Keys) Signer(ctx context.Context, siteID int64) (kid string, key crypto.Signer, err error) {
	set, err := k.keySet(ctx, siteID)
	if err != nil {
		return "", nil, err
	}
	sign := set.signing(k.now())
	return sign.kid, sign.priv, nil
}
