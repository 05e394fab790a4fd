package rpc_test

// End-to-end tests of the defences against abuse: account and address
// lockouts, CAPTCHAs past a threshold of failed logins, protection against
// login ID harvesting, the REST view of a lockout, and a scan of the log of
// a whole session for secrets. Requests go over HTTP to the real router, on
// every database engine, with a clock the test moves. The only stand-in is
// a local CAPTCHA verifier speaking the siteverify protocol.

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/captcha"
	"github.com/custos-id/custos/internal/store/storetest"
)

// ---------------------------------------------------------------- helpers

// Error details of the defences.
const (
	lockedAccount   = "Account Temporarily Locked Out: too many failed logins of this account; try again later"
	lockedAddress   = "Account Temporarily Locked Out: too many failed logins from this address; try again later"
	captchaRequired = "Login Failed Captcha Required: send captchaToken"
	captchaWrong    = "Login Failed Wrong Captcha"
	captchaRegister = "CAPTCHA verification failed: send a solved captchaToken"
	captchaPolicy   = "Invalid policy configuration: CAPTCHA policies need a verifier (custos serve --captcha-verify-url)"
	harvestPolicy   = "Invalid policy configuration: preventLoginIDHarvesting needs accountOptions.verifyEmail or registration.requireCaptcha"
	harvestRefused  = "Unauthorized access error: the site protects against account harvesting; call from the server"
)

// forEachAbuseEngine runs test, in parallel, on a new custos of each
// engine behind a trusted loopback proxy (apitest.BehindProxy), with a
// clock the test moves.
func forEachAbuseEngine(t *testing.T, test func(t *testing.T, a *apitest.App, clock *apitest.Clock), opts ...apitest.Option) {
	apitest.ForEachClockEngine(t, test, append([]apitest.Option{apitest.BehindProxy()}, opts...)...)
}

// attempt is one login from ip (what the trusted proxy says; "" leaves the
// connection's, 127.0.0.1) and the answer it must get: a session on
// success, neither UID nor session on failure.
func attempt(name, ip, loginID, password string, code float64, details string) apitest.Scenario {
	s := apitest.Scenario{Name: name, Path: "/accounts.login", Form: apitest.Form("loginID", loginID, "password", password),
		Code: code, Details: details}
	if ip != "" {
		s.Headers = apitest.From(ip)
	}
	if code != 0 {
		s.Absent = []string{"UID", "sessionInfo"}
		return s
	}
	s.After = func(t *testing.T, _ apitest.Response, m map[string]any) {
		if _, ok := m["sessionInfo"].(map[string]any); !ok {
			t.Errorf("a login without sessionInfo: %s", apitest.Dump(m))
		}
	}
	return s
}

// wrong is a failed login: 403042.
func wrong(name, ip, loginID string) apitest.Scenario {
	return attempt(name, ip, loginID, "wrong-password-9", 403042, badLogin)
}

// later is s after clock moved on by d.
func later(clock *apitest.Clock, d time.Duration, s apitest.Scenario) apitest.Scenario {
	s.Before = func(*testing.T, *apitest.App) { clock.Advance(d) }
	return s
}

// withCaptcha is s with the answer token to a CAPTCHA.
func withCaptcha(token string, s apitest.Scenario) apitest.Scenario {
	s.Form.Set("captchaToken", token)
	return s
}

// setPolicies sets policy sections (name, JSON pairs) in a server call of
// a's site, which must get the answer code, details.
func setPolicies(a *apitest.App, name string, code float64, details string, kv ...string) apitest.Scenario {
	return apitest.Scenario{Name: name, Path: "/accounts.setPolicies", Form: a.Secret(kv...), Code: code, Details: details}
}

// ------------------------------------------------------- account lockout

const lockPolicy = `{"accountLockout":{"failedLoginThreshold":3,"lockoutTimeSec":60,"failedLoginResetSec":600}}`

