package conformance

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/job"
	"github.com/custos-id/custos/internal/outbox"
	"github.com/custos-id/custos/internal/session"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("outbox-admin", testOutboxAdmin, "MailEntries", "MailCounts", "RetryMail")
	register("overview", testOverview, "ListJobs", "CountJobs", "CountAccounts", "CountEvents")
	register("login-failures", testLoginFailures, "CountLoginFailure", "CountLoginFailures")
	register("user-page", testUserPage, "AccountSessions", "AccountEventsOf")
}

// The admin API lists messages by status, newest first, and queues one
// given up on again; a queued or sent one is not retried.
func testOutboxAdmin(t *testing.T, db *store.DB) {
	for i := range 4 {
		if err := db.EnqueueMail(ctx, []byte(fmt.Sprint("m", i)), t0); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ClaimMail(ctx, t0, t0.Add(time.Minute), 4)
	if err != nil || len(got) != 4 {
		t.Fatalf("ClaimMail: %v, %v", got, err)
	}
	ids := []int64{got[0].ID, got[1].ID, got[2].ID, got[3].ID}
	slices.Sort(ids)
	if err := db.MarkMailSent(ctx, ids[0], t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkMailFailed(ctx, ids[1], outbox.MaxAttempts, outbox.GiveUp, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkMailFailed(ctx, ids[2], 1, t0.Add(time.Hour), "451 later"); err != nil {
		t.Fatal(err)
	}
	list := func(step string, s outbox.Status, before int64, limit int, want ...int64) []outbox.Record {
		t.Helper()
		rs, err := db.MailEntries(ctx, s, before, limit)
		var gotIDs []int64
		for _, r := range rs {
			gotIDs = append(gotIDs, r.ID)
		}
		if err != nil || !slices.Equal(gotIDs, want) {
			t.Fatalf("%s: MailEntries(%q, %d, %d) = %v, %v; want %v", step, s, before, limit, gotIDs, err, want)
		}
		return rs
	}
	all := list("all", "", 0, 10, ids[3], ids[2], ids[1], ids[0])
	list("paged", "", ids[2], 2, ids[1], ids[0])
	sent := list("sent", outbox.Sent, 0, 10, ids[0])
	if sent[0].Status() != outbox.Sent || len(sent[0].Sealed) != 0 || !sent[0].SentAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("sent: %+v", sent[0])
	}
	failed := list("failed", outbox.Failed, 0, 10, ids[1])
	if f := failed[0]; f.Status() != outbox.Failed || f.Attempts != outbox.MaxAttempts || f.LastError != "550 no such user" || string(f.Sealed) != "m"+fmt.Sprint(indexOf(got, ids[1])) || !f.CreatedAt.Equal(t0) {
		t.Fatalf("failed: %+v", f)
	}
	list("queued", outbox.Queued, 0, 10, ids[3], ids[2])
	if all[1].Status() != outbox.Queued || all[1].LastError != "451 later" {
		t.Fatalf("retrying: %+v", all[1])
	}
	count := func(step string, limit, wantQueued, wantFailed int) {
		t.Helper()
		q, f, err := db.MailCounts(ctx, limit)
		if err != nil || q != wantQueued || f != wantFailed {
			t.Fatalf("%s: MailCounts = %d, %d, %v; want %d, %d", step, q, f, err, wantQueued, wantFailed)
		}
	}
	count("before", 10, 2, 1)
	count("bounded", 1, 1, 1)
	for _, id := range []int64{ids[0], ids[2], ids[3], 1 << 40} {
		if ok, err := db.RetryMail(ctx, id, t0); ok || err != nil {
			t.Fatalf("RetryMail(%d) of a message not given up on = %v, %v", id, ok, err)
		}
	}
	if ok, err := db.RetryMail(ctx, ids[1], t0.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("RetryMail = %v, %v", ok, err)
	}
	count("after", 10, 3, 0)
	again, err := db.ClaimMail(ctx, t0.Add(time.Minute), t0.Add(2*time.Minute), 10)
	// The retried message is due again (beside the queued one whose lease
	// ended), its attempts counted anew.
	if i := indexOf(again, ids[1]); err != nil || len(again) != 2 || i < 0 || again[i].Attempts != 0 {
		t.Fatalf("ClaimMail after the retry: %+v, %v", again, err)
	}
}

func indexOf(es []outbox.Entry, id int64) int {
	for i, e := range es {
		if e.ID == id {
			return i
		}
	}
	return -1
}

// The overview counts accounts, events by type and step, and jobs.
func testOverview(t *testing.T, db *store.DB) {
	s1, s2 := NewSite(t, db), NewSite(t, db)
	newAccount(t, db, s1.ID, email(unique("a")+"@example.com"))
	newAccount(t, db, s1.ID, email(unique("b")+"@example.com"))
	newAccount(t, db, s2.ID, email(unique("c")+"@example.com"))
	for _, c := range []struct {
		site int64
		want int
	}{{0, 3}, {s1.ID, 2}, {s2.ID, 1}, {1 << 40, 0}} {
		if n, err := db.CountAccounts(ctx, c.site); err != nil || n != c.want {
			t.Fatalf("CountAccounts(%d) = %d, %v; want %d", c.site, n, err, c.want)
		}
	}
	add := func(siteID int64, typ account.EventType, at time.Time) {
		t.Helper()
		if err := db.AddAccountEvent(ctx, account.Event{SiteID: siteID, UID: "u", Type: typ, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	add(s1.ID, account.EventLogin, t0.Add(-time.Minute)) // before the series
	add(s1.ID, account.EventLogin, t0)
	add(s1.ID, account.EventLogin, t0.Add(59*time.Minute))
	add(s2.ID, account.EventLogin, t0.Add(30*time.Minute))
	add(s1.ID, account.EventCreated, t0.Add(61*time.Minute))
	add(s1.ID, account.EventLogin, t0.Add(3*time.Hour))
	got, err := db.CountEvents(ctx, 0, t0, time.Hour)
	want := []store.EventCount{{Type: "login", Step: 0, Count: 3}, {Type: "created", Step: 1, Count: 1}, {Type: "login", Step: 3, Count: 1}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("CountEvents = %+v, %v; want %+v", got, err, want)
	}
	got, err = db.CountEvents(ctx, s2.ID, t0, time.Hour)
	if want := []store.EventCount{{Type: "login", Step: 0, Count: 1}}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("CountEvents of a site = %+v, %v; want %+v", got, err, want)
	}

	if js, err := db.ListJobs(ctx, time.Time{}, 10); err != nil || len(js) != 0 {
		t.Fatalf("ListJobs of none = %v, %v", js, err)
	}
	var made []string
	for i := range 3 {
		j := job.Job{ID: unique("job"), SiteID: []int64{s1.ID, s2.ID, s1.ID}[i], Kind: job.Export, State: job.Queued,
			Params: []byte(`{}`), Result: []byte(`{}`), Created: t0.Add(time.Duration(i) * time.Minute), Updated: t0}
		if err := db.CreateJob(ctx, j, nil); err != nil {
			t.Fatal(err)
		}
		made = append(made, j.ID)
	}
	js, err := db.ListJobs(ctx, time.Time{}, 2)
	if err != nil || len(js) != 2 || js[0].ID != made[2] || js[1].ID != made[1] || js[1].SiteID != s2.ID || !js[0].Created.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("ListJobs = %+v, %v", js, err)
	}
	js, err = db.ListJobs(ctx, js[1].Created, 2)
	if err != nil || len(js) != 1 || js[0].ID != made[0] {
		t.Fatalf("ListJobs, next page = %+v, %v", js, err)
	}
	if _, ok, err := db.ClaimJob(ctx, "w", t0, t0.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("ClaimJob: %v, %v", ok, err)
	}
	for _, c := range []struct {
		state job.State
		want  int
	}{{job.Queued, 2}, {job.Running, 1}, {job.Failed, 0}} {
		if n, err := db.CountJobs(ctx, c.state); err != nil || n != c.want {
			t.Fatalf("CountJobs(%s) = %d, %v; want %d", c.state, n, err, c.want)
		}
	}
}

// A user's page shows the account's live sessions and its recent events,
// newest first.
func testUserPage(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a := newAccount(t, db, s.ID, email(unique("u")+"@example.com"))
	b := newAccount(t, db, s.ID, email(unique("v")+"@example.com"))
	var ids []int64
	for i, exp := range []time.Time{{}, t0.Add(time.Hour), t0.Add(-time.Second)} {
		sess := session.Session{SiteID: s.ID, AccountID: a.ID, TokenHash: []byte(unique("h")), CreatedAt: t0.Add(time.Duration(i) * time.Minute), ExpiresAt: exp}
		if err := db.CreateSession(ctx, &sess); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sess.ID)
	}
	other := session.Session{SiteID: s.ID, AccountID: b.ID, TokenHash: []byte(unique("h")), CreatedAt: t0}
	if err := db.CreateSession(ctx, &other); err != nil {
		t.Fatal(err)
	}
	got, err := db.AccountSessions(ctx, a.ID, t0, 10)
	if err != nil || len(got) != 2 || got[0].ID != ids[1] || got[1].ID != ids[0] || !got[0].ExpiresAt.Equal(t0.Add(time.Hour)) ||
		!got[1].ExpiresAt.IsZero() || !got[0].CreatedAt.Equal(t0.Add(time.Minute)) || got[0].SiteID != s.ID || len(got[0].TokenHash) != 0 {
		t.Fatalf("AccountSessions = %+v, %v", got, err)
	}
	if got, err := db.AccountSessions(ctx, a.ID, t0, 1); err != nil || len(got) != 1 {
		t.Fatalf("AccountSessions, limited = %+v, %v", got, err)
	}
	for i, typ := range []account.EventType{account.EventCreated, account.EventLogin, account.EventUpdated} {
		if err := db.AddAccountEvent(ctx, account.Event{SiteID: s.ID, UID: a.UID, Type: typ, At: t0.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddAccountEvent(ctx, account.Event{SiteID: s.ID, UID: b.UID, Type: account.EventLogin, At: t0}); err != nil {
		t.Fatal(err)
	}
	evs, err := db.AccountEventsOf(ctx, s.ID, a.UID, 2)
	if err != nil || len(evs) != 2 || evs[0].Type != account.EventUpdated || evs[1].Type != account.EventLogin || evs[0].UID != a.UID || !evs[0].At.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("AccountEventsOf = %+v, %v", evs, err)
	}
}

// Failed logins are counted by site and hour, concurrently without loss,
// and summed by step; the purge drops the hours past what is kept.
func testLoginFailures(t *testing.T, db *store.DB) {
	s1, s2 := NewSite(t, db), NewSite(t, db)
	count := func(siteID int64, hour time.Time, n int) {
		t.Helper()
		errs := make(chan error, n)
		for range n {
			go func() { errs <- db.CountLoginFailure(ctx, siteID, hour) }()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
	count(s1.ID, t0.Add(-time.Hour), 1) // before the series
	count(s1.ID, t0, 5)
	count(s2.ID, t0, 2)
	count(s1.ID, t0.Add(2*time.Hour), 1)
	got, err := db.CountLoginFailures(ctx, 0, t0, time.Hour)
	want := []store.EventCount{{Type: "login_failed", Step: 0, Count: 7}, {Type: "login_failed", Step: 2, Count: 1}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("CountLoginFailures = %+v, %v; want %+v", got, err, want)
	}
	got, err = db.CountLoginFailures(ctx, s2.ID, t0, 24*time.Hour)
	if want := []store.EventCount{{Type: "login_failed", Step: 0, Count: 2}}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("CountLoginFailures of a site by day = %+v, %v; want %+v", got, err, want)
	}
	if _, err := db.Purge(ctx, t0.Add(store.LoginFailureCountsKept+time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err = db.CountLoginFailures(ctx, 0, t0.Add(-24*time.Hour), time.Hour)
	if want := []store.EventCount{{Type: "login_failed", Step: 26, Count: 1}}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("CountLoginFailures after the purge = %+v, %v; want %+v", got, err, want)
	}
}
