package apitest

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/site"
)

// Scenario is one request and the answer it must get, in either dialect:
// a path below /v1/marketing (rest.Prefix and its parent) is the REST
// dialect, any other the RPC dialect.
// In the spirit of pocketbase's tests.ApiScenario.
type Scenario struct {
	Name string

	// Method is the HTTP method; "" is POST when Form or Body is set, GET
	// otherwise.
	Method string
	// Path is below the server root, with its query ("/accounts.login",
	// "/v1/marketing/login/users/find_by?username=ann"). {name}
	// placeholders expand from App.Vars, {apiKey} and {siteID} from the
	// site of the request.
	Path string
	// Form are RPC parameters: urlencoded in the body, or in the query of
	// a GET, with the site's apiKey unless Form has one or NoAPIKey is set.
	Form     url.Values
	NoAPIKey bool
	// Body is sent as is (placeholders expanded), as application/json
	// unless Headers set a Content-Type.
	Body string
	// Headers are sent with the request; a field set to nil is not sent.
	Headers http.Header
	// As is the site whose credentials the request carries (default
	// App.Site).
	As *site.Site
	// Auth are the REST credentials: "" the site's Basic, "none" no
	// Authorization, "wrong" a wrong secret, "unknown" a site that does not
	// exist, "nonnumeric" a site id that is not a number.
	Auth string
	// Before runs before the request.
	Before func(t *testing.T, a *App)

	// Status is the HTTP status of the answer; 0 is 200.
	Status int
	// Code, Details and Fields are the error of an RPC answer, asserted
	// whole by ExpectRPC (Code 0 is success) unless Loose is set.
	Code    float64
	Details string
	Fields  []FieldErr
	Loose   bool
	// Token is the error of a REST answer, with Details as its
	// error_description when set.
	Token string
	// Want are fields the JSON answer must have, compared as JSON.
	Want map[string]any
	// WantBody is the whole JSON answer, key order aside (placeholders
	// expanded).
	WantBody string
	// Absent are fields the JSON answer must not have.
	Absent []string
	// Contains and NotContains are text the raw body must (not) hold.
	Contains, NotContains []string
	// Location is a regular expression the whole Location header of a
	// REST answer must match (placeholders expanded); "" means none.
	Location string
	// WantHeaders are header fields the answer must have, exactly.
	WantHeaders map[string]string
	// Save stores body fields as placeholders of later scenarios:
	// placeholder name → key of the answer object.
	Save map[string]string
	// After runs last, with the answer.
	After func(t *testing.T, r Response, m map[string]any)
}

// Test runs the scenario as a subtest of t and reports whether it passed.
func (s Scenario) Test(t *testing.T, a *App) bool {
	t.Helper()
	return t.Run(s.Name, func(t *testing.T) {
		t.Helper()
		if s.Before != nil {
			s.Before(t, a)
		}
		r := a.Do(t, s.method(), s.target(a), s.body(a), s.header(a))
		s.check(t, a, r)
	})
}

// Run runs scenarios in order, each as a subtest. A failed scenario that
// saves a value stops the run: the scenarios after it depend on it.
func Run(t *testing.T, a *App, scenarios []Scenario) {
	t.Helper()
	for _, s := range scenarios {
		if !s.Test(t, a) && len(s.Save) > 0 {
			t.Fatalf("scenario %q failed; the ones after it need what it saves", s.Name)
		}
	}
}

func (s Scenario) isREST() bool { return strings.HasPrefix(s.Path, "/v1/marketing") }

func (s Scenario) site(a *App) site.Site {
	if s.As != nil {
		return *s.As
	}
	return a.Site
}

func (s Scenario) method() string {
	switch {
	case s.Method != "":
		return s.Method
	case s.Form != nil || s.Body != "":
		return "POST"
	}
	return "GET"
}

// form is Form with the apiKey and placeholders expanded.
func (s Scenario) form(a *App) url.Values {
	f := url.Values{}
	for k, vs := range s.Form {
		for _, v := range vs {
			f.Add(k, s.fill(a, v))
		}
	}
	if !f.Has("apiKey") && !s.NoAPIKey {
		f.Set("apiKey", s.site(a).APIKey)
	}
	return f
}

