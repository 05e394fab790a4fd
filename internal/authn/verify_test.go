package authn_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// fixture is a Verifier over real services on a real database: a site with
// an application key, an account with a mobile and a browser session.
type fixture struct {
	v               *authn.Verifier
	st              site.Site
	key             site.AppKey
	mobile, browser *session.New
	acc             account.Account
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	box, err := secretbox.New(bytes.Repeat([]byte{9}, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return t0 }
	sites := site.NewService(db, box, site.Options{Now: now})
	f := &fixture{}
	if f.st, err = sites.Create(ctx, "shop", nil); err != nil {
		t.Fatal(err)
	}
	if f.key, err = sites.CreateKey(ctx, f.st.ID, "backend", []string{"accounts.*"}, ""); err != nil {
		t.Fatal(err)
	}
	f.acc = account.Account{SiteID: f.st.ID, UID: "u1", Active: true, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateAccount(ctx, &f.acc, nil); err != nil {
		t.Fatal(err)
	}
	sessions := session.NewService[account.Account, account.Read](db, box, now, rand.Reader)
	if f.mobile, err = sessions.Create(ctx, db, f.st.ID, f.acc.ID, 3600, true); err != nil {
		t.Fatal(err)
	}
	if f.browser, err = sessions.Create(ctx, db, f.st.ID, f.acc.ID, 0, false); err != nil {
		t.Fatal(err)
	}
	f.v = authn.NewVerifier(sites, sessions, db, now)
	return f
}

func forEachEngine(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) { fn(t, newFixture(t, storetest.Open(t, e))) })
	}
}

func codeOf(err error) errcode.Code {
	if err == nil {
		return 0
	}
	return errcode.From(err).Code
}

// want is what a proof should establish: the error code, or the facts of
// the principal.
type want struct {
	code errcode.Code
	// err is the condition of a refusal the domain words: a session's.
	err     error
	server  bool
	key     bool
	session bool
}

func check(t *testing.T, name string, p *authn.Principal, err error, w want) {
	t.Helper()
	switch {
	case w.err != nil:
		if !errors.Is(err, w.err) {
			t.Errorf("%s: %v, want %v", name, err, w.err)
		}
		return
	case codeOf(err) != w.code:
		t.Errorf("%s: %v, want code %d", name, err, w.code)
		return
	}
	if err != nil {
		return
	}
	c := p.Caller()
	if p.Server != w.server || c.Server != w.server || (p.Key != nil) != w.key || (p.Session != nil) != w.session ||
		(c.Session != 0) != w.session || (p.Account != nil) != w.session {
		t.Errorf("%s: principal %+v, caller %+v; want %+v", name, p, c, w)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestSecret(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		for _, tc := range []struct {
			name, userKey, secret string
			secure                bool
			want                  want
		}{
			{"site secret", "", b64(f.st.Secret), true, want{server: true}},
			{"key secret", f.key.UserKey, b64(f.key.Secret), true, want{server: true, key: true}},
			{"site secret for the key", f.key.UserKey, b64(f.st.Secret), true, want{code: errcode.InvalidSecret}},
			{"wrong", "", "AAAA", true, want{code: errcode.InvalidSecret}},
			{"unknown key", "nokey", b64(f.st.Secret), true, want{code: errcode.InvalidSecret}},
			{"over HTTP", "", b64(f.st.Secret), false, want{code: errcode.SecretSentOverHTTP}},
		} {
			p, err := f.v.Secret(context.Background(), f.st, tc.userKey, tc.secret, tc.secure)
			check(t, tc.name, p, err, tc.want)
		}
	})
}

