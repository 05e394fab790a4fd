package authn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/site"
)

// Sites finds sites and their application keys.
type Sites interface {
	// ByID finds a site: site.ErrNotFound when there is none.
	ByID(ctx context.Context, siteID int64) (site.Site, error)
	// Key finds an application key of a site: site.ErrKeyNotFound when it
	// is unknown, another site's or revoked.
	Key(ctx context.Context, siteID int64, userKey string) (site.AppKey, error)
}

// Sessions resolves session tokens.
type Sessions interface {
	Resolve(ctx context.Context, siteID int64, token string) (session.Session, account.Account, error)
	// ResolveReading reads of the account only what r says.
	ResolveReading(ctx context.Context, siteID int64, token string, r account.Read) (session.Session, account.Account, error)
	// Secret also opens the secret a mobile session signs with.
	Secret(ctx context.Context, siteID int64, token string) (session.Session, account.Account, []byte, error)
}

// Nonces records the nonces of signed requests and of JWTs.
type Nonces interface {
	// UseNonce is false when the nonce was seen before (a replay).
	UseNonce(ctx context.Context, siteID int64, nonce string, expires time.Time) (bool, error)
}

// MaxNonceLen bounds a nonce and a JWT's jti.
const MaxNonceLen = 256

// Verifier checks the proofs requests carry, one method per proof, and
// answers the Principal each proves. The adapters read the proof from their
// dialect and choose which proofs a method or route accepts.
type Verifier struct {
	sites    Sites
	sessions Sessions
	nonces   Nonces
	now      func() time.Time
	// oauth checks OAuth access tokens (UseOAuthTokens); nil: none is valid.
	oauth *oauthTokens
}

// NewVerifier returns a Verifier; now is the clock signatures and JWTs are
// checked against.
func NewVerifier(sites Sites, sessions Sessions, nonces Nonces, now func() time.Time) *Verifier {
	return &Verifier{sites: sites, sessions: sessions, nonces: nonces, now: now}
}

// Anonymous is the principal of a call that proves nothing: a client of
// the site.
func Anonymous(st site.Site) *Principal { return &Principal{Site: st} }

// Secret checks a secret sent in clear, over HTTPS only: the site's, or
// the application key's when userKey names one.
func (v *Verifier) Secret(ctx context.Context, st site.Site, userKey, secret string, secure bool) (*Principal, error) {
	if !secure {
		return nil, secretOverHTTP()
	}
	p := &Principal{Site: st, Proof: Secret, Server: true}
	key := st.Secret
	if userKey != "" {
		k, err := v.key(ctx, st.ID, userKey)
		if err != nil {
			return nil, err
		}
		key, p.Key = k.Secret, &k
	}
	if !site.SecretEquals(key, secret) {
		return nil, errcode.New(errcode.InvalidSecret, "Invalid Secret")
	}
	return p, nil
}

// Signed is a request signed with timestamp, nonce and sig, as the Gigya
// SDKs make them (reference §2.3 of gigya-api.md).
type Signed struct {
	// Method is the HTTP method; URLs are the normalized URLs the signature
	// may have been made over; Params are every parameter, sig included.
	Method string
	URLs   []string
	Params url.Values
	Sig    string
	// Timestamp is Unix seconds or milliseconds; Nonce is used once.
	Timestamp, Nonce string
	// UserKey names an application key that signed; SessionToken a mobile
	// session that signed; else the site's secret signed.
	UserKey, SessionToken string
	// Secret, when sent as well, must be right and come over HTTPS.
	Secret string
	Secure bool
}

// Signature checks a signed request: 400097 no timestamp, 400098 an
// unreadable one, 403002 outside the window, 403003 a wrong signature,
// 403004 a nonce seen before. A request a mobile session signs is that
// session's user; any other is a server's.
func (v *Verifier) Signature(ctx context.Context, st site.Site, s Signed) (*Principal, error) {
	p := &Principal{Site: st, Proof: Signature}
	// Nonces are kept per signer, so that no signer can spend another's.
	key, signer := st.Secret, "site:"
	if s.SessionToken != "" {
		sess, a, secret, err := v.sessions.Secret(ctx, st.ID, s.SessionToken)
		if err != nil {
			return nil, err
		}
		key, p.Session, p.Account = secret, &sess, &a
		signer = fmt.Sprintf("session:%d:", sess.ID)
	} else if s.UserKey != "" {
		k, err := v.key(ctx, st.ID, s.UserKey)
		if err != nil {
			return nil, err
		}
		key, p.Key, signer = k.Secret, &k, "key:"+k.UserKey+":"
	}
	ts, err := v.timestamp(s.Timestamp)
	if err != nil {
		return nil, err
	}
	switch {
	case s.Nonce == "":
		return nil, errcode.Missing("nonce")
	case len(s.Nonce) > MaxNonceLen:
		return nil, errcode.InvalidValue("nonce", fmt.Sprintf("longer than %d characters", MaxNonceLen))
	}
	if !Matches(key, s.Sig, s.Method, s.URLs, s.Params) {
		return nil, errcode.New(errcode.InvalidRequestSignature, "Invalid request signature")
	}
	// A secret sent as well must be right, and sent over HTTPS: nothing
	// sent is ignored.
	if s.Secret != "" {
		if !s.Secure {
			return nil, secretOverHTTP()
		}
		if !site.SecretEquals(key, s.Secret) {
			return nil, errcode.New(errcode.InvalidSecret, "Invalid Secret")
		}
	}
	if err := v.useNonce(ctx, st.ID, signer+s.Nonce, ts); err != nil {
		return nil, err
	}
	p.Server = p.Session == nil
	return p, nil
}

