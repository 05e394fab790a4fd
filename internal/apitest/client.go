package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/rest"
)

// Form builds RPC parameters from name, value pairs.
func Form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// Secret is Form plus the site secret: a server call.
func (a *App) Secret(kv ...string) url.Values {
	v := Form(kv...)
	v.Set("secret", a.Site.SecretBase64())
	return v
}

// CallIDRe is the shape of a call id (callId, X-Call-Id).
var CallIDRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// RPC POSTs form, urlencoded, to an RPC method of a's site (the apiKey is
// added unless form has one) and returns the answer and its body. It
// checks that the answer is 200 (no httpStatusCodes) and has a call id and
// the API version.
func (a *App) RPC(t testing.TB, method string, form url.Values, header http.Header) (Response, map[string]any) {
	t.Helper()
	r := a.Do(t, "POST", "/"+method, strings.NewReader(a.withKey(form).Encode()), formHeader(header))
	if r.Status != http.StatusOK {
		t.Errorf("%s: HTTP %d, want 200 (no httpStatusCodes)", method, r.Status)
	}
	m := r.JSON(t)
	if id, _ := m["callId"].(string); !CallIDRe.MatchString(id) || m["apiVersion"] != 2.0 {
		t.Errorf("%s: envelope: %s", method, r.Body)
	}
	return r, m
}

// Call is RPC without headers, checking the whole envelope.
func (a *App) Call(t testing.TB, method string, form url.Values) map[string]any {
	t.Helper()
	r, m := a.RPC(t, method, form, nil)
	a.CheckEnvelope(t, r, m)
	return m
}

// withKey is a copy of form with the site's apiKey, unless it has one.
func (a *App) withKey(form url.Values) url.Values {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if !f.Has("apiKey") {
		f.Set("apiKey", a.Site.APIKey)
	}
	return f
}

func formHeader(header http.Header) http.Header {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for k, v := range header {
		h[k] = v
	}
	return h
}

// CheckEnvelope asserts the fields every RPC answer carries: a call id in
// the body and the X-Call-Id header, the API version, a statusReason, a
// Date header and, on a test clock, the time of the app's clock.
func (a *App) CheckEnvelope(t testing.TB, r Response, m map[string]any) {
	t.Helper()
	var at time.Time
	if a.fixedClock {
		at = a.clock()
	}
	CheckEnvelope(t, r, m, at)
}

// CheckEnvelope asserts the fields every RPC answer carries, and that its
// time is at unless at is zero.
func CheckEnvelope(t testing.TB, r Response, m map[string]any, at time.Time) {
	t.Helper()
	id, _ := m["callId"].(string)
	if !CallIDRe.MatchString(id) || r.Header.Get("X-Call-Id") != id {
		t.Errorf("callId %q, header %q", id, r.Header.Get("X-Call-Id"))
	}
	if want := at.UTC().Format("2006-01-02T15:04:05.000Z"); !at.IsZero() && m["time"] != want {
		t.Errorf("time %v, want %s", m["time"], want)
	}
	if m["apiVersion"] != 2.0 {
		t.Errorf("apiVersion %v", m["apiVersion"])
	}
	if r.Header.Get("Date") == "" {
		t.Error("no Date header")
	}
	if _, ok := m["statusReason"].(string); !ok {
		t.Error("no statusReason")
	}
}

// Basic is the Authorization header of HTTP Basic with siteID and secret,
// as the REST dialect takes a site's credentials.
func Basic(siteID int64, secret string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(strconv.FormatInt(siteID, 10), secret)
	return req.Header.Get("Authorization")
}

// Basic is the Authorization header with the credentials of a's site.
func (a *App) Basic() string { return Basic(a.Site.ID, a.Site.SecretBase64()) }

// REST sends body (JSON, when not empty) to path below rest.Prefix with the
// site's Basic credentials.
func (a *App) REST(t testing.TB, method, path, body string) Response {
	t.Helper()
	hdr := http.Header{"Authorization": {a.Basic()}}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
		hdr.Set("Content-Type", "application/json")
	}
	return a.Do(t, method, rest.Prefix+path, rd, hdr)
}

// RESTStatuses is the status of each error token of the Social ID error
// document.
var RESTStatuses = map[string]int{"bad_request": 400, "unauthorized": 401, "forbidden": 403, "not_found": 404,
	"not_acceptable": 406, "conflict": 409, "unprocessable_entity": 422, "internal_server_error": 500}

// CheckREST asserts what every REST answer carries: JSON, an X-Call-Id
// and, for an error, the token of its status, a description and a
// non-empty errors array of strings or {attribute, message, code}; a 401
// names its scheme in WWW-Authenticate.
func CheckREST(t testing.TB, r Response) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if id := r.Header.Get("X-Call-Id"); !CallIDRe.MatchString(id) {
		t.Errorf("X-Call-Id %q", id)
	}
	if r.Status < 400 {
		return
	}
	m := r.JSON(t)
	token, _ := m["error"].(string)
	if RESTStatuses[token] != r.Status {
		t.Errorf("error %q with HTTP %d: %s", token, r.Status, r.Body)
	}
	if d, _ := m["error_description"].(string); d == "" {
		t.Errorf("no error_description: %s", r.Body)
	}
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		t.Errorf("no errors array: %s", r.Body)
	}
	for _, e := range errs {
		if _, ok := e.(string); ok {
			continue
		}
		f, _ := e.(map[string]any)
		for _, k := range []string{"attribute", "message", "code"} {
			if s, _ := f[k].(string); s == "" {
				t.Errorf("errors entry without %s: %s", k, r.Body)
			}
		}
	}
	if r.Status == 401 && r.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

// JSONEqual tells whether a and b encode to the same JSON.
func JSONEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// SameJSON asserts that got and want are the same JSON document, key order
// aside.
func SameJSON(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("the test's JSON %s: %v", want, err)
	}
	if !JSONEqual(g, w) {
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		t.Fatalf("body\n got %s\nwant %s", gb, wb)
	}
}

// Dump is v as JSON, for messages.
func Dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// JSONScalar is a JSON string or number as text: "" for anything else.
func JSONScalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// SyncBuffer is a bytes.Buffer safe for concurrent writes: a log sink.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
