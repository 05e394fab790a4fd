package admin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/custos-id/custos/internal/password"
	"github.com/custos-id/custos/internal/secretbox"
)

// Options are the service's timeouts and limits; zero fields take the
// defaults.
type Options struct {
	// IdleTimeout ends a session not used for so long (30 min).
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session so long after login (12 h).
	AbsoluteTimeout time.Duration
	// MaxFailures failed logins of a username within LockoutFor lock it
	// for LockoutFor (5, 15 min).
	MaxFailures int
	LockoutFor  time.Duration
	// Issuer names custos in authenticator apps ("custos").
	Issuer string
	// Now is the clock (time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 30 * time.Minute
	}
	if o.AbsoluteTimeout <= 0 {
		o.AbsoluteTimeout = 12 * time.Hour
	}
	if o.MaxFailures <= 0 {
		o.MaxFailures = 5
	}
	if o.LockoutFor <= 0 {
		o.LockoutFor = 15 * time.Minute
	}
	if o.Issuer == "" {
		o.Issuer = "custos"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Service manages admins, their logins and sessions, and the audit log.
type Service struct {
	store  Store
	box    *secretbox.Box
	hasher *password.Hasher
	o      Options
}

// New returns a service over st; box seals the TOTP secrets (the master
// key's), hasher hashes the passwords.
func New(st Store, box *secretbox.Box, hasher *password.Hasher, o Options) *Service {
	return &Service{store: st, box: box, hasher: hasher, o: o.withDefaults()}
}

// Options answers the options in force (defaults filled in).
func (s *Service) Options() Options { return s.o }

func (s *Service) now() time.Time { return s.o.Now().UTC().Truncate(time.Millisecond) }

// checkUsername normalizes a username: lower case, 1..64 of a-z 0-9 . _ @ -.
func checkUsername(u string) (string, error) {
	u = strings.ToLower(strings.TrimSpace(u))
	if u == "" || len(u) > MaxUsernameLen {
		return "", invalid("username", fmt.Sprintf("1 to %d characters", MaxUsernameLen))
	}
	for _, c := range u {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("._@-", c)) {
			return "", invalid("username", "only letters, digits and . _ @ -")
		}
	}
	return u, nil
}

func checkPassword(p string) error {
	switch {
	case !utf8.ValidString(p):
		return invalid("password", "not valid UTF-8")
	case len(p) < MinPasswordLen:
		return invalid("password", fmt.Sprintf("at least %d characters", MinPasswordLen))
	case len(p) > password.MaxLength:
		return invalid("password", fmt.Sprintf("at most %d bytes", password.MaxLength))
	}
	return nil
}

// NewPassword draws a password: 24 characters of base32 (120 bits).
func NewPassword() string {
	b := make([]byte, 15)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.EncodeToString(b))
}

func (r Record) public() Admin {
	a := r.Admin
	a.TOTPEnrolled = r.TOTPSealed != nil
	return a
}

// auditView is how an admin appears in the audit log.
func auditView(a Admin) map[string]any {
	return map[string]any{"id": a.ID, "username": a.Username, "role": a.Role, "disabled": a.Disabled,
		"totpEnrolled": a.TOTPEnrolled}
}

// Create adds an admin; with no password it draws one and answers it
// (shown once: only its hash is kept).
func (s *Service) Create(ctx context.Context, actor Admin, in NewAdmin) (Admin, string, error) {
	r, pw, err := s.newRecord(ctx, in)
	if err != nil {
		return Admin{}, "", err
	}
	err = s.store.WithAdminTx(ctx, func(tx Store) error {
		if err := tx.CreateAdmin(ctx, &r); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, "admin.create", target(r.ID), nil, auditView(r.public()))
	})
	if err != nil {
		return Admin{}, "", err
	}
	return r.public(), pw, nil
}

// CreateFirst adds an owner named username when there is no admin at all
// (a new installation), with a drawn password it answers once.
func (s *Service) CreateFirst(ctx context.Context, username string) (Admin, string, bool, error) {
	r, pw, err := s.newRecord(ctx, NewAdmin{Username: username, Role: Owner})
	if err != nil {
		return Admin{}, "", false, err
	}
	var created bool
	err = s.store.WithAdminTx(ctx, func(tx Store) error {
		var err error
		if created, err = tx.CreateFirstAdmin(ctx, &r); err != nil || !created {
			return err
		}
		return s.record(ctx, tx, System, "admin.create", target(r.ID), nil, auditView(r.public()))
	})
	if err != nil || !created {
		return Admin{}, "", false, err
	}
	return r.public(), pw, true, nil
}

