package rpc

import (
	"context"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/authn"
)

// allJWTPublicKeys answers accounts.getJWTPublicKey called without an
// apiKey: with V2, the keys of every site of this server. Gigya's keys are
// per data center and the SDKs fetch and cache them so: the .NET SDK asks
// https://accounts.<apiDomain>/accounts.getJWTPublicKey?V2=true with no
// apiKey at all (JwtUtils.FetchPublicKey of SAP/gigya-dotnet-sdk), the PHP
// SDK caches the set per API domain (JWTUtils). Without V2 there is no one
// key to answer: 400092. The answer may be cached while it holds
// (token.Published); the issuer (iss) tells one site's tokens from
// another's.
func (x Accounts) allJWTPublicKeys(ctx context.Context, c *Call) (any, error) {
	if v2, err := c.Params.Bool("V2", false); err != nil {
		return nil, err
	} else if !v2 {
		return nil, errcode.New(errcode.MissingAPIKey,
			"Missing required parameter: apiKey (without one, accounts.getJWTPublicKey answers the keys of every site with V2=true)")
	}
	sites, err := x.Sites.List(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(sites))
	for i, st := range sites {
		ids[i] = st.ID
	}
	set, holds, err := x.Keys.Published(ctx, ids)
	if err != nil {
		return nil, err
	}
	c.CacheFor(holds)
	return obj{"keys": set.Keys}, nil
}

// sdkMethods are the methods Gigya's server SDKs call beside the account
// methods proper: the UIDSignature exchange of application keys, the custom
// login of sites with their own user store, and the socialize.* names of
// the same operations that existing code still calls.
func sdkMethods(x Accounts) map[string]Method {
	exchange := Method{Auth: Server, Run: x.exchangeUIDSignature, Params: []string{
		"UID", "UIDSignature", "signatureTimestamp"}}
	return map[string]Method{
		"accounts.exchangeUIDSignature":  exchange,
		"socialize.exchangeUIDSignature": exchange,
	}
}

// exchangeUIDSignature checks a UIDSignature that custos gave a client (made
// with the site secret) and answers one made with the calling application
// key's secret, which a server holding only that key can check (SigUtils of
// every SDK: Base64(HMAC-SHA1(secret, "<signatureTimestamp>_<UID>"))). The
// key is the caller's: userKey and its secret, a signature made with it, or
// its Bearer JWT (Gigya documents userKey as "the user key of the user
// making the request" and secret as the one that validates the answer).
func (x Accounts) exchangeUIDSignature(ctx context.Context, c *Call) (any, error) {
	if c.Key == nil {
		return nil, errcode.New(errcode.MissingRequiredParameter,
			"Missing required parameter: userKey (the new UIDSignature is made with the calling application key's secret)")
	}
	var vals [3]string
	for i, name := range []string{"UID", "UIDSignature", "signatureTimestamp"} {
		v, err := c.Params.Required(name)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	sig, ts, err := authn.ExchangeUIDSignature(c.Site.Secret, c.Key.Secret, vals[0], vals[1], vals[2], x.Now())
	if err != nil {
		return nil, err
	}
	return obj{"UID": vals[0], "UIDSignature": sig, "signatureTimestamp": ts}, nil
}
