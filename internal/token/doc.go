// Package token builds and signs the JSON Web Tokens custos issues (the
// id_token of accounts.getJWT, accounts.login and accounts.verifyLogin) and
// publishes the keys that verify them (accounts.getJWTPublicKey).
//
// Claims builds a token's claims from an account, whatever dialect asked
// for it. Keys signs them with the site's signing key.
//
// Every site has a key set: a chain of RSA keys, each with the time it
// starts signing. The signing key is the newest that has started; the keys
// it replaced keep verifying for Retention after their successor took over,
// so that every token they signed expires first. Rotate publishes a new key
// at once but lets it sign only CacheTTL later: processes cache the set for
// CacheTTL, so by then every one of them has read the set again and
// publishes the key. That holds as far as the processes' clocks agree: one
// whose clock runs ahead of another's signs with the new key that much
// before the other publishes it, and the time between Rotate choosing the
// moment and the store committing it (waiting for a concurrent rotation's
// lock included) shortens the margin the same way. A relying party that
// caches a key set longer than CacheTTL misses the new key as well. Relying
// parties must therefore fetch the key set again when a token names a kid
// they do not know.
//
// Each key is addressed by its kid, stored with its private half sealed
// under the master key (secretbox, bound to the site id). A site's first key
// is made on first use and signs at once. Tokens are compact JWS, RS256,
// with the header fields alg, kid and typ "JWT".
package token