func (s *Service) newRecord(ctx context.Context, in NewAdmin) (Record, string, error) {
	u, err := checkUsername(in.Username)
	if err != nil {
		return Record{}, "", err
	}
	if !in.Role.Valid() {
		return Record{}, "", invalid("role", "one of owner, operator, readonly")
	}
	pw := in.Password
	generated := pw == ""
	if generated {
		pw = NewPassword()
	} else if err := checkPassword(pw); err != nil {
		return Record{}, "", err
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return Record{}, "", err
	}
	now := s.now()
	r := Record{Admin: Admin{Username: u, Role: in.Role, CreatedAt: now}, PasswordHash: hash, UpdatedAt: now}
	if !generated {
		pw = ""
	}
	return r, pw, nil
}

func target(id int64) string { return "admin:" + strconv.FormatInt(id, 10) }

// Get answers one admin.
func (s *Service) Get(ctx context.Context, id int64) (Admin, error) {
	r, err := s.store.AdminByID(ctx, id)
	return r.public(), err
}

// List answers every admin, by username.
func (s *Service) List(ctx context.Context) ([]Admin, error) {
	rs, err := s.store.ListAdmins(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Admin, len(rs))
	for i, r := range rs {
		out[i] = r.public()
	}
	return out, nil
}

// Update changes an admin's role, state, password or second factor. It
// refuses to leave no enabled owner (ErrLastOwner). A new password, a
// disabled admin or a reset second factor ends the admin's sessions.
func (s *Service) Update(ctx context.Context, actor Admin, id int64, c Change) (Admin, error) {
	if c.Role != nil && !c.Role.Valid() {
		return Admin{}, invalid("role", "one of owner, operator, readonly")
	}
	var hash string
	if c.Password != nil {
		if err := checkPassword(*c.Password); err != nil {
			return Admin{}, err
		}
		var err error
		if hash, err = s.hasher.Hash(ctx, *c.Password); err != nil {
			return Admin{}, err
		}
	}
	var out Admin
	err := s.store.WithAdminTx(ctx, func(tx Store) error {
		r, err := tx.AdminByID(ctx, id)
		if err != nil {
			return err
		}
		before := r.public()
		endSessions := false
		if c.Role != nil {
			r.Role = *c.Role
		}
		if c.Disabled != nil {
			r.Disabled = *c.Disabled
			endSessions = endSessions || r.Disabled
		}
		if c.Password != nil {
			r.PasswordHash, endSessions = hash, true
		}
		if c.ResetTOTP {
			r.TOTPSealed, r.TOTPPending, endSessions = nil, nil, true
		}
		r.UpdatedAt = s.now()
		if err := tx.UpdateAdmin(ctx, r); err != nil {
			return err
		}
		if endSessions {
			if err := tx.DeleteAdminSessions(ctx, id); err != nil {
				return err
			}
		}
		out = r.public()
		after := auditView(out)
		if c.Password != nil {
			after["passwordChanged"] = true
		}
		return s.record(ctx, tx, actor, "admin.update", target(id), auditView(before), after)
	})
	return out, err
}

