package rpc_test

// End-to-end tests of the defences against abuse: account and address
// lockouts, CAPTCHAs past a threshold of failed logins, protection against
// login ID harvesting, the REST view of a lockout, and a scan of the log of
// a whole session for secrets. Requests go over HTTP to the real router, on
// every database engine, with a clock the test moves. The only stand-in is
// a local CAPTCHA verifier speaking the siteverify protocol.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
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
	"github.com/custos-id/custos/internal/site"
	"github.com/custos-id/custos/internal/store"
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

// abuseExpect asserts the error of an RPC response: code with its catalog
// status and message, and details exactly (none on success).
func abuseExpect(t *testing.T, m map[string]any, code float64, details string) {
	t.Helper()
	apitest.ExpectRPC(t, m, code, details)
}

// loopbackProxies trusts the test's own connections as a proxy, so that
// X-Forwarded-For chooses the client address.
var loopbackProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// abuseEnv is a custos behind loopbackProxies, with a clock the test moves.
type abuseEnv struct {
	*apitest.App
	clock *apitest.Clock
	dbURL string
}

// openDB opens and migrates the database at u, closed when the test ends.
func openDB(t *testing.T, u string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// newAbuseEnv builds a custos on a new database of engine, with a site of
// its own; opts, when set, changes the options.
func newAbuseEnv(t *testing.T, engine store.Engine, opts func(*app.Options)) *abuseEnv {
	t.Helper()
	u := storetest.URL(t, engine)
	clock := apitest.NewClock()
	e := instance(t, openDB(t, u), site.Site{}, clock.Now, func(o *app.Options) {
		o.TrustedProxies = loopbackProxies
		if opts != nil {
			opts(o)
		}
	})
	st, err := e.App.Sites.Create(context.Background(), "abuse", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Site = st
	// The test server stands for a proxy that terminated TLS.
	e.Header = http.Header{"X-Forwarded-Proto": {"https"}}
	return &abuseEnv{App: e, clock: clock, dbURL: u}
}

// forEachAbuseEngine runs test on a new abuseEnv of each engine, in parallel.
func forEachAbuseEngine(t *testing.T, opts func(*app.Options), test func(t *testing.T, e *abuseEnv)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			test(t, newAbuseEnv(t, engine, opts))
		})
	}
}

// from is what the trusted proxy (127.0.0.0/8 in these envs) says of the
// client: it came over HTTPS, and from ip ("" leaves the connection's,
// 127.0.0.1).
func from(ip string) http.Header {
	h := http.Header{"X-Forwarded-Proto": {"https"}}
	if ip != "" {
		h.Set("X-Forwarded-For", ip)
	}
	return h
}

// rpc POSTs a form from ip and returns the body, checking that no call ends
// in a server error.
func (e *abuseEnv) rpc(t *testing.T, method, ip string, form url.Values) map[string]any {
	t.Helper()
	_, m := e.RPC(t, method, form, from(ip))
	if s, _ := m["statusCode"].(float64); s >= 500 || s == 0 {
		t.Errorf("%s: statusCode %v: %s", method, m["statusCode"], apitest.Dump(m))
	}
	return m
}

// policies sets policy sections in a server call and returns the answer.
func (e *abuseEnv) policies(t *testing.T, kv ...string) map[string]any {
	t.Helper()
	return e.rpc(t, "accounts.setPolicies", "", e.Secret(kv...))
}

// mustPolicies sets policy sections, failing the test when they are refused.
func (e *abuseEnv) mustPolicies(t *testing.T, kv ...string) {
	t.Helper()
	if m := e.policies(t, kv...); m["errorCode"] != 0.0 {
		t.Fatalf("setPolicies %v: %s", kv, apitest.Dump(m))
	}
}

// attempt is one login: from ip, after the clock moved on by advance, and
// the answer it must get.
type attempt struct {
	name              string
	advance           time.Duration
	ip                string
	loginID, password string
	captchaToken      string
	code              float64
	details           string
}

