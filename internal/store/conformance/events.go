package conformance

import (
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("account-events", testAccountEvents, "AddAccountEvent", "AccountEvents", "LastAccountEventBefore", "PurgeEvents")
}

// Events are read by site in id order after a cursor; a cursor from a time
// reads the events since then; old events are purged.
func testAccountEvents(t *testing.T, db *store.DB) {
	s1, s2 := NewSite(t, db), NewSite(t, db)
	add := func(siteID int64, uid string, typ account.EventType, at time.Time) {
		t.Helper()
		if err := db.AddAccountEvent(ctx, account.Event{SiteID: siteID, UID: uid, Type: typ, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	add(s1.ID, "a", account.EventCreated, t0)
	add(s2.ID, "x", account.EventCreated, t0)
	add(s1.ID, "a", account.EventLogin, t0.Add(time.Hour))
	add(s1.ID, "a", account.EventDeleted, t0.Add(2*time.Hour))

	read := func(step string, after int64, limit int, want ...account.EventType) []account.Event {
		t.Helper()
		got, err := db.AccountEvents(ctx, s1.ID, after, limit)
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s: AccountEvents = %+v, %v; want %v", step, got, err, want)
		}
		for i, e := range got {
			if e.Type != want[i] || e.UID != "a" || e.SiteID != s1.ID || i > 0 && e.ID <= got[i-1].ID {
				t.Fatalf("%s: event %d = %+v, want %s", step, i, e, want[i])
			}
		}
		return got
	}
	all := read("all", 0, 10, account.EventCreated, account.EventLogin, account.EventDeleted)
	if !all[0].At.Equal(t0) || !all[2].At.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("times: %+v", all)
	}
	read("page", 0, 2, account.EventCreated, account.EventLogin)
	read("after the cursor", all[1].ID, 10, account.EventDeleted)
	read("at the end", all[2].ID, 10)

	for _, tt := range []struct {
		at   time.Time
		want int64
	}{{t0, 0}, {t0.Add(time.Minute), all[0].ID}, {t0.Add(time.Hour), all[0].ID}, {t0.Add(3 * time.Hour), all[2].ID}} {
		if got, err := db.LastAccountEventBefore(ctx, s1.ID, tt.at); err != nil || got != tt.want {
			t.Fatalf("LastAccountEventBefore(%v) = %d, %v; want %d", tt.at, got, err, tt.want)
		}
	}

	n, err := db.PurgeEvents(ctx, t0.Add(time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PurgeEvents = %d, %v; want 2 (one per site)", n, err)
	}
	read("after the purge", 0, 10, account.EventLogin, account.EventDeleted)
}