func TestSignature(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		const u = "https://accounts.example.com/accounts.getAccountInfo"
		mobileSecret, _ := base64.StdEncoding.DecodeString(f.mobile.Secret)
		ts := strconv.FormatInt(t0.Unix(), 10)
		signed := func(secret []byte, nonce string, edit func(*authn.Signed)) authn.Signed {
			params := url.Values{"apiKey": {f.st.APIKey}, "timestamp": {ts}, "nonce": {nonce}}
			s := authn.Signed{Method: "POST", URLs: []string{u}, Params: params, Timestamp: ts, Nonce: nonce, Secure: true}
			if edit != nil {
				edit(&s)
			}
			s.Sig = authn.Sign(secret, "POST", u, s.Params)
			return s
		}
		asKey := func(s *authn.Signed) { s.UserKey = f.key.UserKey }
		asSession := func(s *authn.Signed) { s.SessionToken = f.mobile.Token }
		for _, tc := range []struct {
			name string
			s    authn.Signed
			want want
		}{
			{"site", signed(f.st.Secret, "n1", nil), want{server: true}},
			{"site, nonce again", signed(f.st.Secret, "n1", nil), want{code: errcode.DuplicateNonce}},
			// Nonces are per signer: the key and the session may use n1 too.
			{"key", signed(f.key.Secret, "n1", asKey), want{server: true, key: true}},
			{"mobile session", signed(mobileSecret, "n1", asSession), want{session: true}},
			{"browser session", signed(mobileSecret, "n2", func(s *authn.Signed) { s.SessionToken = f.browser.Token }),
				want{err: session.ErrNoSecret}},
			{"wrong secret", signed(f.key.Secret, "n3", nil), want{code: errcode.InvalidRequestSignature}},
			{"no timestamp", signed(f.st.Secret, "n4", func(s *authn.Signed) { s.Timestamp = "" }),
				want{code: errcode.MissingRequiredTimestampParameter}},
			{"bad timestamp", signed(f.st.Secret, "n5", func(s *authn.Signed) { s.Timestamp = "soon" }),
				want{code: errcode.InvalidTimestampParameter}},
			{"old timestamp", signed(f.st.Secret, "n6", func(s *authn.Signed) { s.Timestamp = strconv.FormatInt(t0.Unix()-121, 10) }),
				want{code: errcode.RequestExpired}},
			{"milliseconds", signed(f.st.Secret, "n7", func(s *authn.Signed) { s.Timestamp = strconv.FormatInt(t0.UnixMilli(), 10) }),
				want{server: true}},
			{"no nonce", signed(f.st.Secret, "", nil), want{code: errcode.MissingRequiredParameter}},
			{"long nonce", signed(f.st.Secret, string(bytes.Repeat([]byte{'n'}, authn.MaxNonceLen+1)), nil),
				want{code: errcode.InvalidParameterValue}},
			{"secret as well", signed(f.st.Secret, "n8", func(s *authn.Signed) { s.Secret = b64(f.st.Secret) }), want{server: true}},
			{"wrong secret as well", signed(f.st.Secret, "n9", func(s *authn.Signed) { s.Secret = "AAAA" }),
				want{code: errcode.InvalidSecret}},
			{"secret as well over HTTP", signed(f.st.Secret, "n10", func(s *authn.Signed) { s.Secret, s.Secure = b64(f.st.Secret), false }),
				want{code: errcode.SecretSentOverHTTP}},
		} {
			p, err := f.v.Signature(context.Background(), f.st, tc.s)
			check(t, tc.name, p, err, tc.want)
		}
	})
}

func TestBasic(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		id := strconv.FormatInt(f.st.ID, 10)
		for _, tc := range []struct {
			name, user, pass string
			secure           bool
			want             want
		}{
			{"right", id, b64(f.st.Secret), true, want{server: true}},
			{"over HTTP", id, b64(f.st.Secret), false, want{code: errcode.SecretSentOverHTTP}},
			{"not a site id", "shop", b64(f.st.Secret), true, want{code: errcode.InvalidSecret}},
			{"unknown site", "999", b64(f.st.Secret), true, want{code: errcode.InvalidSecret}},
			{"wrong secret", id, b64(f.key.Secret), true, want{code: errcode.InvalidSecret}},
		} {
			p, err := f.v.Basic(context.Background(), tc.user, tc.pass, tc.secure)
			check(t, tc.name, p, err, tc.want)
			if err == nil && p.Site.ID != f.st.ID {
				t.Errorf("%s: site %d", tc.name, p.Site.ID)
			}
		}
	})
}

func TestSession(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		for _, tc := range []struct {
			name, token string
			want        want
		}{
			{"browser", f.browser.Token, want{session: true}},
			{"mobile", f.mobile.Token, want{session: true}},
			{"unknown", "st1_nope", want{err: session.ErrUnknown}},
		} {
			p, err := f.v.Session(context.Background(), f.st, tc.token)
			check(t, tc.name, p, err, tc.want)
			if err == nil && (p.Account.UID != f.acc.UID || p.Caller().Session != p.Session.ID) {
				t.Errorf("%s: %+v", tc.name, p)
			}
		}
	})
}

// An application key's scopes bound the methods; without a key any.
func TestAllows(t *testing.T) {
	scoped := &site.AppKey{Scopes: []string{"accounts.*"}}
	for _, tc := range []struct {
		p      authn.Principal
		method string
		want   bool
	}{
		{authn.Principal{}, "reports.get", true},
		{authn.Principal{Key: scoped}, "accounts.getAccountInfo", true},
		{authn.Principal{Key: scoped}, "reports.get", false},
	} {
		if got := tc.p.Allows(tc.method); got != tc.want {
			t.Errorf("%+v Allows %s = %v", tc.p.Key, tc.method, got)
		}
	}
}