// Delete removes an admin and its sessions; not the last enabled owner.
func (s *Service) Delete(ctx context.Context, actor Admin, id int64) error {
	return s.store.WithAdminTx(ctx, func(tx Store) error {
		r, err := tx.AdminByID(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteAdmin(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, "admin.delete", target(id), auditView(r.public()), nil)
	})
}

// Login checks a username, password and (for an enrolled admin) a TOTP
// code. An admin without a second factor gets an Enrollment instead of a
// session. Every failure counts towards the username's lockout, whether
// the admin exists or not, and they all answer ErrInvalidCredentials
// (ErrLocked while locked), except a correct password without a code
// (ErrCodeRequired).
func (s *Service) Login(ctx context.Context, username, pw, code string) (LoginResult, error) {
	r, err := s.checkPassword(ctx, username, pw)
	if err != nil {
		return LoginResult{}, err
	}
	if r.TOTPSealed == nil {
		e, err := s.pendingEnrollment(ctx, r.Record)
		if err != nil {
			return LoginResult{}, err
		}
		return LoginResult{Enroll: &e}, nil
	}
	if code == "" {
		return LoginResult{}, ErrCodeRequired
	}
	secret, err := s.box.Open(r.TOTPSealed, totpAAD(r.ID))
	if err != nil {
		return LoginResult{}, err
	}
	if err := s.checkCode(ctx, r, string(secret), code); err != nil {
		return LoginResult{}, err
	}
	return s.startSession(ctx, r.Record)
}

// Enroll confirms the pending second factor of an admin with its first
// code (the password again proves who asks), replaces the password with
// newPassword (the first password, printed or handed over, is for one use
// only) and starts a session.
func (s *Service) Enroll(ctx context.Context, username, pw, code, newPassword string) (LoginResult, error) {
	if err := checkPassword(newPassword); err != nil {
		return LoginResult{}, &InvalidError{Field: "newPassword", Reason: err.(*InvalidError).Reason}
	}
	if subtle.ConstantTimeCompare([]byte(newPassword), []byte(pw)) == 1 {
		return LoginResult{}, invalid("newPassword", "must differ from the current password")
	}
	r, err := s.checkPassword(ctx, username, pw)
	if err != nil {
		return LoginResult{}, err
	}
	if r.TOTPSealed != nil || r.TOTPPending == nil {
		return LoginResult{}, ErrNotEnrolling
	}
	secret, err := s.box.Open(r.TOTPPending, totpAAD(r.ID))
	if err != nil {
		return LoginResult{}, err
	}
	if err := s.checkCode(ctx, r, string(secret), code); err != nil {
		return LoginResult{}, err
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return LoginResult{}, err
	}
	err = s.store.WithAdminTx(ctx, func(tx Store) error {
		cur, err := tx.AdminByID(ctx, r.ID)
		if err != nil {
			return err
		}
		if cur.TOTPSealed != nil || !bytesEqual(cur.TOTPPending, r.TOTPPending) {
			return ErrNotEnrolling
		}
		before := cur.public()
		cur.TOTPSealed, cur.TOTPPending, cur.PasswordHash, cur.UpdatedAt = cur.TOTPPending, nil, hash, s.now()
		if err := tx.UpdateAdmin(ctx, cur); err != nil {
			return err
		}
		if err := tx.DeleteAdminSessions(ctx, cur.ID); err != nil {
			return err
		}
		r.Record = cur
		after := auditView(cur.public())
		after["passwordChanged"] = true
		return s.record(ctx, tx, cur.public(), "admin.totp.enroll", target(cur.ID), auditView(before), after)
	})
	if err != nil {
		return LoginResult{}, err
	}
	return s.startSession(ctx, r.Record)
}

func bytesEqual(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// attempt is a login attempt whose password was right: failure is what a
// wrong code answers (the attempt is already counted).
type attempt struct {
	Record
	failure error
}

// checkPassword finds an admin by username and checks its password, under
// the lockout rules: the attempt is counted as a failure before the
// password is hashed (so that concurrent attempts cannot all be tried),
// and a session started clears the count.
func (s *Service) checkPassword(ctx context.Context, username, pw string) (attempt, error) {
	u, err := checkUsername(username)
	if err != nil || len(pw) > password.MaxLength {
		// Not a username that can exist: the same answer as a wrong one,
		// without counting it (it cannot be locked either).
		s.hasher.VerifyDummy(ctx, pw[:min(len(pw), password.MaxLength)])
		return attempt{}, ErrInvalidCredentials
	}
	failure, err := s.reserve(ctx, u)
	if err != nil {
		return attempt{}, err
	}
	r, err := s.store.AdminByUsername(ctx, u)
	switch {
	case errors.Is(err, ErrNotFound):
		s.hasher.VerifyDummy(ctx, pw)
		return attempt{}, failure
	case err != nil:
		return attempt{}, err
	}
	ok, _, err := s.hasher.Verify(ctx, pw, r.PasswordHash)
	if err != nil {
		return attempt{}, err
	}
	if !ok || r.Disabled {
		// A disabled admin answers as a wrong password: no telling it apart.
		return attempt{}, failure
	}
	return attempt{Record: r, failure: failure}, nil
}

// reserve counts an attempt of u before it is checked. It answers ErrLocked
// when u is locked (nothing to try), else the error the attempt answers if
// it fails: ErrLocked when it reached the limit, ErrInvalidCredentials.
func (s *Service) reserve(ctx context.Context, u string) (failure error, err error) {
	now := s.now()
	allowed, locks, err := s.store.ReserveAdminLogin(ctx, u, now, now.Add(-s.o.LockoutFor), s.o.MaxFailures, now.Add(s.o.LockoutFor))
	switch {
	case err != nil:
		return nil, err
	case !allowed:
		return nil, ErrLocked
	case locks:
		return ErrLocked, nil
	}
	return ErrInvalidCredentials, nil
}

// Unlock clears the failed logins and the lockout of a username (known or
// not), and audits it as admin.unlock.
func (s *Service) Unlock(ctx context.Context, actor Admin, username string) error {
	u, err := checkUsername(username)
	if err != nil {
		return err
	}
	return s.store.WithAdminTx(ctx, func(tx Store) error {
		if err := tx.ResetAdminLoginFailures(ctx, u); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, "admin.unlock", "username:"+u, nil, nil)
	})
}

func totpAAD(id int64) []byte { return []byte("admin-totp:" + strconv.FormatInt(id, 10)) }

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// checkCode accepts a code of the current 30-second step or the one next
// to it on either side, once only: a code of a step at or before the last
// accepted one is refused.
func (s *Service) checkCode(ctx context.Context, r attempt, secret, code string) error {
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return r.failure
	}
	now := s.o.Now()
	step := now.Unix() / 30
	matched := int64(-1)
	for _, d := range []int64{-1, 0, 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*30, 0), totpOpts)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			matched = step + d
		}
	}
	if matched < 0 {
		return r.failure
	}
	fresh, err := s.store.UseAdminTOTPStep(ctx, r.ID, matched)
	if err != nil {
		return err
	}
	if !fresh {
		return r.failure
	}
	return nil
}