// logins makes the attempts in order, each a subtest.
func (e *abuseEnv) logins(t *testing.T, as []attempt) {
	t.Helper()
	for _, a := range as {
		t.Run(a.name, func(t *testing.T) {
			e.clock.Advance(a.advance)
			form := apitest.Form("loginID", a.loginID, "password", a.password)
			if a.captchaToken != "" {
				form.Set("captchaToken", a.captchaToken)
			}
			m := e.rpc(t, "accounts.login", a.ip, form)
			abuseExpect(t, m, a.code, a.details)
			if a.code != 0 {
				apitest.ExpectAbsent(t, m, "UID", "sessionInfo")
			} else if _, ok := m["sessionInfo"].(map[string]any); !ok {
				t.Errorf("a login without sessionInfo: %s", apitest.Dump(m))
			}
		})
	}
}

// wrong is a failed login: 403042.
func wrong(name, ip, loginID string) attempt {
	return attempt{name: name, ip: ip, loginID: loginID, password: "wrong-password-9", code: 403042, details: badLogin}
}

// ------------------------------------------------------- account lockout

const lockPolicy = `{"accountLockout":{"failedLoginThreshold":3,"lockoutTimeSec":60,"failedLoginResetSec":600}}`

func TestAbuseAccountLockout(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, nil, func(t *testing.T, e *abuseEnv) {
		e.mustPolicies(t, "security", lockPolicy)
		const pw = "right-password-1"
		for _, who := range []string{"lock", "bystander", "again", "reset", "window"} {
			register(t, e.App, who+"@example.com", pw)
		}
		right := func(name, loginID string, code float64, details string) attempt {
			return attempt{name: name, loginID: loginID, password: pw, code: code, details: details}
		}
		t.Run("threshold", func(t *testing.T) {
			e.logins(t, []attempt{
				wrong("failure 1", "", "lock@example.com"),
				wrong("failure 2", "", "lock@example.com"),
				wrong("failure 3 locks", "", "lock@example.com"),
				right("the right password, locked", "lock@example.com", 403120, lockedAccount),
				right("the login ID in another case, locked", "LOCK@Example.com", 403120, lockedAccount),
				{name: "a wrong password, locked", loginID: "lock@example.com", password: "wrong-password-9", code: 403120, details: lockedAccount},
				{name: "another address, locked", ip: "203.0.113.99", loginID: "lock@example.com", password: pw,
					code: 403120, details: lockedAccount},
				right("another account lives on", "bystander@example.com", 0, ""),
				{name: "59 s later, still locked", advance: 59 * time.Second, loginID: "lock@example.com", password: pw,
					code: 403120, details: lockedAccount},
				{name: "61 s later, free", advance: 2 * time.Second, loginID: "lock@example.com", password: pw, code: 0},
			})
		})
		t.Run("a success starts the count again", func(t *testing.T) {
			e.logins(t, []attempt{
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
			e.logins(t, []attempt{
				wrong("failure 1", "", "reset@example.com"),
				wrong("failure 2", "", "reset@example.com"),
				{name: "601 s later, failure 1 of a new count", advance: 601 * time.Second, loginID: "reset@example.com",
					password: "wrong-password-9", code: 403042, details: badLogin},
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
			e.logins(t, []attempt{
				wrong("t0: failure", "", "window@example.com"),
				{name: "t0+500s: failure", advance: 500 * time.Second, loginID: "window@example.com",
					password: "wrong-password-9", code: 403042, details: badLogin},
				{name: "t0+1000s: failure, the third in a row: locks", advance: 500 * time.Second, loginID: "window@example.com",
					password: "wrong-password-9", code: 403042, details: badLogin},
				right("locked", "window@example.com", 403120, lockedAccount),
			})
		})
	})
}

// A bounded brute force: 50 guesses against a threshold of 5, from ever
// new addresses. At most 5 are tried, none fails the server, and the right
// password waits for the end of the lockout.
func TestAbuseBruteForce(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, nil, func(t *testing.T, e *abuseEnv) {
		e.mustPolicies(t, "security", `{"accountLockout":{"failedLoginThreshold":5,"lockoutTimeSec":300,"failedLoginResetSec":3600}}`)
		const pw = "right-password-1"
		register(t, e.App, "victim@example.com", pw)
		const guesses = 50
		counts := map[float64]int{}
		for i := range guesses {
			ip := fmt.Sprintf("198.51.100.%d", i+1)
			m := e.rpc(t, "accounts.login", ip, apitest.Form("loginID", "victim@example.com", "password", fmt.Sprintf("guess-%03d-password", i)))
			code, _ := m["errorCode"].(float64)
			counts[code]++
			switch {
			case code == 403042 && counts[code] <= 5:
				abuseExpect(t, m, 403042, badLogin)
			case code == 403120:
				abuseExpect(t, m, 403120, lockedAccount)
			default:
				t.Errorf("guess %d: %s", i, apitest.Dump(m))
			}
		}
		if counts[403042] != 5 || counts[403120] != guesses-5 {
			t.Errorf("answers %v: want 5 of 403042 and %d of 403120", counts, guesses-5)
		}
		e.logins(t, []attempt{
			{name: "the right password during the lockout", loginID: "victim@example.com", password: pw, code: 403120, details: lockedAccount},
			{name: "from the victim's own address", ip: "203.0.113.77", loginID: "victim@example.com", password: pw,
				code: 403120, details: lockedAccount},
			{name: "299 s later", advance: 299 * time.Second, loginID: "victim@example.com", password: pw, code: 403120, details: lockedAccount},
			{name: "301 s later", advance: 2 * time.Second, loginID: "victim@example.com", password: pw, code: 0},
		})
	})
}

// The same brute force, all guesses at once: the threshold bounds the
// guesses tried however the requests interleave. (A lockout checked before
// the password and counted after it lets every guess already past the
// check be tried.)
func TestAbuseConcurrentBruteForce(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, nil, func(t *testing.T, e *abuseEnv) {
		e.mustPolicies(t, "security", `{"accountLockout":{"failedLoginThreshold":5,"lockoutTimeSec":300,"failedLoginResetSec":3600}}`)
		const pw = "right-password-1"
		register(t, e.App, "rushed@example.com", pw)
		const guesses = 50
		answers := make([]map[string]any, guesses)
		var wg sync.WaitGroup
		for i := range guesses {
			wg.Go(func() {
				_, answers[i] = e.App.RPC(t, "accounts.login", apitest.Form("loginID", "rushed@example.com",
					"password", fmt.Sprintf("guess-%03d-password", i)), from(fmt.Sprintf("198.51.100.%d", i+1)))

			})
		}
		wg.Wait()
		counts := map[float64]int{}
		for i, m := range answers {
			code, _ := m["errorCode"].(float64)
			counts[code]++
			switch code {
			case 403042:
				abuseExpect(t, m, 403042, badLogin)
			case 403120:
				abuseExpect(t, m, 403120, lockedAccount)
			default:
				t.Errorf("guess %d: %s", i, apitest.Dump(m))
			}
		}
		if counts[403042] > 5 || counts[403042]+counts[403120] != guesses {
			t.Errorf("%s: answers %v: %d guesses were tried against a threshold of 5", e.DB.Engine(), counts, counts[403042])
		}
		e.logins(t, []attempt{
			{name: "the right password after the burst", loginID: "rushed@example.com", password: pw, code: 403120, details: lockedAccount},
		})
	})
}

// Two processes on one database: failures split between them lock the
// account for both.
func TestAbuseLockoutAcrossInstances(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			a := newAbuseEnv(t, engine, nil)
			a.mustPolicies(t, "security", lockPolicy)
			b := &abuseEnv{App: instance(t, openDB(t, a.dbURL), a.Site, a.clock.Now, func(o *app.Options) { o.TrustedProxies = loopbackProxies }),
				clock: a.clock, dbURL: a.dbURL}
			const pw = "right-password-1"
			register(t, b.App, "shared@example.com", pw)
			right := attempt{loginID: "shared@example.com", password: pw}
			locked := right
			locked.code, locked.details = 403120, lockedAccount
			a.logins(t, []attempt{wrong("failure 1 on A", "", "shared@example.com")})
			b.logins(t, []attempt{wrong("failure 2 on B", "", "shared@example.com")})
			a.logins(t, []attempt{wrong("failure 3 on A", "", "shared@example.com")})
			for _, tc := range []struct {
				name string
				on   *abuseEnv
			}{{"locked on B", b}, {"locked on A", a}} {
				l := locked
				l.name = tc.name
				tc.on.logins(t, []attempt{l})
			}
			a.clock.Advance(61 * time.Second)
			ok := right
			ok.name = "free on B"
			b.logins(t, []attempt{ok})
			// The success on B cleared the count that A sees.
			a.logins(t, []attempt{wrong("failure 1 on A after the success", "", "shared@example.com"),
				wrong("failure 2 on A after the success", "", "shared@example.com")})
			ok.name = "free on A"
			a.logins(t, []attempt{ok})
		})
	}
}