func TestAbuseAccountLockout(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, func(t *testing.T, a *apitest.App, clock *apitest.Clock) {
		a.SetPolicies(t, "security", lockPolicy)
		const pw = "right-password-1"
		for _, who := range []string{"lock", "bystander", "again", "reset", "window"} {
			register(t, a, who+"@example.com", pw)
		}
		right := func(name, loginID string, code float64, details string) apitest.Scenario {
			return attempt(name, "", loginID, pw, code, details)
		}
		t.Run("threshold", func(t *testing.T) {
			apitest.Run(t, a, []apitest.Scenario{
				wrong("failure 1", "", "lock@example.com"),
				wrong("failure 2", "", "lock@example.com"),
				wrong("failure 3 locks", "", "lock@example.com"),
				right("the right password, locked", "lock@example.com", 403120, lockedAccount),
				right("the login ID in another case, locked", "LOCK@Example.com", 403120, lockedAccount),
				attempt("a wrong password, locked", "", "lock@example.com", "wrong-password-9", 403120, lockedAccount),
				attempt("another address, locked", "203.0.113.99", "lock@example.com", pw, 403120, lockedAccount),
				right("another account lives on", "bystander@example.com", 0, ""),
				later(clock, 59*time.Second, right("59 s later, still locked", "lock@example.com", 403120, lockedAccount)),
				later(clock, 2*time.Second, right("61 s later, free", "lock@example.com", 0, "")),
			})
		})
		t.Run("a success starts the count again", func(t *testing.T) {
			apitest.Run(t, a, []apitest.Scenario{
				wrong("failure 1", "", "again@example.com"),
				wrong("failure 2", "", "again@example.com"),
				right("success", "again@example.com", 0, ""),
				wrong("failure 1 after the success", "", "again@example.com"),
				wrong("failure 2 after the success", "", "again@example.com"),
				right("not locked", "again@example.com", 0, ""),
				wrong("failure 1 again", "", "again@example.com"),
				wrong("failure 2 again", "", "again@example.com"),
				wrong("failure 3 locks", "", "again@example.com"),
				right("locked", "again@example.com", 403120, lockedAccount),
			})
		})
		t.Run("failures older than failedLoginResetSec are forgotten", func(t *testing.T) {
			apitest.Run(t, a, []apitest.Scenario{
				wrong("failure 1", "", "reset@example.com"),
				wrong("failure 2", "", "reset@example.com"),
				later(clock, 601*time.Second, wrong("601 s later, failure 1 of a new count", "", "reset@example.com")),
				wrong("failure 2 of the new count", "", "reset@example.com"),
				right("not locked", "reset@example.com", 0, ""),
			})
		})
		// Three failures within failedLoginResetSec of one another lock the
		// account, however they fall against the first failure.
		// The count is forgotten after failedLoginResetSec without a failure
		// (Gigya's "time after which the counter is reset"): failures that keep
		// coming within it all count, however long the series.
		t.Run("failures keep counting while they come within failedLoginResetSec", func(t *testing.T) {
			apitest.Run(t, a, []apitest.Scenario{
				wrong("t0: failure", "", "window@example.com"),
				later(clock, 500*time.Second, wrong("t0+500s: failure", "", "window@example.com")),
				later(clock, 500*time.Second, wrong("t0+1000s: failure, the third in a row: locks", "", "window@example.com")),
				right("locked", "window@example.com", 403120, lockedAccount),
			})
		})
	})
}

// bruteForcePolicy locks an account after 5 failures, for 300 s.
const bruteForcePolicy = `{"accountLockout":{"failedLoginThreshold":5,"lockoutTimeSec":300,"failedLoginResetSec":3600}}`

// expectGuess asserts the answer to guess i of a brute force: a failed
// login or the lockout; counts counts the answers by code.
func expectGuess(t *testing.T, counts map[float64]int, i int, m map[string]any) {
	t.Helper()
	code, _ := m["errorCode"].(float64)
	counts[code]++
	switch code {
	case 403042:
		apitest.ExpectRPC(t, m, 403042, badLogin)
	case 403120:
		apitest.ExpectRPC(t, m, 403120, lockedAccount)
	default:
		t.Errorf("guess %d: %s", i, apitest.Dump(m))
	}
}

// A bounded brute force: 50 guesses against a threshold of 5, from ever
// new addresses. At most 5 are tried, none fails the server, and the right
// password waits for the end of the lockout.
func TestAbuseBruteForce(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, func(t *testing.T, a *apitest.App, clock *apitest.Clock) {
		a.SetPolicies(t, "security", bruteForcePolicy)
		const pw = "right-password-1"
		register(t, a, "victim@example.com", pw)
		const guesses = 50
		counts := map[float64]int{}
		for i := range guesses {
			_, m := a.RPC(t, "accounts.login", apitest.Form("loginID", "victim@example.com",
				"password", fmt.Sprintf("guess-%03d-password", i)), apitest.From(fmt.Sprintf("198.51.100.%d", i+1)))
			if code, _ := m["errorCode"].(float64); code == 403042 && counts[code] >= 5 {
				t.Errorf("guess %d tried past the threshold: %s", i, apitest.Dump(m))
			}
			expectGuess(t, counts, i, m)
		}
		if counts[403042] != 5 || counts[403120] != guesses-5 {
			t.Errorf("answers %v: want 5 of 403042 and %d of 403120", counts, guesses-5)
		}
		apitest.Run(t, a, []apitest.Scenario{
			attempt("the right password during the lockout", "", "victim@example.com", pw, 403120, lockedAccount),
			attempt("from the victim's own address", "203.0.113.77", "victim@example.com", pw, 403120, lockedAccount),
			later(clock, 299*time.Second, attempt("299 s later", "", "victim@example.com", pw, 403120, lockedAccount)),
			later(clock, 2*time.Second, attempt("301 s later", "", "victim@example.com", pw, 0, "")),
		})
	})
}