// Bearer checks an RS256 JWT of an application key: header kid = userKey,
// claims iat (within the window) and jti (a nonce).
func (v *Verifier) Bearer(ctx context.Context, st site.Site, token string) (*Principal, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(jws.Signatures) != 1 {
		return nil, errcode.New(errcode.InvalidToken, "Invalid token: not an RS256 JWT")
	}
	k, err := v.key(ctx, st.ID, jws.Signatures[0].Header.KeyID)
	if err != nil {
		return nil, err
	}
	if k.PublicKey == "" {
		return nil, errcode.New(errcode.InvalidToken, "Invalid token: the key has no public key for JWTs")
	}
	pub, err := site.ParseRSAPublicKey(k.PublicKey)
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		return nil, errcode.New(errcode.InvalidRequestSignature, "Invalid request signature: the JWT does not verify with the key")
	}
	var claims struct {
		IAT json.Number `json:"iat"`
		JTI string      `json:"jti"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.IAT == "" || claims.JTI == "" || len(claims.JTI) > MaxNonceLen {
		return nil, errcode.New(errcode.InvalidToken, "Invalid token: want the claims iat and jti")
	}
	ts, err := v.timestamp(claims.IAT.String())
	if err != nil {
		return nil, err
	}
	if err := v.useNonce(ctx, st.ID, "jwt:"+k.UserKey+":"+claims.JTI, ts); err != nil {
		return nil, err
	}
	return &Principal{Site: st, Proof: Bearer, Server: true, Key: &k}, nil
}

// Basic checks HTTP Basic credentials <siteId>:<secret>, over HTTPS only;
// they name the site as well as prove it.
func (v *Verifier) Basic(ctx context.Context, user, pass string, secure bool) (*Principal, error) {
	if !secure {
		return nil, errcode.New(errcode.SecretSentOverHTTP, "Secret Sent Over Http: call over HTTPS")
	}
	id, err := strconv.ParseInt(user, 10, 64)
	if err != nil || id <= 0 {
		return nil, errcode.New(errcode.InvalidSecret, "Invalid site credentials")
	}
	st, err := v.sites.ByID(ctx, id)
	switch {
	case errors.Is(err, site.ErrNotFound) || err == nil && !st.SecretMatches(pass):
		return nil, errcode.New(errcode.InvalidSecret, "Invalid site credentials")
	case err != nil:
		return nil, err
	}
	return &Principal{Site: st, Proof: Basic, Server: true}, nil
}

// Session resolves a session token (or the session cookie's value): the
// principal is that session's user, a client.
func (v *Verifier) Session(ctx context.Context, st site.Site, token string) (*Principal, error) {
	sess, a, err := v.sessions.Resolve(ctx, st.ID, token)
	if err != nil {
		return nil, err
	}
	return &Principal{Site: st, Proof: SessionToken, Session: &sess, Account: &a}, nil
}

// SessionReading is Session reading of the account only what r says: what
// the call's answer shows (the password hash never is).
func (v *Verifier) SessionReading(ctx context.Context, st site.Site, token string, r account.Read) (*Principal, error) {
	sess, a, err := v.sessions.ResolveReading(ctx, st.ID, token, r)
	if err != nil {
		return nil, err
	}
	return &Principal{Site: st, Proof: SessionToken, Session: &sess, Account: &a}, nil
}

// timestamp reads a request timestamp (seconds or milliseconds) and checks
// it is within Window of the server's clock.
func (v *Verifier) timestamp(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errcode.New(errcode.MissingRequiredTimestampParameter, "Missing required parameter: timestamp")
	}
	t, ok := ParseTimestamp(s)
	if !ok {
		return time.Time{}, errcode.New(errcode.InvalidTimestampParameter, "Invalid timestamp parameter: want Unix seconds or milliseconds")
	}
	if now := v.now(); t.Before(now.Add(-Window)) || t.After(now.Add(Window)) {
		return time.Time{}, errcode.Newf(errcode.RequestExpired,
			"Request has expired: the timestamp differs from the server time (%s, Unix %d) by more than %d seconds; correct the clock with the Date header",
			now.UTC().Format(time.RFC3339), now.Unix(), int(Window.Seconds()))
	}
	return t, nil
}

// useNonce records a nonce until its timestamp can no longer pass the
// window, with a window to spare for servers whose clocks differ.
func (v *Verifier) useNonce(ctx context.Context, siteID int64, nonce string, ts time.Time) error {
	fresh, err := v.nonces.UseNonce(ctx, siteID, nonce, ts.Add(2*Window))
	if err != nil {
		return err
	}
	if !fresh {
		return errcode.New(errcode.DuplicateNonce, "Duplicate nonce: this nonce was used already")
	}
	return nil
}

func secretOverHTTP() error {
	return errcode.New(errcode.SecretSentOverHTTP, "Secret Sent Over Http: send the secret over HTTPS")
}

// key finds the application key a request names: 403010 when the site has
// no such key, or it was revoked.
func (v *Verifier) key(ctx context.Context, siteID int64, userKey string) (site.AppKey, error) {
	k, err := v.sites.Key(ctx, siteID, userKey)
	if errors.Is(err, site.ErrKeyNotFound) {
		return site.AppKey{}, errcode.New(errcode.InvalidSecret, "Invalid Secret: unknown or revoked userKey")
	}
	return k, err
}
