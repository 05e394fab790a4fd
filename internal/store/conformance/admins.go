package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("admins", testAdmins, "CreateAdmin", "CreateFirstAdmin", "AdminByID", "AdminByUsername", "ListAdmins",
		"UpdateAdmin", "DeleteAdmin", "UseAdminTOTPStep", "WithAdminTx")
	register("admin sessions", testAdminSessions, "CreateAdminSession", "AdminSession", "TouchAdminSession",
		"DeleteAdminSession", "DeleteAdminSessions", "PurgeAdminSessions")
	register("admin lockout", testAdminLockout, "AdminLockedUntil", "ReserveAdminLogin", "ResetAdminLoginFailures")
	register("audit log", testAudit, "AddAudit", "AuditEntries")
}

func newAdmin(t *testing.T, db *store.DB, name string, role admin.Role) admin.Record {
	t.Helper()
	r := admin.Record{Admin: admin.Admin{Username: name, Role: role, CreatedAt: t0}, PasswordHash: "h", UpdatedAt: t0}
	if err := db.CreateAdmin(ctx, &r); err != nil {
		t.Fatalf("CreateAdmin %s: %v", name, err)
	}
	return r
}

// Admins: unique usernames, the first admin only once (also in a race),
// TOTP secrets stored as given, a code's step used once, and never no
// enabled owner left.
func testAdmins(t *testing.T, db *store.DB) {
	first := admin.Record{Admin: admin.Admin{Username: "first", Role: admin.Owner, CreatedAt: t0}, PasswordHash: "h", UpdatedAt: t0}
	got := race(4, func(i int) outcome[bool] {
		r := first
		r.Username = unique("first")
		ok, err := db.CreateFirstAdmin(ctx, &r)
		return outcome[bool]{ok, err}
	})
	n := 0
	for _, o := range got {
		if o.err != nil {
			t.Fatalf("CreateFirstAdmin: %v", o.err)
		}
		if o.v {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("CreateFirstAdmin created %d admins in a race, want 1", n)
	}
	owners, err := db.ListAdmins(ctx)
	if err != nil || len(owners) != 1 {
		t.Fatalf("ListAdmins = %v, %v", owners, err)
	}
	owner := owners[0]
	if owner.Role != admin.Owner || !owner.CreatedAt.Equal(t0) || owner.TOTPEnrolled || owner.LastLoginAt != (time.Time{}) {
		t.Fatalf("first admin = %+v", owner)
	}

	op := newAdmin(t, db, "op", admin.Operator)
	dup := admin.Record{Admin: admin.Admin{Username: "op", Role: admin.ReadOnly, CreatedAt: t0}, PasswordHash: "h", UpdatedAt: t0}
	if err := db.CreateAdmin(ctx, &dup); !errors.Is(err, admin.ErrUsernameTaken) {
		t.Fatalf("CreateAdmin of a taken username: %v", err)
	}
	if _, err := db.AdminByUsername(ctx, "nobody"); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("AdminByUsername(nobody): %v", err)
	}
	if _, err := db.AdminByID(ctx, op.ID+1000); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("AdminByID(unknown): %v", err)
	}

	op.TOTPSealed, op.TOTPPending, op.PasswordHash, op.UpdatedAt = []byte{1, 2}, nil, "h2", t0.Add(time.Second)
	if err := db.UpdateAdmin(ctx, op); err != nil {
		t.Fatal(err)
	}
	r, err := db.AdminByUsername(ctx, "op")
	if err != nil || !bytes.Equal(r.TOTPSealed, []byte{1, 2}) || r.TOTPPending != nil || !r.TOTPEnrolled ||
		r.PasswordHash != "h2" || !r.UpdatedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("after UpdateAdmin: %+v, %v", r, err)
	}
	if err := db.UpdateAdmin(ctx, admin.Record{Admin: admin.Admin{ID: op.ID + 1000, Role: admin.Owner}}); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("UpdateAdmin(unknown): %v", err)
	}

	// The one owner can be neither demoted, disabled nor deleted.
	demoted := owner
	demoted.Role = admin.Operator
	disabled := owner
	disabled.Disabled = true
	for name, rec := range map[string]admin.Record{"demote": demoted, "disable": disabled} {
		if err := db.UpdateAdmin(ctx, rec); !errors.Is(err, admin.ErrLastOwner) {
			t.Fatalf("%s the last owner: %v", name, err)
		}
	}
	if err := db.DeleteAdmin(ctx, owner.ID); !errors.Is(err, admin.ErrLastOwner) {
		t.Fatalf("delete the last owner: %v", err)
	}
	if r, _ := db.AdminByID(ctx, owner.ID); r.Role != admin.Owner || r.Disabled {
		t.Fatalf("refused changes changed the owner: %+v", r)
	}
	// With two owners, two demotions at once leave one.
	op.Role = admin.Owner
	if err := db.UpdateAdmin(ctx, op); err != nil {
		t.Fatal(err)
	}
	op.Role = admin.Operator
	errs := race(2, func(i int) error {
		if i == 0 {
			return db.UpdateAdmin(ctx, demoted)
		}
		return db.UpdateAdmin(ctx, op)
	})
	if (errs[0] == nil) == (errs[1] == nil) || !errors.Is(errors.Join(errs...), admin.ErrLastOwner) {
		t.Fatalf("two demotions of the two owners: %v", errs)
	}
	all, _ := db.ListAdmins(ctx)
	left := 0
	for _, a := range all {
		if a.Role == admin.Owner {
			left++
		}
	}
	if left != 1 {
		t.Fatalf("%d owners left after the race, want 1", left)
	}

	// A code's step is used once, even by two at once.
	ok := race(3, func(int) outcome[bool] {
		ok, err := db.UseAdminTOTPStep(ctx, op.ID, 100)
		return outcome[bool]{ok, err}
	})
	wins := 0
	for _, o := range ok {
		if o.err != nil {
			t.Fatal(o.err)
		}
		if o.v {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("UseAdminTOTPStep(100) won %d times", wins)
	}
	if ok, err := db.UseAdminTOTPStep(ctx, op.ID, 99); ok || err != nil {
		t.Fatalf("an earlier step: %v, %v", ok, err)
	}
	if ok, err := db.UseAdminTOTPStep(ctx, op.ID, 101); !ok || err != nil {
		t.Fatalf("a later step: %v, %v", ok, err)
	}

	// A transaction that fails writes nothing.
	boom := errors.New("boom")
	err = db.WithAdminTx(ctx, func(tx admin.Store) error {
		r := admin.Record{Admin: admin.Admin{Username: "ghost", Role: admin.Operator, CreatedAt: t0}, PasswordHash: "h", UpdatedAt: t0}
		if err := tx.CreateAdmin(ctx, &r); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithAdminTx: %v", err)
	}
	if _, err := db.AdminByUsername(ctx, "ghost"); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("a rolled back admin stayed: %v", err)
	}

	// A non-owner goes; then a deleted admin is gone.
	ro := newAdmin(t, db, "ro", admin.ReadOnly)
	if err := db.DeleteAdmin(ctx, ro.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAdmin(ctx, ro.ID); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("DeleteAdmin twice: %v", err)
	}
}