// The same brute force, all guesses at once: the threshold bounds the
// guesses tried however the requests interleave. (A lockout checked before
// the password and counted after it lets every guess already past the
// check be tried.)
func TestAbuseConcurrentBruteForce(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, func(t *testing.T, a *apitest.App, _ *apitest.Clock) {
		a.SetPolicies(t, "security", bruteForcePolicy)
		const pw = "right-password-1"
		register(t, a, "rushed@example.com", pw)
		const guesses = 50
		answers := make([]map[string]any, guesses)
		var wg sync.WaitGroup
		for i := range guesses {
			wg.Go(func() {
				_, answers[i] = a.RPC(t, "accounts.login", apitest.Form("loginID", "rushed@example.com",
					"password", fmt.Sprintf("guess-%03d-password", i)), apitest.From(fmt.Sprintf("198.51.100.%d", i+1)))
			})
		}
		wg.Wait()
		counts := map[float64]int{}
		for i, m := range answers {
			expectGuess(t, counts, i, m)
		}
		if counts[403042] > 5 || counts[403042]+counts[403120] != guesses {
			t.Errorf("%s: answers %v: %d guesses were tried against a threshold of 5", a.DB.Engine(), counts, counts[403042])
		}
		apitest.Run(t, a, []apitest.Scenario{
			attempt("the right password after the burst", "", "rushed@example.com", pw, 403120, lockedAccount),
		})
	})
}

// Two processes on one database: failures split between them lock the
// account for both.
func TestAbuseLockoutAcrossInstances(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, func(t *testing.T, a *apitest.App, clock *apitest.Clock) {
		a.SetPolicies(t, "security", lockPolicy)
		b := instance(t, storetest.OpenURL(t, a.URL), a.Site, clock.Now, apitest.BehindProxy())
		const pw = "right-password-1"
		register(t, b, "shared@example.com", pw)
		right := func(name string, code float64, details string) apitest.Scenario {
			return attempt(name, "", "shared@example.com", pw, code, details)
		}
		for _, step := range []struct {
			on *apitest.App
			s  apitest.Scenario
		}{
			{a, wrong("failure 1 on A", "", "shared@example.com")},
			{b, wrong("failure 2 on B", "", "shared@example.com")},
			{a, wrong("failure 3 on A", "", "shared@example.com")},
			{b, right("locked on B", 403120, lockedAccount)},
			{a, right("locked on A", 403120, lockedAccount)},
			{b, later(clock, 61*time.Second, right("free on B", 0, ""))},
			// The success on B cleared the count that A sees.
			{a, wrong("failure 1 on A after the success", "", "shared@example.com")},
			{a, wrong("failure 2 on A after the success", "", "shared@example.com")},
			{a, right("free on A", 0, "")},
		} {
			step.s.Test(t, step.on)
		}
	})
}

// ------------------------------------------------------- address lockout