// pendingEnrollment draws a new TOTP secret for the admin, replacing any
// pending one (so that a copy an earlier login handed out confirms
// nothing), and audits it as admin.enroll.start.
func (s *Service) pendingEnrollment(ctx context.Context, r Record) (Enrollment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.o.Issuer, AccountName: r.Username, Period: 30,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrollment{}, err
	}
	err = s.store.WithAdminTx(ctx, func(tx Store) error {
		cur, err := tx.AdminByID(ctx, r.ID)
		if err != nil {
			return err
		}
		if cur.TOTPSealed != nil { // enrolled meanwhile
			return ErrInvalidCredentials
		}
		cur.TOTPPending, cur.UpdatedAt = s.box.Seal([]byte(key.Secret()), totpAAD(r.ID)), s.now()
		if err := tx.UpdateAdmin(ctx, cur); err != nil {
			return err
		}
		// The password was right and there is no second factor to guess:
		// the attempt is no failure.
		if err := tx.ResetAdminLoginFailures(ctx, cur.Username); err != nil {
			return err
		}
		return s.record(ctx, tx, cur.public(), "admin.enroll.start", target(cur.ID), nil, nil)
	})
	if err != nil {
		return Enrollment{}, err
	}
	return Enrollment{OTPAuthURI: key.URL(), Secret: key.Secret()}, nil
}

// tokenPrefix starts every admin session token.
const tokenPrefix = "cat1_"

// HashToken is what the store keeps of a session token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// csrfToken is derived from the session token: whoever holds the session
// can compute it, nobody else.
func csrfToken(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("custos admin csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF tells, in constant time, whether got is the session's CSRF
// token.
func (s Session) CheckCSRF(got string) bool {
	return s.CSRFToken != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRFToken)) == 1
}

func (s *Service) startSession(ctx context.Context, r Record) (LoginResult, error) {
	b := make([]byte, 32)
	rand.Read(b)
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	rec := SessionRecord{TokenHash: HashToken(tok), AdminID: r.ID, CreatedAt: now, LastSeenAt: now}
	err := s.store.WithAdminTx(ctx, func(tx Store) error {
		if err := tx.CreateAdminSession(ctx, rec); err != nil {
			return err
		}
		return tx.ResetAdminLoginFailures(ctx, r.Username)
	})
	if err != nil {
		return LoginResult{}, err
	}
	r.LastLoginAt = now
	return LoginResult{Token: tok, Session: s.session(tok, rec, r)}, nil
}

