package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
)

// The earlier form, strings.ToLower(NFC(s)), left "Ϊ̀" lower-cased but not
// recomposed: "ῒ" where the normal form is "ῒ". Each pair is one
// identifier in its old and its normal form.
const oldForm, normalForm = "\u03ca\u0300", "\u1fd2"

func email(v string) account.LoginID { return account.LoginID{Kind: account.Email, Value: v} }
func user(v string) account.LoginID  { return account.LoginID{Kind: account.Username, Value: v} }

// logEntry is one line migration 00010 logged.
type logEntry struct {
	Msg     string `json:"msg"`
	SiteID  int64  `json:"site_id"`
	Account int64  `json:"account_id"`
	Kept    int64  `json:"kept_account_id"`
	Parked  int64  `json:"parked_account_id"`
}

// renormalize runs migration 00010 and returns its log.
func renormalize(t *testing.T, db *store.DB) ([]logEntry, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := db.RenormalizeLoginIDs(context.Background(), slog.New(slog.NewJSONHandler(&buf, nil))); err != nil {
		t.Fatal(err)
	}
	var out []logEntry
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	for dec.More() {
		var l logEntry
		if err := dec.Decode(&l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out, buf.String()
}

// newAccount stores an account holding ids, verified when verified says.
func newAccount(t *testing.T, db *store.DB, siteID int64, uid string, verified bool, ids ...account.LoginID) int64 {
	t.Helper()
	a := &account.Account{SiteID: siteID, UID: uid, Active: true, CreatedAt: t0, UpdatedAt: t0}
	stored := conformance.Stored(ids...)
	if verified {
		for i := range stored {
			stored[i].VerifiedAt = t0
		}
	}
	if err := db.CreateAccount(context.Background(), a, stored); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// Migration 00010 re-normalizes login IDs stored in the earlier form. Two
// that become one go to the account whose row is verified, or, when both or
// neither are, to the older account; the other account keeps its row under
// a form no login reaches; nothing is deleted, nothing fails.
func TestMigrationRenormalizesLoginIDs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := conformance.NewSite(t, db)
		pair := func(name string) (old, normal string) {
			return oldForm + name + "@example.com", normalForm + name + "@example.com"
		}
		type pairCase struct {
			name                         string
			newerOld                     bool // the newer account holds the old form, the older the normal one
			olderVerified, newerVerified bool
			olderWins                    bool
			older, newer                 int64
			old, normal                  string
		}
		cases := []*pairCase{
			{name: "a", newerOld: false, olderWins: true},                                          // neither verified, old form first
			{name: "b", newerOld: true, olderWins: true},                                           // neither verified, normal form first
			{name: "c", newerOld: true, newerVerified: true, olderWins: false},                     // the verified owner of the old form wins
			{name: "d", newerOld: false, newerVerified: true, olderWins: false},                    // the verified holder of the normal form keeps it
			{name: "e", newerOld: true, olderVerified: true, newerVerified: true, olderWins: true}, // both verified: the older
			{name: "f", newerOld: false, olderVerified: true, olderWins: true},                     // only the older verified
		}
		for _, c := range cases {
			c.old, c.normal = pair(c.name)
			olderForm, newerForm := c.old, c.normal
			if c.newerOld {
				olderForm, newerForm = c.normal, c.old
			}
			c.older = newAccount(t, db, st.ID, "older-"+c.name, c.olderVerified, email(olderForm))
			c.newer = newAccount(t, db, st.ID, "newer-"+c.name, c.newerVerified, email(newerForm))
		}
		plain := newAccount(t, db, st.ID, "plain", false, email("straße@example.com"), user("ǆ"))

		logged, _ := renormalize(t, db)
		for _, c := range cases {
			winner, loser := c.older, c.newer
			if !c.olderWins {
				winner, loser = c.newer, c.older
			}
			if a, err := db.AccountByLoginID(ctx, st.ID, email(c.normal)); err != nil || a.ID != winner {
				t.Errorf("%s: the normal form is account %d's (%v); want %d", c.name, a.ID, err, winner)
			}
			// The other account keeps a row, in a form no login reaches.
			if ids, err := db.LoginIDs(ctx, loser); err != nil || len(ids) != 1 || ids[0].Value != c.old {
				t.Errorf("%s: account %d keeps %+v, %v; want %q", c.name, loser, ids, err, c.old)
			}
			if !slices.ContainsFunc(logged, func(l logEntry) bool {
				return l.Kept == winner && l.Parked == loser && l.SiteID == st.ID
			}) {
				t.Errorf("%s: no collision %d over %d logged: %+v", c.name, winner, loser, logged)
			}
		}
		for _, id := range []account.LoginID{email("straße@example.com"), user("ǆ")} { // lower case already: no change
			if a, err := db.AccountByLoginID(ctx, st.ID, id); err != nil || a.ID != plain {
				t.Errorf("%q: account %d, %v; want %d", id.Value, a.ID, err, plain)
			}
		}
		again, _ := renormalize(t, db) // the parked rows stay parked, and are logged again
		if len(again) != len(cases) {
			t.Errorf("second run logged %+v", again)
		}
		for _, c := range cases {
			if a, err := db.AccountByLoginID(ctx, st.ID, email(c.normal)); err != nil || (a.ID == c.older) != c.olderWins {
				t.Errorf("%s: after a second run the normal form is account %d's (%v)", c.name, a.ID, err)
			}
		}
	})
}

// One account holding both forms of an ID is logged as such, not as two
// accounts; stored IDs the login-ID rules now refuse are logged by site and
// account even when their normal form did not change, never by value.
func TestMigrationLogsOddLoginIDs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *store.DB) {
		st := conformance.NewSite(t, db)
		both := newAccount(t, db, st.ID, "both", false, email(oldForm+"@example.com"), email(normalForm+"@example.com"))
		refused := map[int64]string{}
		for i, id := range []account.LoginID{email("a\u0085b@example.com"), user("zero\u200dwidth"),
			email("soft\u00adhyphen@example.com"), email("bidi\u202e@example.com")} {
			refused[newAccount(t, db, st.ID, fmt.Sprint("refused-", i), false, id)] = id.Value
		}
		logged, text := renormalize(t, db)
		var sameAccount int
		gotRefused := map[int64]bool{}
		for _, l := range logged {
			switch {
			case l.Account == both && !strings.Contains(l.Msg, "two accounts"):
				sameAccount++
			case refused[l.Account] != "" && l.SiteID == st.ID && strings.Contains(l.Msg, "refuse"):
				gotRefused[l.Account] = true
			default:
				t.Errorf("unexpected log %+v", l)
			}
		}
		if sameAccount != 1 || len(gotRefused) != len(refused) {
			t.Errorf("logged %d same-account entries and refusals for %v; want 1 and %v:\n%s", sameAccount, gotRefused, refused, text)
		}
		for _, v := range refused {
			if strings.Contains(text, v) || strings.Contains(text, strings.Trim(strconv.Quote(v), `"`)) {
				t.Errorf("the log names login ID %q", v)
			}
		}
		if ids, err := db.LoginIDs(context.Background(), both); err != nil || len(ids) != 2 {
			t.Errorf("account %d keeps %+v, %v; want both rows", both, ids, err)
		}
	})
}
