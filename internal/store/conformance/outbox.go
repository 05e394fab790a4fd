package conformance

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/outbox"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("outbox", testOutbox, "EnqueueMail", "ClaimMail", "MarkMailSent", "MarkMailFailed")
	register("outbox-workers", testOutboxWorkers, "ClaimMail")
	register("outbox-queued", testOutboxQueued, "QueuedMail")
}

// QueuedMail counts what is not sent and not given up, up to its limit.
func testOutboxQueued(t *testing.T, db *store.DB) {
	count := func(step string, limit, want int) {
		t.Helper()
		if n, err := db.QueuedMail(ctx, limit); err != nil || n != want {
			t.Fatalf("%s: QueuedMail(%d) = %d, %v; want %d", step, limit, n, err, want)
		}
	}
	count("empty", 10, 0)
	for i := range 4 {
		if err := db.EnqueueMail(ctx, []byte(fmt.Sprint("m", i)), t0); err != nil {
			t.Fatal(err)
		}
	}
	count("four queued", 10, 4)
	count("bounded", 3, 3)
	got, err := db.ClaimMail(ctx, t0, t0.Add(time.Minute), 3)
	if err != nil || len(got) != 3 {
		t.Fatalf("ClaimMail: %v, %v", got, err)
	}
	count("claimed ones are still queued", 10, 4)
	if err := db.MarkMailSent(ctx, got[0].ID, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkMailFailed(ctx, got[1].ID, 1, t0.Add(time.Hour), "451"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkMailFailed(ctx, got[2].ID, outbox.MaxAttempts, outbox.GiveUp, "550"); err != nil {
		t.Fatal(err)
	}
	count("sent and given up are not", 10, 2)
}

func testOutbox(t *testing.T, db *store.DB) {
	for i := range 3 {
		if err := db.EnqueueMail(ctx, []byte(fmt.Sprint("m", i)), t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	lease := t0.Add(time.Hour)
	claim := func(step string, now time.Time, limit int, want ...string) []outbox.Entry {
		t.Helper()
		got, err := db.ClaimMail(ctx, now, now.Add(time.Minute), limit)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		var bodies []string
		for _, e := range got {
			bodies = append(bodies, string(e.Sealed))
		}
		slices.Sort(bodies) // the oldest are claimed, returned in no set order
		if !slices.Equal(bodies, want) {
			t.Fatalf("%s: claimed %q, want %q", step, bodies, want)
		}
		return got
	}
	claim("before any is due", t0.Add(-time.Second), 10)
	first := claim("due, oldest first, up to the limit", t0.Add(2*time.Second), 2, "m0", "m1")
	slices.SortFunc(first, func(a, b outbox.Entry) int { return int(a.ID - b.ID) })
	if first[0].Attempts != 0 || first[1].Attempts != 0 {
		t.Fatalf("entries %+v", first)
	}
	claim("leased ones are skipped", t0.Add(2*time.Second), 10, "m2")
	claim("nothing left", t0.Add(3*time.Second), 10)
	if err := db.MarkMailSent(ctx, first[0].ID, t0.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkMailFailed(ctx, first[1].ID, 1, lease, "smtp: 451"); err != nil {
		t.Fatal(err)
	}
	// After the lease: the unsent third is due again; the failed one waits
	// for its next attempt; the sent one never comes back.
	third := claim("after the lease", t0.Add(3*time.Minute), 10, "m2")
	if err := db.MarkMailFailed(ctx, third[0].ID, 4, lease.Add(time.Hour), "smtp: 452"); err != nil {
		t.Fatal(err)
	}
	again := claim("at the next attempt", lease, 10, "m1")
	if again[0].Attempts != 1 {
		t.Fatalf("attempts %d, want 1", again[0].Attempts)
	}
	for _, e := range claim("much later", lease.Add(24*time.Hour), 10, "m1", "m2") {
		if want := map[int64]int{again[0].ID: 1, third[0].ID: 4}[e.ID]; e.Attempts != want {
			t.Fatalf("entry %d: attempts %d, want %d", e.ID, e.Attempts, want)
		}
	}
}

// Workers claiming at once: no message is claimed twice, none is missed.
func testOutboxWorkers(t *testing.T, db *store.DB) {
	const messages, workers = 60, 6
	for i := range messages {
		if err := db.EnqueueMail(ctx, []byte(fmt.Sprint(i)), t0); err != nil {
			t.Fatal(err)
		}
	}
	claimed := race(workers, func(int) []int64 {
		var ids []int64
		for {
			got, err := db.ClaimMail(ctx, t0, t0.Add(time.Hour), 4)
			if err != nil {
				t.Error(err)
				return ids
			}
			if len(got) == 0 {
				return ids
			}
			for _, e := range got {
				ids = append(ids, e.ID)
			}
		}
	})
	all := slices.Concat(claimed...)
	slices.Sort(all)
	if len(all) != messages || len(slices.Compact(slices.Clone(all))) != messages {
		t.Fatalf("%d claims of %d messages: %v", len(all), messages, all)
	}
}
