// Package token builds and signs the JSON Web Tokens custos issues (the
// id_token of accounts.getJWT, accounts.login and accounts.verifyLogin) and
// publishes the keys that verify them (accounts.getJWTPublicKey).
//
// Claims builds a token's claims from an account, whatever dialect asked
// for it. Keys signs them with the site's active key.
//
// Every site has a key set: one active RSA key, which signs, and the keys it
// replaced, which keep verifying for Retention after Rotate retired them, so
// that every token they signed expires first. Each key is addressed by its
// kid, stored with its private half sealed under the master key (secretbox,
// bound to the site id). A site's first key is made on first use. Tokens are
// compact JWS, RS256, with the header fields alg, kid and typ "JWT".
package token