func TestAbuseIPLockout(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, func(t *testing.T, a *apitest.App, clock *apitest.Clock) {
		a.SetPolicies(t, "security", `{"ipLockout":{"hourlyFailedLoginThreshold":4,"lockoutTimeSec":120}}`)
		const pw = "right-password-1"
		for _, who := range []string{"one", "two", "three"} {
			register(t, a, who+"@example.com", pw)
		}
		const attacker, other = "203.0.113.10", "203.0.113.20"
		right := func(name, ip, loginID string, code float64, details string) apitest.Scenario {
			return attempt(name, ip, loginID, pw, code, details)
		}
		t.Run("threshold", func(t *testing.T) {
			apitest.Run(t, a, []apitest.Scenario{
				wrong("failure 1: an account", attacker, "one@example.com"),
				wrong("failure 2: another account", attacker, "two@example.com"),
				wrong("failure 3: an unknown login ID", attacker, "nobody@example.com"),
				wrong("failure 4: another unknown login ID", attacker, "ghost"),
				right("the right password of a third account, from that address", attacker, "three@example.com", 403120, lockedAddress),
				right("an unknown login ID, from that address", attacker, "nobody@example.com", 403120, lockedAddress),
				right("from the address behind more proxies", "198.51.100.99, "+attacker, "three@example.com", 403120, lockedAddress),
				right("from the address as IPv4-mapped IPv6", "::ffff:"+attacker, "three@example.com", 403120, lockedAddress),
				right("another address is not affected", other, "three@example.com", 0, ""),
				right("nor are the accounts tried", other, "one@example.com", 0, ""),
				right("the proxy's own address is not affected", "", "two@example.com", 0, ""),
				later(clock, 119*time.Second, right("119 s later, still locked", attacker, "three@example.com", 403120, lockedAddress)),
				later(clock, 2*time.Second, right("121 s later, free", attacker, "three@example.com", 0, "")),
			})
		})
		t.Run("failures older than an hour do not count", func(t *testing.T) {
			const ip = "203.0.113.30"
			apitest.Run(t, a, []apitest.Scenario{
				wrong("failure 1", ip, "one@example.com"),
				wrong("failure 2", ip, "nobody@example.com"),
				wrong("failure 3", ip, "two@example.com"),
				later(clock, time.Hour+time.Second, wrong("an hour and a second later, failure 1 of a new hour", ip, "one@example.com")),
				wrong("failure 2 of the new hour", ip, "nobody@example.com"),
				wrong("failure 3 of the new hour", ip, "two@example.com"),
				right("not locked", ip, "three@example.com", 0, ""),
			})
		})
		// Four failures within an hour lock the address, however they fall
		// against the first failure.
		// An address's count lasts while its failures come less than an
		// hour apart: a slow attacker cannot wait out a fixed window.
		t.Run("failures keep counting while they come within the hour", func(t *testing.T) {
			const ip = "203.0.113.40"
			apitest.Run(t, a, []apitest.Scenario{
				wrong("t0: failure", ip, "one@example.com"),
				later(clock, 50*time.Minute, wrong("t0+50m: failure", ip, "nobody@example.com")),
				later(clock, 50*time.Minute, wrong("t0+100m: failure", ip, "one@example.com")),
				wrong("t0+100m: failure, the fourth in a row: locks", ip, "ghost"),
				right("locked", ip, "three@example.com", 403120, lockedAddress),
			})
		})
	})
}

// A client that is no trusted proxy cannot choose its address with
// X-Forwarded-For.
func TestAbuseIPLockoutSpoofedHeader(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, func(t *testing.T, a *apitest.App, _ *apitest.Clock) {
		a.SetPolicies(t, "security", `{"ipLockout":{"hourlyFailedLoginThreshold":2,"lockoutTimeSec":120}}`)
		register(t, a, "spoof@example.com", "right-password-1")
		const remote = "192.0.2.7:4444"
		for i, tc := range []struct {
			xff     string
			code    float64
			details string
		}{
			{"198.51.100.1", 403042, badLogin},
			{"198.51.100.2", 403042, badLogin},
			{"198.51.100.3", 403120, lockedAddress},
		} {
			form := apitest.Form("apiKey", a.Site.APIKey, "loginID", "spoof@example.com", "password", "wrong-password-9")
			_, m := rawCall(t, a.Handler(), "/accounts.login", remote, form, apitest.From(tc.xff))
			t.Run(strconv.Itoa(i+1), func(t *testing.T) { apitest.ExpectRPC(t, m, tc.code, tc.details) })
		}
	})
}

// ---------------------------------------------------------------- CAPTCHA

// fakeVerifier is a siteverify endpoint: form secret, response and
// remoteip in, JSON {"success": bool} out. The answer "good" with the
// secret "s3cret" passes.
type fakeVerifier struct {
	*httptest.Server
	mu    sync.Mutex
	forms []url.Values
}

func newFakeVerifier(t *testing.T) *fakeVerifier {
	t.Helper()
	f := &fakeVerifier{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.ParseForm() != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.forms = append(f.forms, r.PostForm)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]bool{"success": r.PostForm.Get("secret") == "s3cret" && r.PostForm.Get("response") == "good"})
	}))
	t.Cleanup(f.Close)
	return f
}

// asked returns the forms the verifier received since the last call.
func (f *fakeVerifier) asked() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.forms
	f.forms = nil
	return out
}

