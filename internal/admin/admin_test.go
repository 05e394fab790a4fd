package admin_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/custos-id/custos/internal/admin"
	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

var ctx = context.Background()

// initialPassword is the password an admin is created with: enrolling
// replaces it.
const initialPassword = "initial password 1"

// clock is a settable time for the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	svc *admin.Service
	db  *store.DB
	clk *clock
}

func forEachEngine(t *testing.T, f func(t *testing.T, e env)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, engine)
			box, err := secretbox.New(bytes.Repeat([]byte{5}, secretbox.KeySize))
			if err != nil {
				t.Fatal(err)
			}
			h, err := password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 4)
			if err != nil {
				t.Fatal(err)
			}
			clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
			f(t, env{admin.New(db, box, h, admin.Options{Now: clk.now}), db, clk})
		})
	}
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolled creates an admin, enrolls its TOTP and answers its secret and a
// session token.
func enrolled(t *testing.T, e env, name string, role admin.Role) (admin.Admin, string, string) {
	t.Helper()
	const pw = "correct horse battery"
	a, gen, err := e.svc.Create(ctx, admin.CLI, admin.NewAdmin{Username: name, Role: role, Password: initialPassword})
	if err != nil || gen != "" {
		t.Fatalf("Create: %v (password %q)", err, gen)
	}
	res, err := e.svc.Login(ctx, name, initialPassword, "")
	if err != nil || res.Enroll == nil || res.Token != "" {
		t.Fatalf("first Login = %+v, %v; want an enrollment", res, err)
	}
	secret := res.Enroll.Secret
	res, err = e.svc.Enroll(ctx, name, initialPassword, code(t, secret, e.clk.now()), pw)
	if err != nil || res.Token == "" || !res.Session.Admin.TOTPEnrolled {
		t.Fatalf("Enroll = %+v, %v", res, err)
	}
	e.clk.add(30 * time.Second) // the next code is a new one
	return a, secret, res.Token
}