// ------------------------------------------------------- address lockout

func TestAbuseIPLockout(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, nil, func(t *testing.T, e *abuseEnv) {
		e.mustPolicies(t, "security", `{"ipLockout":{"hourlyFailedLoginThreshold":4,"lockoutTimeSec":120}}`)
		const pw = "right-password-1"
		for _, who := range []string{"one", "two", "three"} {
			register(t, e.App, who+"@example.com", pw)
		}
		const attacker, other = "203.0.113.10", "203.0.113.20"
		right := func(name, ip, loginID string, code float64, details string) attempt {
			return attempt{name: name, ip: ip, loginID: loginID, password: pw, code: code, details: details}
		}
		t.Run("threshold", func(t *testing.T) {
			e.logins(t, []attempt{
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
				{name: "119 s later, still locked", advance: 119 * time.Second, ip: attacker, loginID: "three@example.com",
					password: pw, code: 403120, details: lockedAddress},
				{name: "121 s later, free", advance: 2 * time.Second, ip: attacker, loginID: "three@example.com", password: pw, code: 0},
			})
		})
		t.Run("failures older than an hour do not count", func(t *testing.T) {
			const ip = "203.0.113.30"
			e.logins(t, []attempt{
				wrong("failure 1", ip, "one@example.com"),
				wrong("failure 2", ip, "nobody@example.com"),
				wrong("failure 3", ip, "two@example.com"),
				{name: "an hour and a second later, failure 1 of a new hour", advance: time.Hour + time.Second, ip: ip,
					loginID: "one@example.com", password: "wrong-password-9", code: 403042, details: badLogin},
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
			e.logins(t, []attempt{
				wrong("t0: failure", ip, "one@example.com"),
				{name: "t0+50m: failure", advance: 50 * time.Minute, ip: ip, loginID: "nobody@example.com",
					password: "wrong-password-9", code: 403042, details: badLogin},
				{name: "t0+100m: failure", advance: 50 * time.Minute, ip: ip, loginID: "one@example.com",
					password: "wrong-password-9", code: 403042, details: badLogin},
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
	forEachAbuseEngine(t, nil, func(t *testing.T, e *abuseEnv) {
		e.mustPolicies(t, "security", `{"ipLockout":{"hourlyFailedLoginThreshold":2,"lockoutTimeSec":120}}`)
		register(t, e.App, "spoof@example.com", "right-password-1")
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
			form := apitest.Form("apiKey", e.Site.APIKey, "loginID", "spoof@example.com", "password", "wrong-password-9")
			_, m := rawCall(t, e.App.Handler(), "/accounts.login", remote, form, http.Header{"X-Forwarded-For": {tc.xff}})
			t.Run(strconv.Itoa(i+1), func(t *testing.T) { abuseExpect(t, m, tc.code, tc.details) })
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

// forEachCaptchaEngine runs test on a new abuseEnv of each engine, in
// parallel, whose App asks a verifier of its own.
func forEachCaptchaEngine(t *testing.T, test func(t *testing.T, e *abuseEnv, f *fakeVerifier)) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			f := newFakeVerifier(t)
			v, err := captcha.New(f.URL, "s3cret")
			if err != nil {
				t.Fatal(err)
			}
			test(t, newAbuseEnv(t, engine, func(o *app.Options) { o.Captcha = v }), f)
		})
	}
}

// Without a verifier, no policy may ask for a CAPTCHA.
func TestAbuseCaptchaPolicyNeedsVerifier(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, nil, func(t *testing.T, e *abuseEnv) {
		for _, tc := range []struct {
			name string
			kv   []string
			code float64
			det  string
		}{
			{"login threshold", []string{"security", `{"captcha":{"failedLoginThreshold":2}}`}, 401000, captchaPolicy},
			{"registration", []string{"registration", `{"requireCaptcha":true}`}, 401000, captchaPolicy},
			{"threshold 0 is off", []string{"security", `{"captcha":{"failedLoginThreshold":0}}`}, 0, ""},
			{"harvesting with requireCaptcha", []string{"registration", `{"requireCaptcha":true}`,
				"accountOptions", `{"preventLoginIDHarvesting":true}`}, 401000, captchaPolicy},
		} {
			t.Run(tc.name, func(t *testing.T) { abuseExpect(t, e.policies(t, tc.kv...), tc.code, tc.det) })
		}
		// Nothing of the refused changes was stored.
		m := e.rpc(t, "accounts.getPolicies", "", e.App.Secret("sections", "registration,security"))
		abuseExpect(t, m, 0, "")
		if !apitest.JSONEqual(apitest.Object(t, m, "registration")["requireCaptcha"], false) ||
			!apitest.JSONEqual(apitest.Object(t, apitest.Object(t, m, "security"), "captcha"), map[string]any{"failedLoginThreshold": 0}) {
			t.Errorf("policies after refusals: %s", apitest.Dump(m))
		}
	})
}

func TestAbuseCaptchaLogin(t *testing.T) {
	t.Parallel()
	forEachCaptchaEngine(t, func(t *testing.T, e *abuseEnv, f *fakeVerifier) {
		abuseExpect(t, e.policies(t, "security", `{"captcha":{"failedLoginThreshold":2}}`), 0, "")
		const pw = "right-password-1"
		register(t, e.App, "cap@example.com", pw)
		register(t, e.App, "other@example.com", pw)
		const ip, fresh = "203.0.113.50", "203.0.113.51"
		e.logins(t, []attempt{
			wrong("failure 1", ip, "cap@example.com"),
			wrong("failure 2", ip, "cap@example.com"),
			{name: "no captchaToken", ip: ip, loginID: "cap@example.com", password: pw, code: 401020, details: captchaRequired},
			{name: "a wrong answer", ip: ip, loginID: "cap@example.com", password: pw, captchaToken: "bad", code: 401021, details: captchaWrong},
			{name: "the account's failures ask from any address", ip: fresh, loginID: "cap@example.com", password: pw,
				code: 401020, details: captchaRequired},
			{name: "the address's failures ask for any login ID", ip: ip, loginID: "nobody@example.com", password: pw,
				code: 401020, details: captchaRequired},
			{name: "solved, wrong password", ip: ip, loginID: "cap@example.com", password: "wrong-password-9", captchaToken: "good",
				code: 403042, details: badLogin},
			{name: "solved, right password", ip: ip, loginID: "cap@example.com", password: pw, captchaToken: "good", code: 0},
			// The success cleared the account's count, not the address's.
			{name: "the account from another address", ip: fresh, loginID: "cap@example.com", password: pw, code: 0},
			{name: "another account from that address", ip: ip, loginID: "other@example.com", password: pw,
				code: 401020, details: captchaRequired},
			{name: "another account from another address", ip: fresh, loginID: "other@example.com", password: pw, code: 0},
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
	forEachCaptchaEngine(t, func(t *testing.T, e *abuseEnv, f *fakeVerifier) {
		e.mustPolicies(t, "registration", `{"requireCaptcha":true}`)
		reg := func(email, token string) url.Values {
			v := apitest.Form("email", email, "password", "right-password-1", "finalizeRegistration", "true")
			if token != "" {
				v.Set("captchaToken", token)
			}
			return v
		}
		for _, tc := range []struct {
			name    string
			form    url.Values
			code    float64
			details string
		}{
			{"no captchaToken", reg("r1@example.com", ""), 400021, captchaRegister},
			{"a wrong answer", reg("r2@example.com", "bad"), 400021, captchaRegister},
			{"solved", reg("r3@example.com", "good"), 0, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				m := e.rpc(t, "accounts.register", "203.0.113.60", tc.form)
				abuseExpect(t, m, tc.code, tc.details)
				if tc.code != 0 {
					apitest.ExpectAbsent(t, m, "UID", "sessionInfo")
				}
			})
		}
		// Only the solved registration made an account.
		for email, want := range map[string]bool{"r1@example.com": true, "r2@example.com": true, "r3@example.com": false} {
			m := e.rpc(t, "accounts.isAvailableLoginID", "", apitest.Form("loginID", email))
			if m["isAvailable"] != want {
				t.Errorf("%s available: %s", email, apitest.Dump(m))
			}
		}
	})
}

// ---------------------------------------------------- harvesting defence

// mailCount is the number of messages in the outbox of e's database.
func (e *abuseEnv) mailCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := storetest.Raw(t, e.dbURL).QueryRow(`SELECT COUNT(*) FROM mail_outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

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

func TestAbuseHarvesting(t *testing.T) {
	t.Parallel()
	forEachAbuseEngine(t, nil, func(t *testing.T, e *abuseEnv) {
		register(t, e.App, "known@example.com", "right-password-1")
		t.Run("policy", func(t *testing.T) {
			abuseExpect(t, e.policies(t, "accountOptions", `{"preventLoginIDHarvesting":true}`), 401000, harvestPolicy)
			abuseExpect(t, e.policies(t, "accountOptions", `{"preventLoginIDHarvesting":true,"verifyEmail":true}`), 0, "")
		})
		t.Run("isAvailableLoginID", func(t *testing.T) {
			for _, tc := range []struct {
				name      string
				form      url.Values
				code      float64
				details   string
				available any
			}{
				{"client, unknown", apitest.Form("loginID", "free@example.com"), 403026, harvestRefused, nil},
				{"client, known", apitest.Form("loginID", "known@example.com"), 403026, harvestRefused, nil},
				{"server, unknown", e.App.Secret("loginID", "free@example.com"), 0, "", true},
				{"server, known", e.App.Secret("loginID", "known@example.com"), 0, "", false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					m := e.rpc(t, "accounts.isAvailableLoginID", "", tc.form)
					abuseExpect(t, m, tc.code, tc.details)
					if !apitest.JSONEqual(m["isAvailable"], tc.available) {
						t.Errorf("isAvailable %v, want %v", m["isAvailable"], tc.available)
					}
				})
			}
		})
		t.Run("resetPassword", func(t *testing.T) {
			var shapes [][]string
			for _, tc := range []struct {
				loginID string
				mails   int
			}{{"nobody@example.com", 0}, {"known@example.com", 1}, {"KNOWN@example.com", 1}, {"ghost", 0}} {
				t.Run(tc.loginID, func(t *testing.T) {
					before := e.mailCount(t)
					m := e.rpc(t, "accounts.resetPassword", "", apitest.Form("loginID", tc.loginID))
					abuseExpect(t, m, 0, "")
					apitest.ExpectAbsent(t, m, "passwordResetToken", "UID")
					shapes = append(shapes, shape(m))
					e.App.Accounts.Wait() // the mail of a known login ID is queued after the answer
					if n := e.mailCount(t) - before; n != tc.mails {
						t.Errorf("%d mails queued, want %d", n, tc.mails)
					}
				})
			}
			for _, s := range shapes[1:] {
				if !slices.Equal(s, shapes[0]) {
					t.Errorf("answers differ: %q and %q", shapes[0], s)
				}
			}
			// A server still learns the truth.
			m := e.rpc(t, "accounts.resetPassword", "", e.App.Secret("loginID", "nobody@example.com", "sendEmail", "false"))
			abuseExpect(t, m, 403047, "Login ID does not exist")
		})
	})
}

// With harvesting protection by CAPTCHA rather than email verification,
// accounts may have a username and no email: resetPassword must still
// answer for them as for an unknown login ID.
func TestAbuseHarvestingUsernames(t *testing.T) {
	t.Parallel()
	forEachCaptchaEngine(t, func(t *testing.T, e *abuseEnv, _ *fakeVerifier) {
		abuseExpect(t, e.policies(t, "registration", `{"requireCaptcha":true}`,
			"accountOptions", `{"preventLoginIDHarvesting":true,"loginIdentifiers":"email,username"}`), 0, "")
		m := e.rpc(t, "accounts.register", "", apitest.Form("username", "harvey", "password", "right-password-1",
			"finalizeRegistration", "true", "captchaToken", "good"))
		abuseExpect(t, m, 0, "")
		unknown := e.rpc(t, "accounts.resetPassword", "", apitest.Form("loginID", "nobody"))
		abuseExpect(t, unknown, 0, "")
		known := e.rpc(t, "accounts.resetPassword", "", apitest.Form("loginID", "harvey"))
		abuseExpect(t, known, 0, "")
		if !slices.Equal(shape(known), shape(unknown)) {
			t.Errorf("a known username answers %s, an unknown one %s", apitest.Dump(known), apitest.Dump(unknown))
		}
	})
}

// -------------------------------------------------------------- log scan

// logScan is a session whose secrets the log must not hold.
type logScan struct {
	e       *abuseEnv
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
	m := l.e.rpc(t, method, "", form)
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
	if m := l.e.rpc(t, "accounts.login", "", apitest.Form("loginID", "logscan@example.com", "password", pwWrong)); m["errorCode"] != 403042.0 {
		t.Fatalf("wrong password: %s", apitest.Dump(m))
	}
	browser := l.keep(t, "browser session", str(apitest.Object(t, l.ok(t, "login", "accounts.login",
		apitest.Form("loginID", "logscan@example.com", "password", pw1)), "sessionInfo"), "cookieValue"))
	mobile := apitest.Object(t, l.ok(t, "mobile login", "accounts.login",
		apitest.Form("loginID", "logscan@example.com", "password", pw1, "targetEnv", "mobile")), "sessionInfo")
	return browser, mobile
}

// sessionCalls calls in the sessions of login, and as the server for uid.
func (l *logScan) sessionCalls(t *testing.T, uid, browser string, mobile map[string]any) {
	e := l.e
	mobileToken := l.keep(t, "mobile session", str(mobile, "sessionToken"))
	mobileSecret := l.keep(t, "sessionSecret", str(mobile, "sessionSecret"))
	l.ok(t, "getAccountInfo", "accounts.getAccountInfo", apitest.Form("login_token", browser))
	oauth := l.keep(t, "Authorization: OAuth", "OAuth "+mobileToken)
	if _, m := e.App.RPC(t, "accounts.getAccountInfo", apitest.Form(), http.Header{"Authorization": {oauth}}); m["errorCode"] != 0.0 {
		t.Fatalf("Authorization: OAuth: %s", apitest.Dump(m))
	}
	sf := signed(b64(t, mobileSecret), "POST", receivedURL(e.App, getAccountInfo), sdkForm(e.Site.APIKey, apitest.Now, "oauth_token", mobileToken))
	l.keep(t, "session signature", sf.Get("sig"))
	l.ok(t, "signed with the session", getAccountInfo, sf)
	ss := signed(e.Site.Secret, "POST", receivedURL(e.App, getAccountInfo), sdkForm(e.Site.APIKey, apitest.Now, "UID", uid))
	l.keep(t, "site signature", ss.Get("sig"))
	l.ok(t, "signed with the site secret", getAccountInfo, ss)
	l.keep(t, "id_token", str(l.ok(t, "getJWT", "accounts.getJWT", apitest.Form("login_token", browser)), "id_token"))
	l.ok(t, "getJWT, server", "accounts.getJWT", e.App.Secret("targetUID", uid))
	l.ok(t, "setAccountInfo", "accounts.setAccountInfo", apitest.Form("login_token", browser, "password", pw1, "newPassword", pw2))
	if r := e.Do(t, "GET", "/accounts.getAccountInfo?apiKey="+e.Site.APIKey+"&UID="+uid+"&secret="+url.QueryEscape(e.Site.SecretBase64()),
		nil, nil); r.JSON(t)["errorCode"] != 0.0 {
		t.Fatalf("GET with the secret: %s", r.Body)
	}
}

// reset resets the password with a token.
func (l *logScan) reset(t *testing.T) {
	rst := l.keep(t, "reset token", str(l.ok(t, "resetPassword", "accounts.resetPassword",
		l.e.App.Secret("loginID", "logscan@example.com", "sendEmail", "false")), "passwordResetToken"))
	l.ok(t, "resetPassword with the token", "accounts.resetPassword", apitest.Form("passwordResetToken", rst, "newPassword", pw3))
}

// rest logs in, fails a login and resets the password in the REST dialect.
func (l *logScan) rest(t *testing.T) {
	e := l.e
	l.keep(t, "Authorization: Basic", apitest.Basic(e.Site.ID, e.Site.SecretBase64()))
	r := e.REST(t, "POST", "/users/login", `{"email_address":"logscan@example.com","password":"`+pw3+`"}`)
	if r.Status != 201 {
		t.Fatalf("REST login: %d %s", r.Status, r.Body)
	}
	l.keep(t, "login_token", apitest.JSONScalar(r.JSON(t)["login_token"]))
	if r := e.REST(t, "POST", "/users/login", `{"email_address":"logscan@example.com","password":"`+pwWrong+`"}`); r.Status != 403 {
		t.Fatalf("REST wrong password: %d %s", r.Status, r.Body)
	}
	r = e.REST(t, "POST", "/users/reset_password/token", `{"email_address":"logscan@example.com"}`)
	rt := l.keep(t, "REST reset token", apitest.JSONScalar(r.JSON(t)["reset_password_token"]))
	if r := e.REST(t, "POST", "/users/reset_password", `{"user":{"reset_password_token":"`+rt+`","password":"`+pw1+`-rest"}}`); r.Status != 200 {
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
			e := newAbuseEnv(t, engine, func(o *app.Options) {
				o.Log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			e.mustPolicies(t, "security", lockPolicy)
			l := &logScan{e: e}
			for _, p := range []string{pw1, pw2, pw3, pwWrong} {
				l.keep(t, "password", p)
			}
			l.keep(t, "site secret", e.Site.SecretBase64())
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