// forEachCaptchaEngine runs test, in parallel, on a new custos of each
// engine behind a trusted loopback proxy, which asks a verifier of its own.
func forEachCaptchaEngine(t *testing.T, test func(t *testing.T, a *apitest.App, f *fakeVerifier)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			f := newFakeVerifier(t)
			v, err := captcha.New(f.URL, "s3cret")
			if err != nil {
				t.Fatal(err)
			}
			test(t, apitest.NewApp(t, engine, apitest.WithSite("abuse"), apitest.BehindProxy(),
				apitest.WithOptions(func(o *app.Options) { o.Captcha = v })), f)
		})
	}
}

// Without a verifier, no policy may ask for a CAPTCHA.
func TestAbuseCaptchaPolicyNeedsVerifier(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, func(t *testing.T, a *apitest.App, _ *apitest.Clock) {
		apitest.Run(t, a, []apitest.Scenario{
			setPolicies(a, "login threshold", 401000, captchaPolicy, "security", `{"captcha":{"failedLoginThreshold":2}}`),
			setPolicies(a, "registration", 401000, captchaPolicy, "registration", `{"requireCaptcha":true}`),
			setPolicies(a, "threshold 0 is off", 0, "", "security", `{"captcha":{"failedLoginThreshold":0}}`),
			setPolicies(a, "harvesting with requireCaptcha", 401000, captchaPolicy, "registration", `{"requireCaptcha":true}`,
				"accountOptions", `{"preventLoginIDHarvesting":true}`),
			{Name: "nothing of the refused changes was stored", Path: "/accounts.getPolicies",
				Form: a.Secret("sections", "registration,security"),
				After: func(t *testing.T, _ apitest.Response, m map[string]any) {
					if !apitest.JSONEqual(apitest.Object(t, m, "registration")["requireCaptcha"], false) ||
						!apitest.JSONEqual(apitest.Object(t, apitest.Object(t, m, "security"), "captcha"), map[string]any{"failedLoginThreshold": 0}) {
						t.Errorf("policies after refusals: %s", apitest.Dump(m))
					}
				}},
		})
	})
}

func TestAbuseCaptchaLogin(t *testing.T) {
	t.Parallel()
	forEachCaptchaEngine(t, func(t *testing.T, a *apitest.App, f *fakeVerifier) {
		const pw = "right-password-1"
		setPolicies(a, "policy", 0, "", "security", `{"captcha":{"failedLoginThreshold":2}}`).Test(t, a)
		register(t, a, "cap@example.com", pw)
		register(t, a, "other@example.com", pw)
		const ip, fresh = "203.0.113.50", "203.0.113.51"
		apitest.Run(t, a, []apitest.Scenario{
			wrong("failure 1", ip, "cap@example.com"),
			wrong("failure 2", ip, "cap@example.com"),
			attempt("no captchaToken", ip, "cap@example.com", pw, 401020, captchaRequired),
			withCaptcha("bad", attempt("a wrong answer", ip, "cap@example.com", pw, 401021, captchaWrong)),
			attempt("the account's failures ask from any address", fresh, "cap@example.com", pw, 401020, captchaRequired),
			attempt("the address's failures ask for any login ID", ip, "nobody@example.com", pw, 401020, captchaRequired),
			withCaptcha("good", wrong("solved, wrong password", ip, "cap@example.com")),
			withCaptcha("good", attempt("solved, right password", ip, "cap@example.com", pw, 0, "")),
			// The success cleared the account's count, not the address's.
			attempt("the account from another address", fresh, "cap@example.com", pw, 0, ""),
			attempt("another account from that address", ip, "other@example.com", pw, 401020, captchaRequired),
			attempt("another account from another address", fresh, "other@example.com", pw, 0, ""),
		})
		// The verifier heard the secret, the answer and the client address
		// (the one behind the proxy); an empty answer is not sent at all.
		var got []string
		for _, form := range f.asked() {
			got = append(got, form.Get("secret")+" "+form.Get("response")+" "+form.Get("remoteip"))
		}
		if want := []string{"s3cret bad " + ip, "s3cret good " + ip, "s3cret good " + ip}; !slices.Equal(got, want) {
			t.Errorf("the verifier was asked %q, want %q", got, want)
		}
	})
}