func TestEnrollmentAndLogin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		const pw = "correct horse battery"
		if _, _, err := e.svc.Create(ctx, admin.CLI, admin.NewAdmin{Username: "Alice", Role: admin.Owner, Password: initialPassword}); err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.Login(ctx, "alice", initialPassword, "")
		if err != nil || res.Enroll == nil {
			t.Fatalf("Login = %+v, %v", res, err)
		}
		u, err := url.Parse(res.Enroll.OTPAuthURI)
		if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != res.Enroll.Secret ||
			u.Query().Get("issuer") != "custos" || !strings.Contains(u.Path, "alice") {
			t.Fatalf("otpauth URI %q", res.Enroll.OTPAuthURI)
		}
		// Each password-only login draws a new secret: an earlier copy
		// (someone else's) confirms nothing.
		again, _ := e.svc.Login(ctx, "alice", initialPassword, "")
		if again.Enroll == nil || again.Enroll.Secret == res.Enroll.Secret {
			t.Fatal("a second login before confirming answered the same secret")
		}
		old, secret := res.Enroll.Secret, again.Enroll.Secret
		if c := code(t, old, e.clk.now()); c != code(t, secret, e.clk.now()) {
			if _, err := e.svc.Enroll(ctx, "alice", initialPassword, c, pw); !errors.Is(err, admin.ErrInvalidCredentials) {
				t.Fatalf("Enroll with the earlier secret's code: %v", err)
			}
		}
		if p, err := e.svc.Audit(ctx, admin.AuditFilter{Action: "admin.enroll.start"}, admin.Page{}); err != nil || len(p.Entries) != 2 || p.Entries[0].Username != "alice" {
			t.Fatalf("audit of the enrollments started: %+v, %v", p, err)
		}
		if _, err := e.svc.Enroll(ctx, "alice", initialPassword, "000000", pw); !errors.Is(err, admin.ErrInvalidCredentials) && code(t, secret, e.clk.now()) != "000000" {
			t.Fatalf("Enroll with a wrong code: %v", err)
		}
		if _, err := e.svc.Enroll(ctx, "alice", "wrong password!", code(t, secret, e.clk.now()), pw); !errors.Is(err, admin.ErrInvalidCredentials) {
			t.Fatalf("Enroll with a wrong password: %v", err)
		}
		// The first password is for one use: enrolling must replace it.
		for _, np := range []string{"", "short", initialPassword} {
			if _, err := e.svc.Enroll(ctx, "alice", initialPassword, code(t, secret, e.clk.now()), np); !errors.Is(err, admin.ErrInvalid) {
				t.Fatalf("Enroll with new password %q: %v", np, err)
			}
		}
		c := code(t, secret, e.clk.now())
		res, err = e.svc.Enroll(ctx, "alice", initialPassword, c, pw)
		if err != nil || res.Token == "" || res.Session.CSRFToken == "" || !res.Session.Admin.TOTPEnrolled {
			t.Fatalf("Enroll = %+v, %v", res, err)
		}
		if _, err := e.svc.Login(ctx, "alice", initialPassword, c); !errors.Is(err, admin.ErrInvalidCredentials) {
			t.Fatalf("the first password after enrolling: %v", err)
		}
		if _, err := e.svc.Enroll(ctx, "alice", pw, c, "yet another password"); !errors.Is(err, admin.ErrNotEnrolling) {
			t.Fatalf("Enroll again: %v", err)
		}
		// Enrolled: a password alone asks for the code; the code just used
		// is refused; the next one works once.
		if _, err := e.svc.Login(ctx, "alice", pw, ""); !errors.Is(err, admin.ErrCodeRequired) {
			t.Fatalf("Login without code: %v", err)
		}
		if _, err := e.svc.Login(ctx, "alice", pw, c); !errors.Is(err, admin.ErrInvalidCredentials) {
			t.Fatalf("Login with a used code: %v", err)
		}
		e.clk.add(30 * time.Second)
		c = code(t, secret, e.clk.now())
		res, err = e.svc.Login(ctx, "alice", pw, c)
		if err != nil || res.Token == "" || res.Enroll != nil {
			t.Fatalf("Login = %+v, %v", res, err)
		}
		if _, err := e.svc.Login(ctx, "alice", pw, c); !errors.Is(err, admin.ErrInvalidCredentials) {
			t.Fatalf("the same code twice: %v", err)
		}
		s, err := e.svc.Session(ctx, res.Token)
		if err != nil || s.Admin.Username != "alice" || s.Admin.Role != admin.Owner || s.CSRFToken != res.Session.CSRFToken ||
			s.Admin.LastLoginAt.IsZero() {
			t.Fatalf("Session = %+v, %v", s, err)
		}
		if !s.CheckCSRF(res.Session.CSRFToken) || s.CheckCSRF("") || s.CheckCSRF(res.Session.CSRFToken+"x") {
			t.Fatal("CheckCSRF")
		}
		p, err := authn.AdminSession(ctx, e.svc, res.Token)
		if err != nil || !p.Allows(admin.Operator) || p.Admin().Username != "alice" {
			t.Fatalf("authn.AdminSession = %+v, %v", p, err)
		}
		if err := e.svc.Logout(ctx, res.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := authn.AdminSession(ctx, e.svc, res.Token); !errors.Is(err, authn.ErrAdminUnauthenticated) {
			t.Fatalf("after Logout: %v", err)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		_, _, tok := enrolled(t, e, "bob", admin.Operator)
		// Used every 20 minutes, it lives until 12 hours after login.
		for range 12*3 - 2 {
			e.clk.add(20 * time.Minute)
			if _, err := e.svc.Session(ctx, tok); err != nil {
				t.Fatalf("at %v: %v", e.clk.now(), err)
			}
		}
		e.clk.add(40 * time.Minute)
		if _, err := e.svc.Session(ctx, tok); !errors.Is(err, admin.ErrSessionExpired) {
			t.Fatalf("past 12 hours: %v", err)
		}
		if _, err := e.svc.Session(ctx, tok); !errors.Is(err, admin.ErrSessionUnknown) {
			t.Fatalf("an expired session is gone: %v", err)
		}
		_, _, tok = enrolledAgain(t, e, "bob")
		e.clk.add(29 * time.Minute)
		if _, err := e.svc.Session(ctx, tok); err != nil {
			t.Fatal(err)
		}
		e.clk.add(30 * time.Minute)
		if _, err := authn.AdminSession(ctx, e.svc, tok); !errors.Is(err, authn.ErrAdminUnauthenticated) {
			t.Fatalf("idle 30 minutes: %v", err)
		}
		for _, bad := range []string{"", "nope", "cat1_" + strings.Repeat("a", 200)} {
			if _, err := e.svc.Session(ctx, bad); !errors.Is(err, admin.ErrSessionUnknown) {
				t.Fatalf("Session(%q): %v", bad, err)
			}
		}
	})
}

