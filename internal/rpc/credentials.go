package rpc

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/site"
)

// Nonces records the nonces of signed requests.
type Nonces interface {
	// UseNonce is false when the nonce was seen before (a replay).
	UseNonce(ctx context.Context, siteID int64, nonce string, expires time.Time) (bool, error)
}

const maxNonceLen = 256

// credentials checks what the request carries to prove who sends it, and
// fills c: a Bearer JWT of an application key, a signature (with the site
// secret, an application key's secret or a mobile session's secret), a
// secret in clear, or a session token.
func (h *Handler) credentials(r *http.Request, c *Call) error {
	p, st := c.Params, c.Site
	auth := r.Header.Get("Authorization")
	scheme, value, _ := strings.Cut(auth, " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if p.Get("sig") != "" || p.Get("secret") != "" || p.Get("userKey") != "" {
			return errcode.New(errcode.InvalidRequestFormat, "Invalid request format: a Bearer token comes alone, without sig, secret or userKey")
		}
		return h.bearer(r.Context(), c, strings.TrimSpace(value))
	case p.Get("sig") != "":
		return h.signed(r, c)
	case p.Get("secret") != "":
		if !c.Secure {
			return errcode.New(errcode.SecretSentOverHTTP, "Secret Sent Over Http: send the secret over HTTPS")
		}
		secret := st.Secret
		if uk := p.Get("userKey"); uk != "" {
			k, err := h.sites.Key(r.Context(), st.ID, uk)
			if err != nil {
				return err
			}
			secret, c.Key = k.Secret, &k
		}
		if !site.SecretEquals(secret, p.Get("secret")) {
			return errcode.New(errcode.InvalidSecret, "Invalid Secret")
		}
		c.Server = true
	case strings.EqualFold(scheme, "OAuth"):
		c.sessionToken = strings.TrimSpace(value)
	case p.Get("oauth_token") != "":
		c.sessionToken = p.Get("oauth_token")
	}
	return nil
}

// signed checks a request signed with timestamp, nonce and sig: 400097 no
// timestamp, 400098 an unreadable one, 403002 outside the window, 403003
// a wrong signature, 403004 a nonce seen before.
func (h *Handler) signed(r *http.Request, c *Call) error {
	ctx, p, st := r.Context(), c.Params, c.Site
	// Nonces are kept per signer, so that no signer can spend another's.
	key, signer := st.Secret, "site:"
	if tok := p.Get("oauth_token"); tok != "" {
		// A mobile session signs as its user, with its own secret.
		sess, a, secret, err := h.sessions.SessionSecret(ctx, st, tok)
		if err != nil {
			return err
		}
		key, c.Session, c.Account = secret, &sess, &a
		signer = fmt.Sprintf("session:%d:", sess.ID)
	} else if uk := p.Get("userKey"); uk != "" {
		k, err := h.sites.Key(ctx, st.ID, uk)
		if err != nil {
			return err
		}
		key, c.Key, signer = k.Secret, &k, "key:"+k.UserKey+":"
	}
	ts, err := h.timestamp(p.Get("timestamp"))
	if err != nil {
		return err
	}
	nonce := p.Get("nonce")
	switch {
	case nonce == "":
		return errcode.Missing("nonce")
	case len(nonce) > maxNonceLen:
		return errcode.InvalidValue("nonce", fmt.Sprintf("longer than %d characters", maxNonceLen))
	}
	if !authn.Matches(key, p.Get("sig"), r.Method, h.signedURLs(r), p.values) {
		return errcode.New(errcode.InvalidRequestSignature, "Invalid request signature")
	}
	// A secret sent as well must be right, and sent over HTTPS: nothing
	// sent is ignored.
	if s := p.Get("secret"); s != "" {
		if !c.Secure {
			return errcode.New(errcode.SecretSentOverHTTP, "Secret Sent Over Http: send the secret over HTTPS")
		}
		if !site.SecretEquals(key, s) {
			return errcode.New(errcode.InvalidSecret, "Invalid Secret")
		}
	}
	if err := h.useNonce(ctx, st.ID, signer+nonce, ts); err != nil {
		return err
	}
	c.Server = c.Session == nil
	return nil
}