func (s Scenario) target(a *App) string {
	p := s.fill(a, s.Path)
	if s.Form != nil && s.method() == "GET" {
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		p += sep + s.form(a).Encode()
	}
	return p
}

func (s Scenario) body(a *App) io.Reader {
	switch {
	case s.Body != "":
		return strings.NewReader(s.fill(a, s.Body))
	case s.Form != nil && s.method() != "GET":
		return strings.NewReader(s.form(a).Encode())
	}
	return nil
}

func (s Scenario) header(a *App) http.Header {
	h := http.Header{}
	switch {
	case s.Body != "":
		h.Set("Content-Type", "application/json")
	case s.Form != nil && s.method() != "GET":
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if s.isREST() && s.Auth != "none" {
		st := s.site(a)
		id, secret := itoa(st.ID), st.SecretBase64()
		switch s.Auth {
		case "wrong":
			secret = base64.StdEncoding.EncodeToString(make([]byte, 32))
		case "unknown":
			id = "999999"
		case "nonnumeric":
			id = "abc"
		}
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(id, secret)
		h.Set("Authorization", req.Header.Get("Authorization"))
	}
	for k, v := range s.Headers {
		h[k] = v
		if v == nil {
			delete(h, k)
		}
	}
	return h
}

func (s Scenario) check(t *testing.T, a *App, r Response) {
	t.Helper()
	want := s.Status
	if want == 0 {
		want = http.StatusOK
	}
	if r.Status != want {
		t.Errorf("HTTP %d, want %d: %s", r.Status, want, r.Body)
	}
	m := r.JSON(t)
	// Saved first: the expectations may name what the answer carries.
	for name, key := range s.Save {
		v := JSONScalar(m[key])
		if v == "" {
			t.Fatalf("no %s to save as {%s}: %s", key, name, r.Body)
		}
		a.Vars[name] = v
	}
	if s.isREST() {
		s.checkREST(t, a, r, m)
	} else {
		s.checkRPC(t, a, r, m)
	}
	ExpectFields(t, m, s.Want)
	ExpectAbsent(t, m, s.Absent...)
	if s.WantBody != "" {
		SameJSON(t, r.Body, s.fill(a, s.WantBody))
	}
	for _, c := range s.Contains {
		if !strings.Contains(string(r.Body), c) {
			t.Errorf("body lacks %q: %s", c, r.Body)
		}
	}
	for _, c := range s.NotContains {
		if strings.Contains(string(r.Body), c) {
			t.Errorf("body holds %q: %s", c, r.Body)
		}
	}
	for k, v := range s.WantHeaders {
		if r.Header.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, r.Header.Get(k), v)
		}
	}
	if s.After != nil {
		s.After(t, r, m)
	}
}

func (s Scenario) checkRPC(t *testing.T, a *App, r Response, m map[string]any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	a.CheckEnvelope(t, r, m)
	if !s.Loose {
		ExpectRPC(t, m, s.Code, s.Details, s.Fields...)
	}
}

func (s Scenario) checkREST(t *testing.T, a *App, r Response, m map[string]any) {
	t.Helper()
	CheckREST(t, r)
	if s.Token != "" && m["error"] != s.Token {
		t.Errorf("error %v, want %s", m["error"], s.Token)
	}
	if s.Token != "" && s.Details != "" && m["error_description"] != s.Details {
		t.Errorf("error_description %v, want %q", m["error_description"], s.Details)
	}
	loc := r.Header.Get("Location")
	if s.Location == "" && loc != "" {
		t.Errorf("Location %q, want none", loc)
	}
	if s.Location != "" && !regexp.MustCompile(`^`+s.fill(a, s.Location)+`$`).MatchString(loc) {
		t.Errorf("Location %q, want %s", loc, s.fill(a, s.Location))
	}
}

// fill replaces the placeholders of str: {apiKey} and {siteID} of the
// request's site, and {name} of a.Vars.
func (s Scenario) fill(a *App, str string) string {
	st := s.site(a)
	return a.expand(strings.NewReplacer("{apiKey}", st.APIKey, "{siteID}", itoa(st.ID)).Replace(str))
}

// expand fills the {name} placeholders of str from a.Vars.
func (a *App) expand(str string) string {
	for k, v := range a.Vars {
		str = strings.ReplaceAll(str, "{"+k+"}", v)
	}
	return str
}
