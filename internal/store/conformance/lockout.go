package conformance

import (
	"slices"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("account-lockout", testAccountLockout, "RecordLoginFailure", "LockAccount", "ResetLoginFailures")
	register("ip-lockout", testIPLockout, "IPFailures", "RecordIPFailure", "ForgiveIPFailure", "LockIP")
}

func testAccountLockout(t *testing.T, db *store.DB) {
	s := NewSite(t, db)
	a := newAccount(t, db, s.ID)
	lockedUntil := t0.Add(10 * time.Minute)
	for _, c := range []struct {
		name  string
		do    func() (int, error)
		count int // the failure count afterwards
		until time.Time
	}{
		{"first failure", fail(db, a.ID, t0, time.Time{}), 1, time.Time{}},
		{"second failure", fail(db, a.ID, t0.Add(time.Second), t0.Add(-time.Hour)), 2, time.Time{}},
		{"lock", func() (int, error) { return 2, db.LockAccount(ctx, a.ID, lockedUntil) }, 2, lockedUntil},
		{"failure while locked", fail(db, a.ID, t0.Add(time.Minute), t0.Add(-time.Hour)), 3, lockedUntil},
		{"failure after the lockout ended", fail(db, a.ID, lockedUntil, t0.Add(-time.Hour)), 1, time.Time{}},
		{"failure within the reset time", fail(db, a.ID, lockedUntil.Add(time.Second), t0), 2, time.Time{}},
		{"failure after the reset time", fail(db, a.ID, lockedUntil.Add(2*time.Second), lockedUntil.Add(time.Second)), 1, time.Time{}},
		{"reset", func() (int, error) { return 0, db.ResetLoginFailures(ctx, a.ID) }, 0, time.Time{}},
	} {
		n, err := c.do()
		if err != nil || n != c.count {
			t.Fatalf("%s: %d, %v; want %d", c.name, n, err, c.count)
		}
		got, _ := db.AccountByID(ctx, s.ID, a.ID)
		if got.FailedLogins != c.count || !got.LockedUntil.Equal(c.until) {
			t.Fatalf("%s: account has %d failures, locked until %v; want %d, %v", c.name, got.FailedLogins, got.LockedUntil, c.count, c.until)
		}
	}
	// Concurrent failures all count: each sees its own number.
	const n = 16
	counts := race(n, func(int) int {
		c, err := db.RecordLoginFailure(ctx, a.ID, t0.Add(time.Hour), t0)
		if err != nil {
			t.Error(err)
		}
		return c
	})
	slices.Sort(counts)
	if counts[0] != 1 || counts[n-1] != n || len(slices.Compact(counts)) != n {
		t.Fatalf("concurrent failures counted %v", counts)
	}
}

func fail(db *store.DB, accountID int64, now, resetBefore time.Time) func() (int, error) {
	return func() (int, error) { return db.RecordLoginFailure(ctx, accountID, now, resetBefore) }
}

func testIPLockout(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	const ip = "192.0.2.1"
	window := func(now time.Time) time.Time { return now.Add(-time.Hour) }
	check := func(step string, siteID int64, now time.Time, count int, until time.Time) {
		t.Helper()
		n, locked, err := db.IPFailures(ctx, siteID, ip, window(now))
		if err != nil || n != count || !locked.Equal(until) {
			t.Fatalf("%s: IPFailures = %d, %v, %v; want %d, %v", step, n, locked, err, count, until)
		}
	}
	record := func(step string, now time.Time, want int) {
		t.Helper()
		if n, err := db.RecordIPFailure(ctx, s.ID, ip, now); n != want || err != nil {
			t.Fatalf("%s: RecordIPFailure = %d, %v; want %d", step, n, err, want)
		}
	}
	check("none yet", s.ID, t0, 0, time.Time{})
	record("first", t0, 1)
	record("second", t0.Add(time.Minute), 2)
	check("after two", s.ID, t0.Add(time.Minute), 2, time.Time{})
	check("another site", other.ID, t0.Add(time.Minute), 0, time.Time{})
	if err := db.ForgiveIPFailure(ctx, s.ID, ip); err != nil {
		t.Fatal(err)
	}
	check("forgiven", s.ID, t0.Add(time.Minute), 1, time.Time{})
	for range 3 {
		if err := db.ForgiveIPFailure(ctx, s.ID, ip); err != nil {
			t.Fatal(err)
		}
	}
	check("forgiven below zero", s.ID, t0.Add(time.Minute), 0, time.Time{})
	if err := db.ForgiveIPFailure(ctx, s.ID, "198.51.100.7"); err != nil {
		t.Fatalf("forgiving an unknown address: %v", err)
	}
	record("after forgiving", t0.Add(2*time.Minute), 1)
	until := t0.Add(time.Hour)
	if err := db.LockIP(ctx, s.ID, ip, until); err != nil {
		t.Fatal(err)
	}
	check("locked", s.ID, t0.Add(2*time.Minute), 1, until)
	record("while locked", t0.Add(3*time.Minute), 2)
	record("after the lockout ended", until, 1)
	check("quiet for the whole window", s.ID, until.Add(time.Hour), 0, time.Time{})
	record("after a quiet window", until.Add(time.Hour), 1)

	// Concurrent failures from one address all count.
	const n = 16
	later := until.Add(3 * time.Hour)
	counts := race(n, func(int) int {
		c, err := db.RecordIPFailure(ctx, other.ID, ip, later)
		if err != nil {
			t.Error(err)
		}
		return c
	})
	slices.Sort(counts)
	if counts[0] != 1 || counts[n-1] != n || len(slices.Compact(counts)) != n {
		t.Fatalf("concurrent failures counted %v", counts)
	}
}