// timestamp reads a request timestamp (seconds or milliseconds) and checks
// it is within authn.Window of the server's clock.
func (h *Handler) timestamp(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errcode.New(errcode.MissingRequiredTimestampParameter, "Missing required parameter: timestamp")
	}
	t, ok := authn.ParseTimestamp(s)
	if !ok {
		return time.Time{}, errcode.New(errcode.InvalidTimestampParameter, "Invalid timestamp parameter: want Unix seconds or milliseconds")
	}
	if now := h.now(); t.Before(now.Add(-authn.Window)) || t.After(now.Add(authn.Window)) {
		return time.Time{}, errcode.Newf(errcode.RequestExpired,
			"Request has expired: the timestamp differs from the server time (%s, Unix %d) by more than %d seconds; correct the clock with the Date header",
			now.UTC().Format(time.RFC3339), now.Unix(), int(authn.Window.Seconds()))
	}
	return t, nil
}

// useNonce records a nonce until its timestamp can no longer pass the
// window, with a window to spare for servers whose clocks differ.
func (h *Handler) useNonce(ctx context.Context, siteID int64, nonce string, ts time.Time) error {
	fresh, err := h.nonces.UseNonce(ctx, siteID, nonce, ts.Add(2*authn.Window))
	if err != nil {
		return err
	}
	if !fresh {
		return errcode.New(errcode.DuplicateNonce, "Duplicate nonce: this nonce was used already")
	}
	return nil
}

// signedURLs are the URLs a signature may have been made over: the URL as
// received, over http and https (SDKs disagree on the scheme they sign
// behind a proxy), with and without an explicit port (the .NET SDK drops
// it), and the canonical Gigya URL of the configured data center, which the
// Node.js SDK always signs.
func (h *Handler) signedURLs(r *http.Request) []string {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, ""
	}
	path := r.URL.EscapedPath()
	var urls []string
	for _, scheme := range []string{"https", "http"} {
		urls = append(urls, authn.NormalizeURL(scheme, host, port, path))
		if port != "" {
			urls = append(urls, authn.NormalizeURL(scheme, host, "", path))
		}
	}
	ns, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), ".")
	domain := h.dataCenter + ".gigya.com"
	if h.dataCenter == "cn1" {
		domain = "cn1.gigya-api.cn"
	}
	return append(urls, "https://"+strings.ToLower(ns)+"."+domain+path)
}

// bearer checks an RS256 JWT of an application key: header kid = userKey,
// claims iat (within the window) and jti (a nonce).
func (h *Handler) bearer(ctx context.Context, c *Call, token string) error {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(jws.Signatures) != 1 {
		return errcode.New(errcode.InvalidToken, "Invalid token: not an RS256 JWT")
	}
	k, err := h.sites.Key(ctx, c.Site.ID, jws.Signatures[0].Header.KeyID)
	if err != nil {
		return err
	}
	if k.PublicKey == "" {
		return errcode.New(errcode.InvalidToken, "Invalid token: the key has no public key for JWTs")
	}
	pub, err := site.ParseRSAPublicKey(k.PublicKey)
	if err != nil {
		return err
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		return errcode.New(errcode.InvalidRequestSignature, "Invalid request signature: the JWT does not verify with the key")
	}
	var claims struct {
		IAT json.Number `json:"iat"`
		JTI string      `json:"jti"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.IAT == "" || claims.JTI == "" || len(claims.JTI) > maxNonceLen {
		return errcode.New(errcode.InvalidToken, "Invalid token: want the claims iat and jti")
	}
	ts, err := h.timestamp(claims.IAT.String())
	if err != nil {
		return err
	}
	if err := h.useNonce(ctx, c.Site.ID, "jwt:"+k.UserKey+":"+claims.JTI, ts); err != nil {
		return err
	}
	c.Key, c.Server = &k, true
	return nil
}