// enrolledAgain logs an enrolled admin in with a fresh code.
func enrolledAgain(t *testing.T, e env, name string) (admin.Admin, string, string) {
	t.Helper()
	// The admin's secret is sealed; reset the TOTP and enroll afresh.
	list, _ := e.svc.List(ctx)
	var id int64
	for _, a := range list {
		if a.Username == name {
			id = a.ID
		}
	}
	if _, err := e.svc.Update(ctx, admin.CLI, id, admin.Change{ResetTOTP: true}); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Login(ctx, name, "correct horse battery", "")
	if err != nil || res.Enroll == nil {
		t.Fatalf("Login after ResetTOTP = %+v, %v", res, err)
	}
	res, err = e.svc.Enroll(ctx, name, "correct horse battery", code(t, res.Enroll.Secret, e.clk.now()), "another horse battery")
	if err != nil {
		t.Fatal(err)
	}
	return res.Session.Admin, "", res.Token
}

func TestLockoutWithoutEnumeration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		const pw = "correct horse battery"
		if _, _, err := e.svc.Create(ctx, admin.CLI, admin.NewAdmin{Username: "carol", Role: admin.Owner, Password: pw}); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"carol", "nobody"} {
			for i := range 5 {
				_, err := e.svc.Login(ctx, name, "wrong password", "")
				want := admin.ErrInvalidCredentials
				if i == 4 {
					want = admin.ErrLocked
				}
				if !errors.Is(err, want) {
					t.Fatalf("%s failure %d: %v, want %v", name, i+1, err, want)
				}
			}
			if _, err := e.svc.Login(ctx, name, pw, ""); !errors.Is(err, admin.ErrLocked) {
				t.Fatalf("%s locked, right password: %v", name, err)
			}
		}
		e.clk.add(15 * time.Minute)
		res, err := e.svc.Login(ctx, "carol", pw, "")
		if err != nil || res.Enroll == nil {
			t.Fatalf("after the lockout: %+v, %v", res, err)
		}
		if _, err := e.svc.Login(ctx, "nobody", pw, ""); !errors.Is(err, admin.ErrInvalidCredentials) {
			t.Fatalf("unknown after the lockout: %v", err)
		}
	})
}

