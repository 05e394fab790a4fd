package session_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// fixture is a session service on a real database, with one account in
// each of two sites, and a clock the test moves.
type fixture struct {
	svc          *session.Service[account.Account, account.Read]
	db           *store.DB
	now          time.Time
	site, other  int64
	acc          account.Account
	otherAccount account.Account
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	box, err := secretbox.New(bytes.Repeat([]byte{7}, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, now: t0}
	sites := site.NewService(db, box, site.Options{Now: func() time.Time { return f.now }})
	for i, name := range []string{"one", "two"} {
		st, err := sites.Create(ctx, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		a := account.Account{SiteID: st.ID, UID: name, Active: true, CreatedAt: t0, UpdatedAt: t0}
		if err := db.CreateAccount(ctx, &a, nil); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.site, f.acc = st.ID, a
		} else {
			f.other, f.otherAccount = st.ID, a
		}
	}
	f.svc = session.NewService[account.Account, account.Read](db, box, func() time.Time { return f.now }, rand.Reader)
	return f
}

func (f *fixture) create(t *testing.T, exp int, mobile bool) *session.New {
	t.Helper()
	n, err := f.svc.Create(context.Background(), f.db, f.site, f.acc.ID, exp, mobile)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func forEachEngine(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) { fn(t, newFixture(t, storetest.Open(t, e))) })
	}
}

// A session is created for as long as asked, and resolves to its account
// in its own site only, until it expires.
func TestCreateAndResolve(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		for _, tc := range []struct {
			name      string
			exp       int
			browser   bool
			expiresAt time.Time
			expiresIn string
		}{
			{"browser", 0, true, t0.Add(24 * time.Hour), "86400"},
			{"an hour", 3600, false, t0.Add(time.Hour), "3600"},
			{"never", -2, false, time.Time{}, "0"},
		} {
			n := f.create(t, tc.exp, false)
			if n.Browser != tc.browser || !n.ExpiresAt.Equal(tc.expiresAt) || n.Secret != "" || len(n.Token) < 40 {
				t.Errorf("%s: created %+v", tc.name, n)
			}
			if got := session.ExpiresIn(n.Session, t0); got != tc.expiresIn {
				t.Errorf("%s: ExpiresIn = %s, want %s", tc.name, got, tc.expiresIn)
			}
			sess, a, err := f.svc.Resolve(ctx, f.site, n.Token)
			if err != nil || sess.ID != n.ID || a.UID != f.acc.UID {
				t.Errorf("%s: Resolve = %+v, %s, %v", tc.name, sess, a.UID, err)
			}
		}
		n := f.create(t, 60, false)
		for _, tc := range []struct {
			name  string
			site  int64
			token string
			at    time.Time
			want  error
		}{
			{"empty", f.site, "", t0, session.ErrUnknown},
			{"too long", f.site, string(bytes.Repeat([]byte{'a'}, 129)), t0, session.ErrUnknown},
			{"unknown", f.site, "st1_nope", t0, session.ErrUnknown},
			{"another site's", f.other, n.Token, t0, session.ErrUnknown},
			{"live", f.site, n.Token, t0.Add(59 * time.Second), nil},
			{"expired", f.site, n.Token, t0.Add(60 * time.Second), session.ErrExpired},
			{"expired, then gone", f.site, n.Token, t0.Add(60 * time.Second), session.ErrUnknown},
		} {
			f.now = tc.at
			if _, _, err := f.svc.Resolve(ctx, tc.site, tc.token); err != tc.want {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
	})
}

// A mobile session's secret is sealed in the store and opens for the
// session only; a browser session has none to sign with.
func TestSecret(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		mobile, browser := f.create(t, 3600, true), f.create(t, 0, false)
		secret, err := base64.StdEncoding.DecodeString(mobile.Secret)
		if err != nil || len(secret) != 32 || bytes.Contains(mobile.SecretSealed, secret) {
			t.Fatalf("secret %q sealed as %x", mobile.Secret, mobile.SecretSealed)
		}
		_, a, got, err := f.svc.Secret(ctx, f.site, mobile.Token)
		if err != nil || !bytes.Equal(got, secret) || a.ID != f.acc.ID {
			t.Errorf("Secret = %x, %v", got, err)
		}
		if _, _, _, err := f.svc.Secret(ctx, f.site, browser.Token); err != session.ErrNoSecret {
			t.Errorf("browser session Secret: %v", err)
		}
	})
}

// Revoke ends one session, and is no error when it ended already;
// RevokeAll ends an account's sessions but the one kept.
func TestRevoke(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		one, two, three := f.create(t, 0, false), f.create(t, 0, false), f.create(t, 0, false)
		for range 2 {
			if err := f.svc.Revoke(ctx, one.Session); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.svc.RevokeAll(ctx, f.db, f.acc.ID, two.ID); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			n    *session.New
			live bool
		}{{one, false}, {two, true}, {three, false}} {
			_, _, err := f.svc.Resolve(ctx, f.site, tc.n.Token)
			if (err == nil) != tc.live {
				t.Errorf("session %d: %v, want live %v", tc.n.ID, err, tc.live)
			}
		}
		if err := f.db.DeleteSession(ctx, one.TokenHash); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("the store's answer for a gone session: %v", err)
		}
	})
}

// The cookie counts on POST only, and lives as long as its session.
func TestCookie(t *testing.T) {
	const apiKey = "3_key"
	n := &session.New{Token: "st1_x", Session: session.Session{CreatedAt: t0}}
	for _, tc := range []struct {
		name   string
		method string
		cookie *http.Cookie
		want   string
	}{
		{"POST", http.MethodPost, &http.Cookie{Name: "glt_3_key", Value: "st1_x"}, "st1_x"},
		{"GET", http.MethodGet, &http.Cookie{Name: "glt_3_key", Value: "st1_x"}, ""},
		{"another site's", http.MethodPost, &http.Cookie{Name: "glt_3_other", Value: "st1_x"}, ""},
		{"none", http.MethodPost, nil, ""},
	} {
		r := httptest.NewRequest(tc.method, "/accounts.getAccountInfo", nil)
		if tc.cookie != nil {
			r.AddCookie(tc.cookie)
		}
		if got := session.FromCookie(r, apiKey); got != tc.want {
			t.Errorf("%s: FromCookie = %q, want %q", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		name    string
		browser bool
		expires time.Time
		want    time.Time
	}{
		{"browser", true, t0.Add(24 * time.Hour), time.Time{}},
		{"never", false, time.Time{}, t0.AddDate(10, 0, 0)},
		{"an hour", false, t0.Add(time.Hour), t0.Add(time.Hour)},
	} {
		n.Browser, n.ExpiresAt = tc.browser, tc.expires
		ck := session.Cookie(apiKey, n, true)
		if ck.Name != "glt_3_key" || ck.Value != "st1_x" || !ck.Expires.Equal(tc.want) || !ck.HttpOnly || !ck.Secure ||
			ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
			t.Errorf("%s: %+v", tc.name, ck)
		}
	}
	if ck := session.ClearCookie(apiKey, false); ck.Name != "glt_3_key" || ck.Value != "" || ck.MaxAge != -1 || ck.Secure {
		t.Errorf("ClearCookie = %+v", ck)
	}
}
