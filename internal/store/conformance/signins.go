package conformance

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("sign-ins", testSignIns, "SessionByID", "SessionByHashPrefix")
	register("user-tokens", testUserTokens, "SetUserToken")
	register("list-accounts", testListAccounts, "ListAccounts")
}

// hash32 is a 32-byte token hash: prefix, then fill.
func hash32(prefix []byte, fill byte) []byte {
	return append(slices.Clone(prefix), bytes.Repeat([]byte{fill}, 32-len(prefix))...)
}

// Sessions are found by id and by the first bytes of their token hash,
// with their account; the range of a prefix ends where the prefix does,
// also for a prefix of 0xff bytes.
func testSignIns(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a := newAccount(t, db, s.ID, email("ann@example.com"))
	low, high := bytes.Repeat([]byte{0x12}, 16), bytes.Repeat([]byte{0xff}, 16)
	sessions := []account.Session{
		{SiteID: s.ID, AccountID: a.ID, TokenHash: hash32(low, 0x00), CreatedAt: t0},
		{SiteID: s.ID, AccountID: a.ID, TokenHash: hash32(high, 0xff), SecretSealed: []byte{7}, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		// Neighbours in the index: just before and just after low's range.
		{SiteID: s.ID, AccountID: a.ID, TokenHash: hash32(append(bytes.Repeat([]byte{0x12}, 15), 0x11), 0xff), CreatedAt: t0},
		{SiteID: s.ID, AccountID: a.ID, TokenHash: hash32(append(bytes.Repeat([]byte{0x12}, 15), 0x13), 0x00), CreatedAt: t0},
	}
	for i := range sessions {
		if err := db.CreateSession(ctx, &sessions[i]); err != nil {
			t.Fatal(err)
		}
	}
	same := func(what string, got account.Session, acc account.Account, err error, want account.Session) {
		t.Helper()
		if err != nil || got.ID != want.ID || got.SiteID != want.SiteID || got.AccountID != want.AccountID ||
			!bytes.Equal(got.TokenHash, want.TokenHash) || !bytes.Equal(got.SecretSealed, want.SecretSealed) ||
			!got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
			t.Fatalf("%s = %+v, %v; want %+v", what, got, err, want)
		}
		if !sameAccount(acc, withEmptyObjects(readWithoutHash(a))) {
			t.Fatalf("%s: account %+v, want %+v", what, acc, a)
		}
	}
	for _, want := range sessions[:2] {
		got, acc, err := db.SessionByID(ctx, want.ID)
		same("SessionByID", got, acc, err, want)
	}
	got, acc, err := db.SessionByHashPrefix(ctx, low)
	same("SessionByHashPrefix(low)", got, acc, err, sessions[0])
	got, acc, err = db.SessionByHashPrefix(ctx, high)
	same("SessionByHashPrefix(0xff…)", got, acc, err, sessions[1])
	for _, none := range [][]byte{bytes.Repeat([]byte{0x13}, 16), bytes.Repeat([]byte{0x00}, 16), hash32(low, 0x01)} {
		if _, _, err := db.SessionByHashPrefix(ctx, none); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("SessionByHashPrefix(%x): %v, want ErrNotFound", none, err)
		}
	}
	if _, _, err := db.SessionByID(ctx, sessions[3].ID+1000); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("SessionByID of no session: %v", err)
	}
	if err := db.DeleteSession(ctx, sessions[0].TokenHash); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SessionByID(ctx, sessions[0].ID); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("SessionByID of an ended session: %v", err)
	}
	if _, _, err := db.SessionByHashPrefix(ctx, low); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("SessionByHashPrefix of an ended session: %v", err)
	}

	// The zero time makes a login ID unverified again.
	if err := db.SetLoginIDVerified(ctx, a.ID, "ann@example.com", t0); err != nil {
		t.Fatal(err)
	}
	if err := db.SetLoginIDVerified(ctx, a.ID, "ann@example.com", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if ids, err := db.LoginIDs(ctx, a.ID); err != nil || len(ids) != 1 || !ids[0].VerifiedAt.IsZero() {
		t.Errorf("login IDs after SetLoginIDVerified(zero) = %+v, %v; want one unverified", ids, err)
	}
}