func TestAbuseCaptchaRegistration(t *testing.T) {
	t.Parallel()
	forEachCaptchaEngine(t, func(t *testing.T, a *apitest.App, _ *fakeVerifier) {
		a.SetPolicies(t, "registration", `{"requireCaptcha":true}`)
		reg := func(name, email string, code float64, details string) apitest.Scenario {
			s := apitest.Scenario{Name: name, Path: "/accounts.register", Headers: apitest.From("203.0.113.60"),
				Form: apitest.Form("email", email, "password", "right-password-1", "finalizeRegistration", "true"), Code: code, Details: details}
			if code != 0 {
				s.Absent = []string{"UID", "sessionInfo"}
			}
			return s
		}
		apitest.Run(t, a, []apitest.Scenario{
			reg("no captchaToken", "r1@example.com", 400021, captchaRegister),
			withCaptcha("bad", reg("a wrong answer", "r2@example.com", 400021, captchaRegister)),
			withCaptcha("good", reg("solved", "r3@example.com", 0, "")),
		})
		// Only the solved registration made an account.
		for email, want := range map[string]bool{"r1@example.com": true, "r2@example.com": true, "r3@example.com": false} {
			if got := a.Available(t, email); got != want {
				t.Errorf("%s available: %t, want %t", email, got, want)
			}
		}
	})
}

// ---------------------------------------------------- harvesting defence

