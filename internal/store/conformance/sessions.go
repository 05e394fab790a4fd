package conformance

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("sessions", testSessions, "CreateSession", "SessionByHash", "DeleteSession", "DeleteSessions")
	register("tokens", testTokens, "CreateToken", "TokenByHash", "ConsumeToken", "DeleteTokens")
}

func testSessions(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a, b := newAccount(t, db, s.ID, username("ann")), newAccount(t, db, s.ID)
	sessions := []account.Session{
		{SiteID: s.ID, AccountID: a.ID, TokenHash: []byte("s1"), CreatedAt: t0},
		{SiteID: s.ID, AccountID: a.ID, TokenHash: []byte("s2"), SecretSealed: []byte{0, 9}, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		{SiteID: s.ID, AccountID: a.ID, TokenHash: []byte("s3"), CreatedAt: t0},
		{SiteID: s.ID, AccountID: b.ID, TokenHash: []byte("s4"), CreatedAt: t0},
	}
	for i := range sessions {
		if err := db.CreateSession(ctx, &sessions[i]); err != nil || sessions[i].ID == 0 {
			t.Fatalf("CreateSession = %v, id %d", err, sessions[i].ID)
		}
	}
	dup := account.Session{SiteID: s.ID, AccountID: b.ID, TokenHash: []byte("s1"), CreatedAt: t0}
	if err := db.CreateSession(ctx, &dup); err == nil {
		t.Fatal("two sessions with one token hash")
	}
	for _, want := range sessions[:2] {
		got, acc, err := db.SessionByHash(ctx, want.TokenHash)
		if err != nil || got.ID != want.ID || got.SiteID != want.SiteID || got.AccountID != want.AccountID ||
			!bytes.Equal(got.TokenHash, want.TokenHash) || !bytes.Equal(got.SecretSealed, want.SecretSealed) ||
			!got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
			t.Fatalf("SessionByHash = %+v, %v; want %+v", got, err, want)
		}
		if want := readWithoutHash(a); !sameAccount(acc, withEmptyObjects(want)) {
			t.Fatalf("account of the session = %+v, want %+v", acc, want)
		}
	}
	if _, _, err := db.SessionByHash(ctx, []byte("none")); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("unknown session: %v", err)
	}

	if err := db.DeleteSession(ctx, []byte("s1")); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSession(ctx, []byte("s1")); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("second DeleteSession: %v", err)
	}
	// Every session of a but the one kept; b's stay.
	if err := db.DeleteSessions(ctx, a.ID, sessions[2].ID); err != nil {
		t.Fatal(err)
	}
	for hash, live := range map[string]bool{"s1": false, "s2": false, "s3": true, "s4": true} {
		if _, _, err := db.SessionByHash(ctx, []byte(hash)); (err == nil) != live {
			t.Errorf("session %s: %v, want live=%v", hash, err, live)
		}
	}
	if err := db.DeleteSessions(ctx, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SessionByHash(ctx, []byte("s3")); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("DeleteSessions keeping none left s3: %v", err)
	}
}

// withEmptyObjects is a as the store gives it back: nil objects empty.
func withEmptyObjects(a account.Account) account.Account {
	if a.Profile == nil {
		a.Profile = map[string]any{}
	}
	if a.Data == nil {
		a.Data = map[string]any{}
	}
	if a.Preferences == nil {
		a.Preferences = map[string]any{}
	}
	if a.Subscriptions == nil {
		a.Subscriptions = map[string]any{}
	}
	return a
}

func testTokens(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a, b := newAccount(t, db, s.ID), newAccount(t, db, s.ID)
	tok := func(hash string, accountID int64, kind account.TokenKind) account.Token {
		return account.Token{Hash: []byte(hash), SiteID: s.ID, AccountID: accountID, Kind: kind, Email: hash + "@example.com",
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	}
	tokens := []account.Token{
		tok("reg-before-account", 0, account.RegToken),
		tok("verify-a", a.ID, account.VerifyToken),
		tok("reset-a1", a.ID, account.ResetToken),
		tok("reset-a2", a.ID, account.ResetToken),
		tok("reset-b", b.ID, account.ResetToken),
	}
	for _, k := range tokens {
		if err := db.CreateToken(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateToken(ctx, tokens[1]); err == nil {
		t.Fatal("two tokens with one hash")
	}
	sameToken := func(got, want account.Token) bool {
		return bytes.Equal(got.Hash, want.Hash) && got.SiteID == want.SiteID && got.AccountID == want.AccountID &&
			got.Kind == want.Kind && got.Email == want.Email && got.CreatedAt.Equal(want.CreatedAt) && got.ExpiresAt.Equal(want.ExpiresAt)
	}
	for _, want := range tokens[:2] {
		if got, err := db.TokenByHash(ctx, want.Kind, want.Hash); err != nil || !sameToken(got, want) {
			t.Fatalf("TokenByHash = %+v, %v; want %+v", got, err, want)
		}
	}
	for name, err := range map[string]error{
		"TokenByHash of another kind":  second(db.TokenByHash(ctx, account.ResetToken, []byte("verify-a"))),
		"TokenByHash unknown":          second(db.TokenByHash(ctx, account.ResetToken, []byte("none"))),
		"ConsumeToken of another kind": second(db.ConsumeToken(ctx, account.ResetToken, []byte("verify-a"))),
	} {
		if !errors.Is(err, account.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	if got, err := db.ConsumeToken(ctx, account.VerifyToken, []byte("verify-a")); err != nil || !sameToken(got, tokens[1]) {
		t.Fatalf("ConsumeToken = %+v, %v", got, err)
	}
	if _, err := db.ConsumeToken(ctx, account.VerifyToken, []byte("verify-a")); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("second ConsumeToken: %v", err)
	}

	// Of a's tokens, only those of the kind go; b's stay.
	if err := db.DeleteTokens(ctx, a.ID, account.ResetToken); err != nil {
		t.Fatal(err)
	}
	for _, k := range tokens {
		_, err := db.TokenByHash(ctx, k.Kind, k.Hash)
		if live := string(k.Hash) == "reg-before-account" || string(k.Hash) == "reset-b"; (err == nil) != live {
			t.Errorf("token %s: %v, want live=%v", k.Hash, err, live)
		}
	}

	// Concurrent uses of one token: one gets it.
	if err := db.CreateToken(ctx, tok("raced", a.ID, account.ResetToken)); err != nil {
		t.Fatal(err)
	}
	results := race(16, func(int) outcome[account.Token] {
		k, err := db.ConsumeToken(ctx, account.ResetToken, []byte("raced"))
		return outcome[account.Token]{k, err}
	})
	wins := 0
	for _, r := range results {
		switch {
		case r.err == nil && string(r.v.Hash) == "raced":
			wins++
		case !errors.Is(r.err, account.ErrNotFound):
			t.Errorf("ConsumeToken race: %+v, %v", r.v, r.err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d uses of one token won", wins)
	}
}