func (s *Service) session(tok string, rec SessionRecord, r Record) Session {
	exp := min(rec.LastSeenAt.Add(s.o.IdleTimeout).UnixMilli(), rec.CreatedAt.Add(s.o.AbsoluteTimeout).UnixMilli())
	return Session{Admin: r.public(), CSRFToken: csrfToken(tok), CreatedAt: rec.CreatedAt, LastSeenAt: rec.LastSeenAt,
		ExpiresAt: time.UnixMilli(exp).UTC()}
}

// Session resolves a session token: ErrSessionUnknown for none (or one of
// a disabled admin), ErrSessionExpired past the idle or absolute timeout
// (and the session is gone). Using it moves its idle timeout on.
func (s *Service) Session(ctx context.Context, token string) (Session, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 100 {
		return Session{}, ErrSessionUnknown
	}
	h := HashToken(token)
	rec, r, err := s.store.AdminSession(ctx, h)
	if err != nil {
		return Session{}, err
	}
	if r.Disabled {
		return Session{}, ErrSessionUnknown
	}
	now := s.now()
	if !now.Before(rec.LastSeenAt.Add(s.o.IdleTimeout)) || !now.Before(rec.CreatedAt.Add(s.o.AbsoluteTimeout)) {
		if err := s.store.DeleteAdminSession(ctx, h); err != nil {
			return Session{}, err
		}
		return Session{}, ErrSessionExpired
	}
	if now.Sub(rec.LastSeenAt) >= time.Minute {
		if err := s.store.TouchAdminSession(ctx, h, now); err != nil {
			return Session{}, err
		}
		rec.LastSeenAt = now
	}
	return s.session(token, rec, r), nil
}

// Logout ends a session; an unknown one is no error.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.DeleteAdminSession(ctx, HashToken(token))
}

// Purge deletes ended sessions and old login failures.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	now := s.now()
	return s.store.PurgeAdminSessions(ctx, now.Add(-s.o.IdleTimeout), now.Add(-s.o.AbsoluteTimeout), now.Add(-s.o.LockoutFor))
}

// Record writes an audit entry: actor did action on target, from before to
// after (each marshalled to JSON; nil is null). Callers must leave secrets
// out of before and after.
func (s *Service) Record(ctx context.Context, actor Admin, action, target string, before, after any) error {
	return s.record(ctx, s.store, actor, action, target, before, after)
}

func (s *Service) record(ctx context.Context, st Store, actor Admin, action, target string, before, after any) error {
	if action == "" || len(action) > maxAction || !utf8.ValidString(action) {
		return invalid("action", fmt.Sprintf("1 to %d bytes", maxAction))
	}
	if len(target) > maxTarget || !utf8.ValidString(target) {
		return invalid("target", fmt.Sprintf("at most %d bytes", maxTarget))
	}
	b, err := auditJSON(before)
	if err != nil {
		return err
	}
	a, err := auditJSON(after)
	if err != nil {
		return err
	}
	e := AuditEntry{At: s.now(), AdminID: actor.ID, Username: actor.Username, Action: action, Target: target,
		Before: b, After: a}
	return st.AddAudit(ctx, &e)
}

func auditJSON(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxAuditJSON {
		return json.RawMessage(fmt.Sprintf(`{"truncated":true,"size":%d}`, len(b))), nil
	}
	return b, nil
}

// Audit answers a page of the audit log, newest first.
func (s *Service) Audit(ctx context.Context, f AuditFilter, p Page) (AuditPage, error) {
	limit := p.Limit
	switch {
	case limit == 0:
		limit = DefaultPageLimit
	case limit < 0 || limit > MaxPageLimit:
		return AuditPage{}, invalid("limit", fmt.Sprintf("1 to %d", MaxPageLimit))
	}
	if len(f.Action) > maxAction || len(f.Target) > maxTarget {
		return AuditPage{}, invalid("action", "too long")
	}
	var before int64
	if p.Cursor != "" {
		n, err := strconv.ParseInt(p.Cursor, 10, 64)
		if err != nil || n <= 0 {
			return AuditPage{}, invalid("cursor", "not a cursor of this log")
		}
		before = n
	}
	es, err := s.store.AuditEntries(ctx, f, before, limit+1)
	if err != nil {
		return AuditPage{}, err
	}
	out := AuditPage{Entries: es}
	if len(es) > limit {
		out.Entries = es[:limit]
		out.Next = strconv.FormatInt(es[limit-1].ID, 10)
	}
	return out, nil
}