func TestAdminsAndAudit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		owner, pw, created, err := e.svc.CreateFirst(ctx, "admin")
		if err != nil || !created || owner.Role != admin.Owner || len(pw) < admin.MinPasswordLen {
			t.Fatalf("CreateFirst = %+v, %q, %v, %v", owner, pw, created, err)
		}
		if _, _, created, err := e.svc.CreateFirst(ctx, "other"); created || err != nil {
			t.Fatalf("CreateFirst again: %v, %v", created, err)
		}
		if res, err := e.svc.Login(ctx, "admin", pw, ""); err != nil || res.Enroll == nil {
			t.Fatalf("the first owner's password: %+v, %v", res, err)
		}
		for _, in := range []admin.NewAdmin{
			{Username: "", Role: admin.Operator},
			{Username: "a b", Role: admin.Operator},
			{Username: strings.Repeat("a", 65), Role: admin.Operator},
			{Username: "x", Role: "root"},
			{Username: "x", Role: admin.Operator, Password: "short"},
		} {
			if _, _, err := e.svc.Create(ctx, owner, in); !errors.Is(err, admin.ErrInvalid) {
				t.Fatalf("Create(%+v): %v", in, err)
			}
		}
		if _, _, err := e.svc.Create(ctx, owner, admin.NewAdmin{Username: "ADMIN", Role: admin.ReadOnly}); !errors.Is(err, admin.ErrUsernameTaken) {
			t.Fatalf("Create of a taken name: %v", err)
		}
		ro, rpw, err := e.svc.Create(ctx, owner, admin.NewAdmin{Username: "ro", Role: admin.ReadOnly})
		if err != nil || rpw == "" {
			t.Fatal(err)
		}
		if _, err := e.svc.Update(ctx, owner, owner.ID, admin.Change{Role: ptr(admin.Operator)}); !errors.Is(err, admin.ErrLastOwner) {
			t.Fatalf("demote the last owner: %v", err)
		}
		if err := e.svc.Delete(ctx, owner, owner.ID); !errors.Is(err, admin.ErrLastOwner) {
			t.Fatalf("delete the last owner: %v", err)
		}
		got, err := e.svc.Update(ctx, owner, ro.ID, admin.Change{Role: ptr(admin.Operator), Disabled: ptr(true)})
		if err != nil || got.Role != admin.Operator || !got.Disabled {
			t.Fatalf("Update = %+v, %v", got, err)
		}
		if _, err := e.svc.Login(ctx, "ro", rpw, ""); !errors.Is(err, admin.ErrInvalidCredentials) {
			t.Fatalf("a disabled admin's login: %v", err)
		}
		if err := e.svc.Delete(ctx, owner, ro.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Record(ctx, owner, "site.update", "site:1", map[string]string{"name": "a"}, map[string]string{"name": "b"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Record(ctx, owner, "", "x", nil, nil); !errors.Is(err, admin.ErrInvalid) {
			t.Fatalf("Record without action: %v", err)
		}
		big := strings.Repeat("x", admin.MaxAuditJSON)
		if err := e.svc.Record(ctx, owner, "site.update", "site:1", nil, big); err != nil {
			t.Fatal(err)
		}
		p, err := e.svc.Audit(ctx, admin.AuditFilter{}, admin.Page{Limit: 3})
		if err != nil || len(p.Entries) != 3 || p.Next == "" {
			t.Fatalf("Audit page 1 = %+v, %v", p, err)
		}
		if !strings.Contains(string(p.Entries[0].After), `"truncated":true`) || p.Entries[1].Action != "site.update" ||
			string(p.Entries[1].Before) != `{"name":"a"}` || p.Entries[2].Action != "admin.delete" || p.Entries[2].Username != "admin" {
			t.Fatalf("entries: %+v", p.Entries)
		}
		p2, err := e.svc.Audit(ctx, admin.AuditFilter{}, admin.Page{Cursor: p.Next, Limit: 4})
		if err != nil || len(p2.Entries) != 4 || p2.Next != "" {
			t.Fatalf("Audit page 2 = %+v, %v", p2, err)
		}
		var actions []string
		for _, en := range p2.Entries {
			actions = append(actions, en.Action+"/"+en.Username)
		}
		if strings.Join(actions, " ") != "admin.update/admin admin.create/admin admin.enroll.start/admin admin.create/custos" {
			t.Fatalf("page 2 actions: %v", actions)
		}
		if strings.Contains(string(p2.Entries[1].After), "password") && !strings.Contains(string(p2.Entries[1].After), "passwordChanged") {
			t.Fatalf("an audit entry holds a password: %s", p2.Entries[1].After)
		}
		for _, bad := range []admin.Page{{Cursor: "x"}, {Limit: -1}, {Limit: admin.MaxPageLimit + 1}} {
			if _, err := e.svc.Audit(ctx, admin.AuditFilter{}, bad); !errors.Is(err, admin.ErrInvalid) {
				t.Fatalf("Audit(%+v): %v", bad, err)
			}
		}
	})
}

func TestDisableEndsSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		if _, _, _, err := e.svc.CreateFirst(ctx, "root"); err != nil {
			t.Fatal(err)
		}
		a, _, tok := enrolled(t, e, "dave", admin.Operator)
		if _, err := e.svc.Update(ctx, admin.CLI, a.ID, admin.Change{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Session(ctx, tok); !errors.Is(err, admin.ErrSessionUnknown) {
			t.Fatalf("a disabled admin's session: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// Concurrent attempts cannot get past the lockout: each is counted before
// its password is hashed, so of 30 at once no more than 5 are checked (the
// right password of an enrolled admin without its code is no success).
func TestLockoutConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e env) {
		enrolled(t, e, "target", admin.Owner)
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Go(func() {
				pw := "wrong horse battery"
				if i == 29 {
					pw = "correct horse battery"
				}
				_, err := e.svc.Login(ctx, "target", pw, "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case errors.Is(err, admin.ErrCodeRequired):
					got["accepted"]++
				case errors.Is(err, admin.ErrLocked):
					got["locked"]++
				case errors.Is(err, admin.ErrInvalidCredentials):
					got["checked and wrong"]++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if checked := got["accepted"] + got["checked and wrong"]; checked > 5 || got["locked"] < 25 {
			t.Fatalf("30 attempts at once: %v; want at most 5 checked", got)
		}
	})
}
