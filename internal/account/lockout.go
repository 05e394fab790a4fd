package account

import (
	"context"
	"time"

	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/site"
)

// Captcha checks CAPTCHA answers.
type Captcha interface {
	Verify(ctx context.Context, token, remoteIP string) (bool, error)
}

// guard applies the security policies of a site to one login attempt.
//
// Every attempt is counted before any password is hashed, in one atomic
// statement per counter: of concurrent guesses, no more than the threshold
// get their password tried. A success takes its count back.
type guard struct {
	s   *Service
	st  site.Site
	sec policy.Security
	ip  string
	now time.Time
	// ipFailures are this address's failures before this attempt.
	ipFailures int
	// accountCount and ipCount are the counts this attempt claimed (0: not counted).
	accountCount, ipCount int
}

// guard returns the guard of an attempt from ip. A trusted caller (a
// server with the site's credentials) answers for its own clients: it is
// asked no CAPTCHA and its address is not counted.
func (s *Service) guard(st site.Site, ip string, trusted bool) *guard {
	if trusted {
		ip = ""
	}
	return &guard{s: s, st: st, sec: st.Policies.Security, ip: ip, now: s.clock()}
}

// lockedOut is ErrLocked of the account, or with CaseAddress of the address.
func lockedOut(c Case) error { return failCase(ErrLocked, c) }

func (g *guard) countsIP() bool {
	return g.ip != "" && (g.sec.IPLockout.HourlyFailedLoginThreshold > 0 || g.sec.Captcha.FailedLoginThreshold > 0)
}

func (g *guard) countsAccount() bool {
	return g.sec.AccountLockout.FailedLoginThreshold > 0 || (g.ip != "" && g.sec.Captcha.FailedLoginThreshold > 0)
}

// check refuses an address that is locked out, before any other work.
func (g *guard) check(ctx context.Context) error {
	if !g.countsIP() {
		return nil
	}
	n, until, err := g.s.store.IPFailures(ctx, g.st.ID, g.ip, g.now.Add(-time.Hour))
	if err != nil {
		return err
	}
	if g.now.Before(until) {
		return lockedOut(CaseAddress)
	}
	g.ipFailures = n
	return nil
}

// checkAccount refuses a locked account, without spending a hash on it.
func (g *guard) checkAccount(a Account) error {
	if g.now.Before(a.LockedUntil) {
		return lockedOut("")
	}
	return nil
}

// recentFailures are a's failures not yet forgotten.
func (g *guard) recentFailures(a Account) int {
	reset := g.sec.AccountLockout.FailedLoginResetSec
	if (reset > 0 && a.FailedSince.Before(g.now.Add(-time.Duration(reset)*time.Second))) ||
		(!a.LockedUntil.IsZero() && !g.now.Before(a.LockedUntil)) {
		return 0
	}
	return a.FailedLogins
}

// captcha asks for a solved CAPTCHA past the threshold: ErrCaptchaRequired
// without one, ErrCaptchaWrong when it is wrong.
func (g *guard) captcha(ctx context.Context, a Account, token string) error {
	t := g.sec.Captcha.FailedLoginThreshold
	if t == 0 || g.ip == "" || max(g.ipFailures, g.recentFailures(a)) < t {
		return nil
	}
	if token == "" {
		return &Error{Err: ErrCaptchaRequired}
	}
	ok, err := g.s.verifyCaptcha(ctx, token, g.ip)
	if err != nil {
		return err
	}
	if !ok {
		return &Error{Err: ErrCaptchaWrong}
	}
	return nil
}

// claim counts this attempt against the account (when known) and the
// address; past a threshold it locks and refuses, before any hashing.
func (g *guard) claim(ctx context.Context, a *Account) error {
	lock, ipl := g.sec.AccountLockout, g.sec.IPLockout
	if a != nil && g.countsAccount() {
		resetBefore := time.Time{}
		if lock.FailedLoginResetSec > 0 {
			resetBefore = g.now.Add(-time.Duration(lock.FailedLoginResetSec) * time.Second)
		}
		n, err := g.s.store.RecordLoginFailure(ctx, a.ID, g.now, resetBefore)
		if err != nil {
			return err
		}
		g.accountCount = n
		if lock.FailedLoginThreshold > 0 && n > lock.FailedLoginThreshold {
			if err := g.s.store.LockAccount(ctx, a.ID, g.now.Add(time.Duration(lock.LockoutTimeSec)*time.Second)); err != nil {
				return err
			}
			return lockedOut("")
		}
	}
	if g.countsIP() {
		n, err := g.s.store.RecordIPFailure(ctx, g.st.ID, g.ip, g.now)
		if err != nil {
			return err
		}
		g.ipCount = n
		if ipl.HourlyFailedLoginThreshold > 0 && n > ipl.HourlyFailedLoginThreshold {
			if err := g.s.store.LockIP(ctx, g.st.ID, g.ip, g.now.Add(time.Duration(ipl.LockoutTimeSec)*time.Second)); err != nil {
				return err
			}
			return lockedOut(CaseAddress)
		}
	}
	return nil
}

// failed ends an attempt with a wrong password: the counts it claimed stay,
// and at a threshold the account or the address is locked.
func (g *guard) failed(ctx context.Context, a *Account) error {
	if err := g.s.store.CountLoginFailure(ctx, g.st.ID, g.now.UTC().Truncate(time.Hour)); err != nil {
		return err
	}
	lock, ipl := g.sec.AccountLockout, g.sec.IPLockout
	if a != nil && lock.FailedLoginThreshold > 0 && g.accountCount >= lock.FailedLoginThreshold {
		if err := g.s.store.LockAccount(ctx, a.ID, g.now.Add(time.Duration(lock.LockoutTimeSec)*time.Second)); err != nil {
			return err
		}
	}
	if ipl.HourlyFailedLoginThreshold > 0 && g.ipCount >= ipl.HourlyFailedLoginThreshold {
		if err := g.s.store.LockIP(ctx, g.st.ID, g.ip, g.now.Add(time.Duration(ipl.LockoutTimeSec)*time.Second)); err != nil {
			return err
		}
	}
	return badLogin()
}

// succeeded takes back what a right password claimed: the account starts
// over, the address forgets this attempt.
func (g *guard) succeeded(ctx context.Context, a *Account) error {
	if g.accountCount > 0 || a.FailedLogins > 0 {
		if err := g.s.store.ResetLoginFailures(ctx, a.ID); err != nil {
			return err
		}
		a.FailedLogins, a.FailedSince, a.LockedUntil = 0, zeroTime, zeroTime
	}
	if g.ipCount > 0 {
		return g.s.store.ForgiveIPFailure(ctx, g.st.ID, g.ip)
	}
	return nil
}

// verifyCaptcha asks the verifier; without one no answer is right.
func (s *Service) verifyCaptcha(ctx context.Context, token, ip string) (bool, error) {
	if s.captcha == nil {
		s.log.Error("a CAPTCHA is required by a policy, but no verifier is configured (--captcha-verify-url)")
		return false, nil
	}
	return s.captcha.Verify(ctx, token, ip)
}

// Unlock lifts the lockout of an account and forgets its failures.
func (s *Service) Unlock(ctx context.Context, a Account) (Account, error) {
	if err := s.store.ResetLoginFailures(ctx, a.ID); err != nil {
		return Account{}, err
	}
	a.FailedLogins, a.FailedSince, a.LockedUntil = 0, zeroTime, zeroTime
	return a, nil
}

// Locked tells whether a is locked out now.
func (s *Service) Locked(a Account) bool { return s.now().Before(a.LockedUntil) }
