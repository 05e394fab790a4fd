package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/token"
)

func init() {
	register("purge", testPurge, "Purge")
}

// Purge deletes what has expired and nothing else.
func testPurge(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a := newAccount(t, db, s.ID)
	now := t0.Add(30 * 24 * time.Hour)
	past, future := now.Add(-time.Second), now.Add(time.Hour)
	for i, exp := range []time.Time{past, future} {
		k := account.Token{Hash: []byte{byte(i)}, SiteID: s.ID, AccountID: a.ID, Kind: account.ResetToken, CreatedAt: t0, ExpiresAt: exp}
		if err := db.CreateToken(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	for i, exp := range []time.Time{past, future, {}} {
		sess := account.Session{SiteID: s.ID, AccountID: a.ID, TokenHash: []byte{byte(10 + i)}, CreatedAt: t0, ExpiresAt: exp}
		if err := db.CreateSession(ctx, &sess); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []struct {
		nonce string
		exp   time.Time
	}{{"old", past}, {"live", future}} {
		if _, err := db.UseNonce(ctx, s.ID, n.nonce, n.exp); err != nil {
			t.Fatal(err)
		}
	}
	// Failures: one address quiet for over an hour, one recent, one locked.
	for _, f := range []struct {
		ip string
		at time.Time
	}{{"192.0.2.1", now.Add(-2 * time.Hour)}, {"192.0.2.2", now.Add(-time.Minute)}, {"192.0.2.3", now.Add(-2 * time.Hour)}} {
		if _, err := db.RecordIPFailure(ctx, s.ID, f.ip, f.at); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.LockIP(ctx, s.ID, "192.0.2.3", future); err != nil {
		t.Fatal(err)
	}
	// Mail: sent over a week ago, sent recently, unsent.
	for i := range 3 {
		if err := db.EnqueueMail(ctx, []byte{byte(i)}, t0); err != nil {
			t.Fatal(err)
		}
	}
	mail, err := db.ClaimMail(ctx, t0, t0.Add(time.Minute), 3)
	if err != nil || len(mail) != 3 {
		t.Fatalf("ClaimMail = %d, %v", len(mail), err)
	}
	db.MarkMailSent(ctx, mail[0].ID, now.Add(-8*24*time.Hour))
	db.MarkMailSent(ctx, mail[1].ID, now.Add(-time.Hour))

	// Keys: the first retired just over Retention ago, the second exactly
	// Retention ago, the third retiring in a minute, when the pending fourth
	// activates. Only the first goes.
	edge := now.Add(-token.Retention)
	for i, at := range [][2]time.Time{{t0, t0}, {t0.Add(time.Hour), edge.Add(-time.Millisecond)}, {t0.Add(2 * time.Hour), edge},
		{now, now.Add(time.Minute)}} {
		if _, err := db.RotateSiteKey(ctx, token.StoredKey{SiteID: s.ID, KID: unique("purge-kid-"), Alg: "RS256",
			PrivateSealed: []byte{byte(i)}, CreatedAt: at[0], ActivateAt: at[1]}); err != nil {
			t.Fatal(err)
		}
	}

	// OAuth: a request expired and a live one; tokens whose access token
	// (and refresh token, if any) expired, and tokens with one still live.
	newOAuthClient(t, db, s.ID, "purge-app")
	for id, exp := range map[string]time.Time{"req-old": past, "req-live": future} {
		r := oauth.AuthRequest{ID: id, SiteID: s.ID, ClientID: "purge-app", RedirectURI: "https://app.example/cb", CreatedAt: t0, ExpiresAt: exp}
		if err := db.CreateOAuthAuthRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for id, exp := range map[string][2]time.Time{"at-old": {past, past}, "at-old-norefresh": {past, {}},
		"at-refresh-live": {past, future}, "at-live": {future, {}}} {
		tok := oauth.StoredToken{Token: oauth.Token{ID: id, SiteID: s.ID, ClientID: "purge-app", AccountID: a.ID, Subject: a.UID,
			FamilyID: id, ExpiresAt: exp[0], RefreshExpires: exp[1], CreatedAt: t0}}
		if !exp[1].IsZero() {
			tok.RefreshHash = []byte(id)
		}
		if err := db.CreateOAuthToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}

	n, err := db.Purge(ctx, now)
	if err != nil || n != 9 { // a token, a session, a nonce, an address, a mail, a key, a request, two OAuth tokens
		t.Fatalf("Purge = %d, %v; want 9 rows", n, err)
	}
	for id, live := range map[string]bool{"req-old": false, "req-live": true} {
		if _, err := db.OAuthAuthRequest(ctx, s.ID, id); (err == nil) != live {
			t.Errorf("request %s after Purge: %v, want live=%v", id, err, live)
		}
	}
	for id, live := range map[string]bool{"at-old": false, "at-old-norefresh": false, "at-refresh-live": true, "at-live": true} {
		if _, err := db.OAuthToken(ctx, s.ID, id); (err == nil) != live {
			t.Errorf("OAuth token %s after Purge: %v, want live=%v", id, err, live)
		}
	}
	if keys, err := db.SiteKeys(ctx, s.ID, time.Time{}); err != nil || len(keys) != 3 || keys[2].PrivateSealed[0] != 1 {
		t.Errorf("keys after purge: %+v, %v; want all but the first", keys, err)
	}
	if _, err := db.TokenByHash(ctx, account.ResetToken, []byte{1}); err != nil {
		t.Errorf("live token purged: %v", err)
	}
	if _, err := db.TokenByHash(ctx, account.ResetToken, []byte{0}); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("expired token kept: %v", err)
	}
	for _, h := range []byte{11, 12} {
		if _, _, err := db.SessionByHash(ctx, []byte{h}); err != nil {
			t.Errorf("live session %d purged: %v", h, err)
		}
	}
	// A purged nonce is fresh again; a live one is not.
	if fresh, _ := db.UseNonce(ctx, s.ID, "old", future); !fresh {
		t.Error("expired nonce kept")
	}
	if fresh, _ := db.UseNonce(ctx, s.ID, "live", future); fresh {
		t.Error("live nonce purged")
	}
	if f, _, _ := db.IPFailures(ctx, s.ID, "192.0.2.2", now.Add(-time.Hour)); f != 1 {
		t.Errorf("recent failures purged: %d", f)
	}
	if _, until, _ := db.IPFailures(ctx, s.ID, "192.0.2.3", now.Add(-time.Hour)); !until.Equal(future) {
		t.Errorf("locked address purged: until %v", until)
	}
	// The unsent mail is still due; purging again deletes nothing.
	if due, _ := db.ClaimMail(ctx, now, now.Add(time.Minute), 10); len(due) != 1 || due[0].ID != mail[2].ID {
		t.Errorf("unsent mail after Purge: %+v", due)
	}
	if n, err := db.Purge(ctx, now); n != 0 || err != nil {
		t.Errorf("second Purge = %d, %v", n, err)
	}
}