// shape is the set of keys of an RPC answer, less those that differ by call.
func shape(m map[string]any) []string {
	var keys []string
	for k := range m {
		if k != "callId" && k != "time" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// keepShape is an After that records the shape of the answer in shapes.
func keepShape(shapes *[][]string) func(*testing.T, apitest.Response, map[string]any) {
	return func(_ *testing.T, _ apitest.Response, m map[string]any) { *shapes = append(*shapes, shape(m)) }
}

// sameShapes asserts that every answer in shapes has the keys of the first.
func sameShapes(t *testing.T, shapes [][]string) {
	t.Helper()
	if len(shapes) < 2 {
		t.Fatalf("%d answers to compare", len(shapes))
	}
	for _, s := range shapes[1:] {
		if !slices.Equal(s, shapes[0]) {
			t.Errorf("answers differ: %q and %q", shapes[0], s)
		}
	}
}

func TestAbuseHarvesting(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, func(t *testing.T, a *apitest.App, _ *apitest.Clock) {
		register(t, a, "known@example.com", "right-password-1")
		t.Run("policy", func(t *testing.T) {
			apitest.Run(t, a, []apitest.Scenario{
				setPolicies(a, "without a defence", 401000, harvestPolicy, "accountOptions", `{"preventLoginIDHarvesting":true}`),
				setPolicies(a, "with verifyEmail", 0, "", "accountOptions", `{"preventLoginIDHarvesting":true,"verifyEmail":true}`),
			})
		})
		t.Run("isAvailableLoginID", func(t *testing.T) {
			available := func(name string, form url.Values, code float64, details string, available any) apitest.Scenario {
				return apitest.Scenario{Name: name, Path: "/accounts.isAvailableLoginID", Form: form, Code: code, Details: details,
					Want: map[string]any{"isAvailable": available}}
			}
			apitest.Run(t, a, []apitest.Scenario{
				available("client, unknown", apitest.Form("loginID", "free@example.com"), 403026, harvestRefused, nil),
				available("client, known", apitest.Form("loginID", "known@example.com"), 403026, harvestRefused, nil),
				available("server, unknown", a.Secret("loginID", "free@example.com"), 0, "", true),
				available("server, known", a.Secret("loginID", "known@example.com"), 0, "", false),
			})
		})
		t.Run("resetPassword", func(t *testing.T) {
			var shapes [][]string
			for _, tc := range []struct {
				loginID string
				mails   int
			}{{"nobody@example.com", 0}, {"known@example.com", 1}, {"KNOWN@example.com", 1}, {"ghost", 0}} {
				var before int
				apitest.Scenario{Name: tc.loginID, Path: "/accounts.resetPassword", Form: apitest.Form("loginID", tc.loginID),
					Absent: []string{"passwordResetToken", "UID"},
					Before: func(t *testing.T, a *apitest.App) { before = a.MailCount(t) },
					After: func(t *testing.T, r apitest.Response, m map[string]any) {
						keepShape(&shapes)(t, r, m)
						a.Accounts.Wait() // the mail of a known login ID is queued after the answer
						if n := a.MailCount(t) - before; n != tc.mails {
							t.Errorf("%d mails queued, want %d", n, tc.mails)
						}
					}}.Test(t, a)
			}
			sameShapes(t, shapes)
			// A server still learns the truth.
			apitest.Run(t, a, []apitest.Scenario{{Name: "server, unknown", Path: "/accounts.resetPassword",
				Form: a.Secret("loginID", "nobody@example.com", "sendEmail", "false"), Code: 403047, Details: "Login ID does not exist"}})
		})
	})
}

// With harvesting protection by CAPTCHA rather than email verification,
// accounts may have a username and no email: resetPassword must still
// answer for them as for an unknown login ID.
func TestAbuseHarvestingUsernames(t *testing.T) {
	t.Parallel()
	forEachCaptchaEngine(t, func(t *testing.T, a *apitest.App, _ *fakeVerifier) {
		var shapes [][]string
		apitest.Run(t, a, []apitest.Scenario{
			setPolicies(a, "policies", 0, "", "registration", `{"requireCaptcha":true}`,
				"accountOptions", `{"preventLoginIDHarvesting":true,"loginIdentifiers":"email,username"}`),
			{Name: "register a username", Path: "/accounts.register", Form: apitest.Form("username", "harvey",
				"password", "right-password-1", "finalizeRegistration", "true", "captchaToken", "good")},
			{Name: "resetPassword, unknown", Path: "/accounts.resetPassword", Form: apitest.Form("loginID", "nobody"),
				After: keepShape(&shapes)},
			{Name: "resetPassword, known", Path: "/accounts.resetPassword", Form: apitest.Form("loginID", "harvey"),
				After: keepShape(&shapes)},
		})
		sameShapes(t, shapes)
	})
}

// -------------------------------------------------------------- log scan

// logScan is a session whose secrets the log must not hold.
type logScan struct {
	a       *apitest.App
	secrets []string
}

// The passwords of the log scan.
const pw1, pw2, pw3, pwWrong = "Log-Scan-Pass-1st", "Log-Scan-Pass-2nd", "Log-Scan-Pass-3rd", "Log-Scan-Wrong-Guess"

// keep records s, and its URL-encoded form, as a secret.
func (l *logScan) keep(t *testing.T, what, s string) string {
	t.Helper()
	if s == "" {
		t.Fatalf("no %s", what)
	}
	l.secrets = append(l.secrets, s, url.QueryEscape(s))
	return s
}

// ok calls method with form, which must succeed.
func (l *logScan) ok(t *testing.T, what, method string, form url.Values) map[string]any {
	t.Helper()
	m := l.a.Call(t, method, form)
	if m["errorCode"] != 0.0 {
		t.Fatalf("%s: %s", what, apitest.Dump(m))
	}
	return m
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// register registers with a regToken, and once more pending; it returns the
// UID of the first.
func (l *logScan) register(t *testing.T) string {
	regToken := l.keep(t, "regToken", str(l.ok(t, "initRegistration", "accounts.initRegistration", apitest.Form()), "regToken"))
	reg := l.ok(t, "register", "accounts.register", apitest.Form("regToken", regToken, "email", "logscan@example.com",
		"password", pw1, "finalizeRegistration", "true"))
	l.keep(t, "register session", str(apitest.Object(t, reg, "sessionInfo"), "cookieValue"))
	pending := l.ok(t, "pending register", "accounts.register", apitest.Form("email", "pending@example.com", "password", pw1))
	l.keep(t, "pending regToken", str(pending, "regToken"))
	return str(reg, "UID")
}

// login fails a login, then logs in in a browser and on mobile; it returns
// the browser's session token and the mobile sessionInfo.
func (l *logScan) login(t *testing.T) (string, map[string]any) {
	m := l.a.Call(t, "accounts.login", apitest.Form("loginID", "logscan@example.com", "password", pwWrong))
	if m["errorCode"] != 403042.0 {
		t.Fatalf("wrong password: %s", apitest.Dump(m))
	}
	apitest.ExpectRPC(t, m, 403042, badLogin)
	browser := l.keep(t, "browser session", str(apitest.Object(t, l.ok(t, "login", "accounts.login",
		apitest.Form("loginID", "logscan@example.com", "password", pw1)), "sessionInfo"), "cookieValue"))
	mobile := apitest.Object(t, l.ok(t, "mobile login", "accounts.login",
		apitest.Form("loginID", "logscan@example.com", "password", pw1, "targetEnv", "mobile")), "sessionInfo")
	return browser, mobile
}

// sessionCalls calls in the sessions of login, and as the server for uid.
func (l *logScan) sessionCalls(t *testing.T, uid, browser string, mobile map[string]any) {
	a := l.a
	mobileToken := l.keep(t, "mobile session", str(mobile, "sessionToken"))
	mobileSecret := l.keep(t, "sessionSecret", str(mobile, "sessionSecret"))
	l.ok(t, "getAccountInfo", "accounts.getAccountInfo", apitest.Form("login_token", browser))
	oauth := l.keep(t, "Authorization: OAuth", "OAuth "+mobileToken)
	if _, m := a.RPC(t, "accounts.getAccountInfo", apitest.Form(), http.Header{"Authorization": {oauth}}); m["errorCode"] != 0.0 {
		t.Fatalf("Authorization: OAuth: %s", apitest.Dump(m))
	}
	sf := signed(b64(t, mobileSecret), "POST", receivedURL(a, getAccountInfo), sdkForm(a.Site.APIKey, apitest.Now, "oauth_token", mobileToken))
	l.keep(t, "session signature", sf.Get("sig"))
	l.ok(t, "signed with the session", getAccountInfo, sf)
	ss := signed(a.Site.Secret, "POST", receivedURL(a, getAccountInfo), sdkForm(a.Site.APIKey, apitest.Now, "UID", uid))
	l.keep(t, "site signature", ss.Get("sig"))
	l.ok(t, "signed with the site secret", getAccountInfo, ss)
	l.keep(t, "id_token", str(l.ok(t, "getJWT", "accounts.getJWT", apitest.Form("login_token", browser)), "id_token"))
	l.ok(t, "getJWT, server", "accounts.getJWT", a.Secret("targetUID", uid))
	l.ok(t, "setAccountInfo", "accounts.setAccountInfo", apitest.Form("login_token", browser, "password", pw1, "newPassword", pw2))
	if r := a.Do(t, "GET", "/accounts.getAccountInfo?apiKey="+a.Site.APIKey+"&UID="+uid+"&secret="+url.QueryEscape(a.Site.SecretBase64()),
		nil, nil); r.JSON(t)["errorCode"] != 0.0 {
		t.Fatalf("GET with the secret: %s", r.Body)
	}
}

// reset resets the password with a token.
func (l *logScan) reset(t *testing.T) {
	rst := l.keep(t, "reset token", str(l.ok(t, "resetPassword", "accounts.resetPassword",
		l.a.Secret("loginID", "logscan@example.com", "sendEmail", "false")), "passwordResetToken"))
	l.ok(t, "resetPassword with the token", "accounts.resetPassword", apitest.Form("passwordResetToken", rst, "newPassword", pw3))
}

// rest logs in, fails a login and resets the password in the REST dialect.
func (l *logScan) rest(t *testing.T) {
	a := l.a
	l.keep(t, "Authorization: Basic", apitest.Basic(a.Site.ID, a.Site.SecretBase64()))
	r := a.REST(t, "POST", "/users/login", `{"email_address":"logscan@example.com","password":"`+pw3+`"}`)
	if r.Status != 201 {
		t.Fatalf("REST login: %d %s", r.Status, r.Body)
	}
	l.keep(t, "login_token", apitest.JSONScalar(r.JSON(t)["login_token"]))
	if r := a.REST(t, "POST", "/users/login", `{"email_address":"logscan@example.com","password":"`+pwWrong+`"}`); r.Status != 403 {
		t.Fatalf("REST wrong password: %d %s", r.Status, r.Body)
	}
	r = a.REST(t, "POST", "/users/reset_password/token", `{"email_address":"logscan@example.com"}`)
	rt := l.keep(t, "REST reset token", apitest.JSONScalar(r.JSON(t)["reset_password_token"]))
	if r := a.REST(t, "POST", "/users/reset_password", `{"user":{"reset_password_token":"`+rt+`","password":"`+pw1+`-rest"}}`); r.Status != 200 {
		t.Fatalf("REST reset: %d %s", r.Status, r.Body)
	}
	l.keep(t, "REST password", pw1+"-rest")
}

// A whole session, in both dialects, leaves none of its secrets in the log.
func TestLogScanSecrets(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			logs := &apitest.SyncBuffer{}
			a := apitest.NewApp(t, engine, apitest.WithSite("abuse"), apitest.BehindProxy(), apitest.WithOptions(func(o *app.Options) {
				o.Log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			}))
			a.SetPolicies(t, "security", lockPolicy)
			l := &logScan{a: a}
			for _, p := range []string{pw1, pw2, pw3, pwWrong} {
				l.keep(t, "password", p)
			}
			l.keep(t, "site secret", a.Site.SecretBase64())
			uid := l.register(t)
			browser, mobile := l.login(t)
			l.sessionCalls(t, uid, browser, mobile)
			l.reset(t)
			l.rest(t)

			out := logs.String()
			if n := strings.Count(out, `"msg":"request"`); n < 20 {
				t.Fatalf("%d access log lines: the log was not captured:\n%s", n, out)
			}
			for _, s := range l.secrets {
				if strings.Contains(out, s) {
					t.Errorf("the log holds %q", s)
				}
			}
			if t.Failed() {
				t.Logf("log:\n%s", out)
			}
		})
	}
}