// SetUserToken keeps one user token session per account: a new one ends
// the one before, other sessions and other accounts' tokens stay; a row
// goes with its session or its account.
func testUserTokens(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a, b := newAccount(t, db, s.ID), newAccount(t, db, s.ID)
	session := func(acc account.Account) account.Session {
		t.Helper()
		sess := account.Session{SiteID: s.ID, AccountID: acc.ID, TokenHash: []byte(unique("ut")), CreatedAt: t0}
		if err := db.CreateSession(ctx, &sess); err != nil {
			t.Fatal(err)
		}
		return sess
	}
	live := func(sess account.Session) bool {
		t.Helper()
		_, _, err := db.SessionByID(ctx, sess.ID)
		if err != nil && !errors.Is(err, account.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	login, first, second, others := session(a), session(a), session(a), session(b)
	for _, sess := range []account.Session{first, others} {
		if err := db.SetUserToken(ctx, sess.AccountID, sess.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.WithTx(ctx, func(tx account.Store) error { return tx.SetUserToken(ctx, a.ID, second.ID) }); err != nil {
		t.Fatal(err)
	}
	for sess, want := range map[*account.Session]bool{&login: true, &first: false, &second: true, &others: true} {
		if live(*sess) != want {
			t.Errorf("session %d of account %d: live %t, want %t", sess.ID, sess.AccountID, !want, want)
		}
	}
	// The token's session ended elsewhere: the next token takes its place.
	if err := db.DeleteSession(ctx, second.TokenHash); err != nil {
		t.Fatal(err)
	}
	third := session(a)
	if err := db.SetUserToken(ctx, a.ID, third.ID); err != nil {
		t.Fatal(err)
	}
	fourth := session(a)
	if err := db.SetUserToken(ctx, a.ID, fourth.ID); err != nil {
		t.Fatal(err)
	}
	if live(third) || !live(fourth) || !live(login) {
		t.Errorf("after two more tokens: third %t, fourth %t, login %t; want false, true, true", live(third), live(fourth), live(login))
	}
	// Concurrent tokens of one account: exactly one stays live.
	var racers []account.Session
	for range 16 {
		racers = append(racers, session(a))
	}
	var wg sync.WaitGroup
	for _, sess := range racers {
		wg.Go(func() {
			if err := db.SetUserToken(ctx, a.ID, sess.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	liveRacers := 0
	for _, sess := range append(racers, fourth) {
		if live(sess) {
			liveRacers++
		}
	}
	if liveRacers != 1 {
		t.Errorf("%d user-token sessions live after 16 concurrent tokens, want 1", liveRacers)
	}
	// A session that is no session refuses; the account's token stays.
	if err := db.SetUserToken(ctx, a.ID, fourth.ID+1000); err == nil {
		t.Error("SetUserToken of no session succeeded")
	}
	if err := db.DeleteAccount(ctx, s.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SetUserToken(ctx, b.ID, login.ID); err == nil {
		t.Error("SetUserToken of a deleted account succeeded")
	}
}

// ListAccounts pages a site's accounts in id order, narrowed by login IDs
// (of their kind, every one) and ids, and counts them all.
func testListAccounts(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	ann := newAccount(t, db, s.ID, email("ann@example.com"), username("ann"))
	bob := newAccount(t, db, s.ID, email("bob@example.com"))
	cat := newAccount(t, db, s.ID, username("cat"))
	newAccount(t, db, other.ID, email("ann@example.com"))
	ids := func(as []account.Account) []int64 {
		out := []int64{}
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		q     account.AccountQuery
		want  []account.Account
		total int
	}{
		{"all", account.AccountQuery{Limit: 10}, []account.Account{ann, bob, cat}, 3},
		{"first page", account.AccountQuery{Limit: 2}, []account.Account{ann, bob}, 3},
		{"second page", account.AccountQuery{Limit: 2, Offset: 2}, []account.Account{cat}, 3},
		{"past the end", account.AccountQuery{Limit: 2, Offset: 3}, nil, 3},
		{"by email", account.AccountQuery{Limit: 10, LoginIDs: []account.LoginID{email("ann@example.com")}}, []account.Account{ann}, 1},
		{"an email is no username", account.AccountQuery{Limit: 10, LoginIDs: []account.LoginID{username("ann@example.com")}}, nil, 0},
		{"by both of one account", account.AccountQuery{Limit: 10, LoginIDs: []account.LoginID{email("ann@example.com"), username("ann")}},
			[]account.Account{ann}, 1},
		{"by two accounts' login IDs", account.AccountQuery{Limit: 10, LoginIDs: []account.LoginID{email("bob@example.com"), username("cat")}}, nil, 0},
		{"by ids", account.AccountQuery{Limit: 10, IDs: []int64{cat.ID, ann.ID, 999999}}, []account.Account{ann, cat}, 2},
		{"by ids and email", account.AccountQuery{Limit: 10, IDs: []int64{cat.ID, bob.ID}, LoginIDs: []account.LoginID{email("bob@example.com")}},
			[]account.Account{bob}, 1},
	} {
		got, total, err := db.ListAccounts(ctx, s.ID, tc.q)
		if err != nil || total != tc.total || !slices.Equal(ids(got), ids(tc.want)) {
			t.Errorf("%s: ListAccounts = %v, %d, %v; want %v, %d", tc.name, ids(got), total, err, ids(tc.want), tc.total)
			continue
		}
		for i := range got {
			if !sameAccount(got[i], withEmptyObjects(readWithoutHash(tc.want[i]))) {
				t.Errorf("%s: account %+v, want %+v", tc.name, got[i], tc.want[i])
			}
		}
	}
	if got, total, err := db.ListAccounts(ctx, other.ID+1000, account.AccountQuery{Limit: 10}); err != nil || len(got) != 0 || total != 0 {
		t.Errorf("ListAccounts of no site = %v, %d, %v", got, total, err)
	}
}
