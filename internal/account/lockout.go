package account

import (
	"context"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/policy"
	"github.com/custos-id/custos/internal/site"
)

// Captcha checks CAPTCHA answers.
type Captcha interface {
	Verify(ctx context.Context, token, remoteIP string) (bool, error)
}

// guard applies the security policies of a site to the logins of one client.
type guard struct {
	s   *Service
	st  site.Site
	sec policy.Security
	ip  string
	now time.Time
	// ipFailures are this address's failures within the hour.
	ipFailures int
}

func (s *Service) guard(st site.Site, ip string) *guard {
	return &guard{s: s, st: st, sec: st.Policies.Security, ip: ip, now: s.clock()}
}

func lockedOut(what string) error {
	return errcode.Newf(errcode.AccountTemporarilyLockedOut, "Account Temporarily Locked Out: too many failed logins %s; try again later", what)
}

// countsIP tells whether the policies need this address's failures.
func (g *guard) countsIP() bool {
	return g.ip != "" && (g.sec.IPLockout.HourlyFailedLoginThreshold > 0 || g.sec.Captcha.FailedLoginThreshold > 0)
}

// check refuses an address that is locked out (before any password work).
func (g *guard) check(ctx context.Context) error {
	if !g.countsIP() {
		return nil
	}
	n, until, err := g.s.store.IPFailures(ctx, g.st.ID, g.ip, g.now.Add(-time.Hour))
	if err != nil {
		return err
	}
	if g.now.Before(until) {
		return lockedOut("from this address")
	}
	g.ipFailures = n
	return nil
}

// checkAccount refuses a locked account, without spending a hash on it.
func (g *guard) checkAccount(a Account) error {
	if g.now.Before(a.LockedUntil) {
		return lockedOut("of this account")
	}
	return nil
}

// recentFailures are a's failures not yet forgotten.
func (g *guard) recentFailures(a Account) int {
	reset := g.sec.AccountLockout.FailedLoginResetSec
	if reset > 0 && a.FailedSince.Before(g.now.Add(-time.Duration(reset)*time.Second)) {
		return 0
	}
	return a.FailedLogins
}

// captcha asks for a solved CAPTCHA past the threshold: 401020 without one,
// 401021 when it is wrong.
func (g *guard) captcha(ctx context.Context, a Account, token string) error {
	t := g.sec.Captcha.FailedLoginThreshold
	if t == 0 || max(g.ipFailures, g.recentFailures(a)) < t {
		return nil
	}
	if token == "" {
		return errcode.New(errcode.LoginFailedCaptchaRequired, "Login Failed Captcha Required: send captchaToken")
	}
	ok, err := g.s.verifyCaptcha(ctx, token, g.ip)
	if err != nil {
		return err
	}
	if !ok {
		return errcode.New(errcode.LoginFailedWrongCaptcha, "Login Failed Wrong Captcha")
	}
	return nil
}

// failed counts a failed login against the account (when known) and the
// address, locks them at their thresholds, and returns the one answer to
// a failed login.
func (g *guard) failed(ctx context.Context, a *Account) error {
	lock := g.sec.AccountLockout
	if a != nil && (lock.FailedLoginThreshold > 0 || g.sec.Captcha.FailedLoginThreshold > 0) {
		resetBefore := time.Time{}
		if lock.FailedLoginResetSec > 0 {
			resetBefore = g.now.Add(-time.Duration(lock.FailedLoginResetSec) * time.Second)
		}
		n, err := g.s.store.RecordLoginFailure(ctx, a.ID, g.now, resetBefore)
		if err != nil {
			return err
		}
		if lock.FailedLoginThreshold > 0 && n >= lock.FailedLoginThreshold {
			if err := g.s.store.LockAccount(ctx, a.ID, g.now.Add(time.Duration(lock.LockoutTimeSec)*time.Second)); err != nil {
				return err
			}
		}
	}
	if g.countsIP() {
		n, err := g.s.store.RecordIPFailure(ctx, g.st.ID, g.ip, g.now)
		if err != nil {
			return err
		}
		ipl := g.sec.IPLockout
		if ipl.HourlyFailedLoginThreshold > 0 && n >= ipl.HourlyFailedLoginThreshold {
			if err := g.s.store.LockIP(ctx, g.st.ID, g.ip, g.now.Add(time.Duration(ipl.LockoutTimeSec)*time.Second)); err != nil {
				return err
			}
		}
	}
	return badLogin()
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
