package app_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
	"github.com/custos-id/custos/internal/store"
)

// Input a client may send on purpose to hurt the server or the clients
// that read what it stores: every such request is refused with a catalog
// answer in its dialect, and nothing of it is stored.

// deepJSON is an object nested depth levels deep.
func deepJSON(depth int) string {
	return strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)
}

func TestHostileJSON(t *testing.T) {
	t.Parallel()
	users, findBy := rest.Prefix+"/users", rest.Prefix+"/users/find_by?"
	register := func(name, profile string, code float64, details string) apitest.Scenario {
		return apitest.Scenario{Name: name, Path: "/accounts.register", Code: code, Details: details,
			Form: apitest.Form("email", "deep@example.com", "password", "first-password-1", "finalizeRegistration", "true",
				"profile", profile)}
	}
	notStored := func(name, query string) apitest.Scenario {
		return apitest.Scenario{Name: "nothing stored (" + name + ")", Path: findBy + query, Status: 404, Token: "not_found"}
	}
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		apitest.Run(t, a, []apitest.Scenario{
			register("profile 33 deep", deepJSON(33), 400006, "Invalid parameter value: profile: nested deeper than 32 levels"),
			register("lone surrogate", `{"firstName":"\ud800"}`, 400004, "Invalid parameter format: profile: a string holds a lone surrogate escape"),
			register("NUL escape", `{"firstName":"a\u0000b"}`, 400004, "Invalid parameter format: profile: a string holds the NUL character"),
			{Name: "nothing stored (RPC)", Path: "/accounts.isAvailableLoginID", Form: apitest.Form("loginID", "deep@example.com"),
				Want: map[string]any{"isAvailable": true}},

			{Name: "invalid UTF-8", Path: users, Status: 400, Token: "bad_request", Details: "Invalid request body: not valid UTF-8 text",
				Body: "{\"user\":{\"email_address\":\"bad\xffutf8@example.com\",\"password\":\"new_user_secret\"}}"},
			{Name: "lone surrogate", Path: users, Status: 400, Token: "bad_request",
				Details: "Invalid request body: a string holds a lone surrogate escape",
				Body:    `{"user":{"email_address":"surrogate@example.com","username":"x\ud800","password":"new_user_secret"}}`},
			{Name: "nested too deep", Path: users, Status: 400, Token: "bad_request",
				Details: "Invalid request body: nested deeper than 32 levels",
				Body:    `{"user":{"email_address":"deep@example.com","password":"new_user_secret","x":` + deepJSON(40) + `}}`},
			{Name: "invalid UTF-8 in the query", Path: findBy + "username=x%ff", Status: 400, Token: "bad_request",
				Details: "Invalid request format: the query is not valid UTF-8 text"},
			notStored("U+FFFD", "email_address=bad%EF%BF%BDutf8@example.com"),
			notStored("surrogate", "email_address=surrogate@example.com"),
			notStored("deep", "email_address=deep@example.com"),
		})
	})
}

// Paths the ServeMux would redirect, and CONNECT, answer in the dialect
// their path names.
func TestPathsOutsideTheRoutes(t *testing.T) {
	e := apitest.NewApp(t, store.SQLite)
	rpcUnknown := func(name string) []string {
		return []string{`"errorCode":501001`, `"errorDetails":"Invalid API method: \"` + name + `\""`}
	}
	restNotFound := []string{`"error":"not_found"`}
	for _, c := range []struct {
		method, path string
		want         []string
	}{
		{"GET", "/../accounts.login", rpcUnknown("../accounts.login")},
		{"POST", "//accounts.login", rpcUnknown("/accounts.login")},
		{"GET", "/./accounts.login", rpcUnknown("./accounts.login")},
		{"GET", "/accounts.login/", rpcUnknown("accounts.login/")},
		{"GET", "/healthz/..", rpcUnknown("healthz/..")},
		{"GET", rest.Prefix + "/users/../users/find_by", restNotFound},
		{"GET", rest.Prefix + "//users", restNotFound},
		{"GET", "/v1/marketing/./login", restNotFound},
		{"CONNECT", "/accounts.login", []string{`"errorCode":400001`}},
		{"CONNECT", rest.Prefix + "/users", restNotFound},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			status, hdr, body := rawRequest(t, e, c.method+" "+c.path+" HTTP/1.1\r\nHost: x\r\nAuthorization: "+
				apitest.Basic(e.Site.ID, e.Site.SecretBase64())+"\r\n\r\n")
			if status >= 300 && status < 400 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
				t.Fatalf("HTTP %d %s: %s", status, hdr.Get("Content-Type"), body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("body %s lacks %s", body, w)
				}
			}
		})
	}
}

// A body declared past the limit is refused before it is invited: no
// "100 Continue", the answer at once, in the caller's dialect: HTTP 413 with
// 413001 in the RPC envelope; REST's 400 bad_request (the Social ID document
// has no 413).
func TestOversizedBodyNotInvited(t *testing.T) {
	e := apitest.NewApp(t, store.SQLite)
	for _, c := range []struct {
		path, ctype string
		status      int
		want        string
	}{
		{"/accounts.register", "application/x-www-form-urlencoded", 413, `"errorCode":413001`},
		{"/accounts.getPolicies", "text/plain", 413, `"errorCode":413001`},
		{"/healthz", "text/plain", 413, `"errorCode":413001`},
		{rest.Prefix + "/users", "application/json", 400, `"error_description":"Request entity too large"`},
	} {
		t.Run(c.path, func(t *testing.T) {
			status, _, body := rawRequest(t, e, "POST "+c.path+" HTTP/1.1\r\nHost: x\r\nContent-Type: "+c.ctype+
				"\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n")
			if status != c.status || !strings.Contains(body, c.want) {
				t.Fatalf("HTTP %d, want %d: %s", status, c.status, body)
			}
		})
	}
}

// A body that stops arriving ends in 400001 whose details name no cause.
func TestBodyReadErrorHidesCause(t *testing.T) {
	e := apitest.NewApp(t, store.SQLite)
	for _, path := range []string{"/accounts.register", rest.Prefix + "/users"} {
		conn, err := net.Dial("tcp", e.Server.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
			"Authorization: "+apitest.Basic(e.Site.ID, e.Site.SecretBase64())+"\r\nContent-Length: 100\r\n\r\napiKey=")
		conn.(*net.TCPConn).CloseWrite()
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		if !strings.Contains(string(b), "the request body could not be read") || strings.Contains(string(b), "EOF") {
			t.Errorf("%s: %s", path, b)
		}
	}
}

// rawRequest writes a request as is (no client cleans its path or reads
// its Expect header) and reads the first answer.
func rawRequest(t *testing.T, e *apitest.App, head string) (int, http.Header, string) {
	t.Helper()
	conn, err := net.Dial("tcp", e.Server.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute)) // a guard against hanging, not a timing assertion
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}
