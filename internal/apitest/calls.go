package apitest

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// Clock is a clock the test moves, starting at Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock at Now.
func NewClock() *Clock { return &Clock{t: Now} }

// Now is the time of the clock.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// SetPolicies sets policy sections (name, JSON pairs) in a server call,
// failing the test when they are refused.
func (a *App) SetPolicies(t testing.TB, kv ...string) {
	t.Helper()
	if m := a.Call(t, "accounts.setPolicies", a.Secret(kv...)); m["errorCode"] != 0.0 {
		t.Fatalf("setPolicies %v: %s", kv, Dump(m))
	}
}

// SetSchema sets schema documents (name, JSON pairs such as "dataSchema",
// `{"fields":…}`) in a server call, failing the test when they are refused.
func (a *App) SetSchema(t testing.TB, kv ...string) {
	t.Helper()
	if m := a.Call(t, "accounts.setSchema", a.Secret(kv...)); m["errorCode"] != 0.0 {
		t.Fatalf("setSchema %v: %s", kv, Dump(m))
	}
}

// ClientData declares data fields that clients may write (clientModify),
// with the types their names or values would get.
func (a *App) ClientData(t testing.TB, fields ...string) {
	t.Helper()
	doc := map[string]any{}
	for _, f := range fields {
		doc[f] = map[string]any{"writeAccess": "clientModify"}
	}
	b, _ := json.Marshal(map[string]any{"fields": doc})
	a.SetSchema(t, "dataSchema", string(b))
}

// Available tells accounts.isAvailableLoginID.
func (a *App) Available(t testing.TB, loginID string) bool {
	t.Helper()
	m := a.Call(t, "accounts.isAvailableLoginID", Form("loginID", loginID))
	ok, isBool := m["isAvailable"].(bool)
	if m["errorCode"] != 0.0 || !isBool {
		t.Fatalf("isAvailableLoginID %s: %s", loginID, Dump(m))
	}
	return ok
}

// SessionCode is the errorCode of accounts.getAccountInfo with a session
// token: 0 while the session works.
func (a *App) SessionCode(t testing.TB, token string) float64 {
	t.Helper()
	_, m := a.RPC(t, "accounts.getAccountInfo", Form("login_token", token), nil)
	code, _ := m["errorCode"].(float64)
	return code
}

// MailCount is the number of messages in the outbox of a's database.
func (a *App) MailCount(t testing.TB) int {
	t.Helper()
	if a.URL == "" {
		t.Fatal("MailCount: the app's database was opened by the caller")
	}
	var n int
	raw := storetest.Raw(t, a.URL)
	defer raw.Close() // now, not at the test's end: tests count often
	if err := raw.QueryRow(`SELECT COUNT(*) FROM mail_outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// NewClockApp is NewApp on a clock the test moves (now), with a site
// "clock" and no account.
func NewClockApp(t testing.TB, engine store.Engine, now func() time.Time, opts ...Option) *App {
	t.Helper()
	return NewApp(t, engine, append([]Option{WithClock(now), WithSite("clock")}, opts...)...)
}

// ForEachClockEngine runs test, in parallel, on a new NewClockApp of each
// engine, with the clock the test moves.
func ForEachClockEngine(t *testing.T, test func(t *testing.T, a *App, clock *Clock), opts ...Option) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			clock := NewClock()
			test(t, NewClockApp(t, engine, clock.Now, opts...), clock)
		})
	}
}