// Admin sessions: found by hash with their admin, touched, ended one by
// one, by admin, with the admin, and purged by idle and absolute time.
func testAdminSessions(t *testing.T, db *store.DB) {
	a := newAdmin(t, db, "a", admin.Owner)
	b := newAdmin(t, db, "b", admin.Operator)
	s1 := admin.SessionRecord{TokenHash: []byte("hash-1-of-32-bytes-xxxxxxxxxxxxx"), AdminID: a.ID, CreatedAt: t0, LastSeenAt: t0}
	s2 := admin.SessionRecord{TokenHash: []byte("hash-2-of-32-bytes-xxxxxxxxxxxxx"), AdminID: a.ID, CreatedAt: t0, LastSeenAt: t0}
	s3 := admin.SessionRecord{TokenHash: []byte("hash-3-of-32-bytes-xxxxxxxxxxxxx"), AdminID: b.ID, CreatedAt: t0.Add(time.Hour), LastSeenAt: t0.Add(time.Hour)}
	for _, s := range []admin.SessionRecord{s1, s2, s3} {
		if err := db.CreateAdminSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateAdminSession(ctx, admin.SessionRecord{TokenHash: []byte("x"), AdminID: b.ID + 1000, CreatedAt: t0, LastSeenAt: t0}); err == nil {
		t.Fatal("CreateAdminSession of an unknown admin succeeded")
	}
	got, r, err := db.AdminSession(ctx, s1.TokenHash)
	if err != nil || got.AdminID != a.ID || !got.CreatedAt.Equal(t0) || r.Username != "a" || !r.LastLoginAt.Equal(t0) {
		t.Fatalf("AdminSession = %+v, %+v, %v", got, r, err)
	}
	if _, _, err := db.AdminSession(ctx, []byte("nope")); !errors.Is(err, admin.ErrSessionUnknown) {
		t.Fatalf("AdminSession(unknown): %v", err)
	}
	if err := db.TouchAdminSession(ctx, s1.TokenHash, t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.TouchAdminSession(ctx, s1.TokenHash, t0.Add(5*time.Minute)); err != nil { // never backwards
		t.Fatal(err)
	}
	if got, _, _ := db.AdminSession(ctx, s1.TokenHash); !got.LastSeenAt.Equal(t0.Add(10 * time.Minute)) {
		t.Fatalf("LastSeenAt = %v", got.LastSeenAt)
	}
	// Idle before t0+1m: s2 (seen at t0) goes, s1 (t0+10m) and s3 stay.
	n, err := db.PurgeAdminSessions(ctx, t0.Add(time.Minute), t0.Add(-time.Hour), t0)
	if err != nil || n != 1 {
		t.Fatalf("PurgeAdminSessions = %d, %v; want 1", n, err)
	}
	if _, _, err := db.AdminSession(ctx, s2.TokenHash); !errors.Is(err, admin.ErrSessionUnknown) {
		t.Fatalf("purged session: %v", err)
	}
	// Created before t0+1m: s1 goes.
	if n, err := db.PurgeAdminSessions(ctx, t0, t0.Add(time.Minute), t0); err != nil || n != 1 {
		t.Fatalf("PurgeAdminSessions (absolute) = %d, %v; want 1", n, err)
	}
	if err := db.DeleteAdminSession(ctx, s3.TokenHash); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAdminSession(ctx, s3.TokenHash); err != nil {
		t.Fatalf("DeleteAdminSession twice: %v", err)
	}
	if err := db.CreateAdminSession(ctx, s3); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAdminSessions(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AdminSession(ctx, s3.TokenHash); !errors.Is(err, admin.ErrSessionUnknown) {
		t.Fatalf("after DeleteAdminSessions: %v", err)
	}
	if err := db.CreateAdminSession(ctx, s3); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAdmin(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AdminSession(ctx, s3.TokenHash); !errors.Is(err, admin.ErrSessionUnknown) {
		t.Fatalf("a deleted admin's session: %v", err)
	}
}

// Lockout by username (known or not): attempts are reserved before they
// are checked, within the window; of many at once no more than the maximum
// are let through, one of them locks the name; a success resets.
func testAdminLockout(t *testing.T, db *store.DB) {
	since := t0.Add(-15 * time.Minute)
	lockUntil := t0.Add(15 * time.Minute)
	if until, err := db.AdminLockedUntil(ctx, "x"); err != nil || !until.IsZero() {
		t.Fatalf("AdminLockedUntil(no failures) = %v, %v", until, err)
	}
	type reserved struct{ allowed, locks bool }
	outs := race(12, func(int) outcome[reserved] {
		a, l, err := db.ReserveAdminLogin(ctx, "x", t0, since, 5, lockUntil)
		return outcome[reserved]{reserved{a, l}, err}
	})
	allowed, locks := 0, 0
	for _, o := range outs {
		if o.err != nil {
			t.Fatal(o.err)
		}
		if o.v.allowed {
			allowed++
		}
		if o.v.locks {
			locks++
		}
	}
	if allowed != 5 || locks != 1 {
		t.Fatalf("12 attempts at once: %d let through, %d locked, want 5 and 1", allowed, locks)
	}
	if until, err := db.AdminLockedUntil(ctx, "x"); err != nil || !until.Equal(lockUntil) {
		t.Fatalf("AdminLockedUntil = %v, %v", until, err)
	}
	// Failures older than the window start over.
	for i := range 4 {
		at := t0.Add(time.Duration(i) * time.Hour)
		if a, l, err := db.ReserveAdminLogin(ctx, "y", at, at.Add(-time.Minute), 2, at.Add(time.Minute)); !a || l || err != nil {
			t.Fatalf("spread attempt %d: %v, %v, %v", i, a, l, err)
		}
	}
	if a, l, _ := db.ReserveAdminLogin(ctx, "y", t0.Add(3*time.Hour), t0, 2, t0.Add(4*time.Hour)); !a || !l {
		t.Fatal("a second attempt within the window did not lock")
	}
	if a, _, _ := db.ReserveAdminLogin(ctx, "y", t0.Add(3*time.Hour), t0, 2, t0.Add(4*time.Hour)); a {
		t.Fatal("an attempt while locked was let through")
	}
	if err := db.ResetAdminLoginFailures(ctx, "y"); err != nil {
		t.Fatal(err)
	}
	if until, err := db.AdminLockedUntil(ctx, "y"); err != nil || !until.IsZero() {
		t.Fatalf("after reset: %v, %v", until, err)
	}
	// Purge forgets old failures whose lock ended.
	if _, err := db.PurgeAdminSessions(ctx, t0, t0, lockUntil.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if until, _ := db.AdminLockedUntil(ctx, "x"); !until.IsZero() {
		t.Fatalf("purged failures stayed: locked until %v", until)
	}
}

// The audit log: entries in id order, newest first, filtered, paged.
func testAudit(t *testing.T, db *store.DB) {
	add := func(adminID int64, action, target string, before, after string, at time.Time) admin.AuditEntry {
		e := admin.AuditEntry{At: at, AdminID: adminID, Username: "u", Action: action, Target: target,
			Before: json.RawMessage(before), After: json.RawMessage(after)}
		if err := db.AddAudit(ctx, &e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	e1 := add(1, "site.create", "site:1", "", `{"name":"a"}`, t0)
	e2 := add(2, "site.update", "site:1", `{"name":"a"}`, `{"name":"b"}`, t0.Add(time.Minute))
	e3 := add(1, "admin.create", "admin:5", "null", `{"role":"owner"}`, t0.Add(2*time.Minute))
	if !(e1.ID < e2.ID && e2.ID < e3.ID) {
		t.Fatalf("ids not increasing: %d %d %d", e1.ID, e2.ID, e3.ID)
	}
	ids := func(f admin.AuditFilter, before int64, limit int) []int64 {
		t.Helper()
		es, err := db.AuditEntries(ctx, f, before, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	eq := func(name string, got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s = %v, want %v", name, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s = %v, want %v", name, got, want)
			}
		}
	}
	eq("all", ids(admin.AuditFilter{}, 0, 10), e3.ID, e2.ID, e1.ID)
	eq("page", ids(admin.AuditFilter{}, e3.ID, 1), e2.ID)
	eq("admin", ids(admin.AuditFilter{AdminID: 1}, 0, 10), e3.ID, e1.ID)
	eq("action", ids(admin.AuditFilter{Action: "site.update"}, 0, 10), e2.ID)
	eq("action prefix", ids(admin.AuditFilter{Action: "site."}, 0, 10), e2.ID, e1.ID)
	eq("target", ids(admin.AuditFilter{Target: "site:1"}, 0, 10), e2.ID, e1.ID)
	eq("since/until", ids(admin.AuditFilter{Since: t0.Add(time.Minute), Until: t0.Add(2 * time.Minute)}, 0, 10), e2.ID)
	eq("a quote is a value", ids(admin.AuditFilter{Target: "x' OR '1'='1"}, 0, 10))
	es, _ := db.AuditEntries(ctx, admin.AuditFilter{}, 0, 3)
	got := es[2]
	if string(got.Before) != "null" || string(got.After) != `{"name":"a"}` || !got.At.Equal(t0) || got.Username != "u" ||
		got.Action != "site.create" || got.Target != "site:1" || got.AdminID != 1 {
		t.Fatalf("stored entry = %+v (before %s, after %s)", got, got.Before, got.After)
	}
	if string(es[1].Before) != `{"name":"a"}` {
		t.Fatalf("before = %s", es[1].Before)
	}
}
