package rpc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/store"
)

// The RPC envelope and the errors every method shares, as a table of
// requests and the fields their answers must have. Every answer is JSON
// with the whole envelope and shows no internals.
func TestRPC(t *testing.T) {
	t.Parallel()
	tests := []apitest.Scenario{
		{Name: "available", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=new@example.com",
			Want:   map[string]any{"errorCode": 0.0, "statusCode": 200.0, "statusReason": "OK", "isAvailable": true},
			Absent: []string{"errorMessage", "errorDetails", "context"}},
		{Name: "taken, case-insensitive", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=ANN@example.COM",
			Want: map[string]any{"errorCode": 0.0, "isAvailable": false}},
		{Name: "username taken", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=Ann",
			Want: map[string]any{"errorCode": 0.0, "isAvailable": false}},
		{Name: "method name is case-insensitive", Loose: true, Path: "/ACCOUNTS.isavailableloginid?apiKey={apiKey}&loginID=x",
			Want: map[string]any{"errorCode": 0.0, "isAvailable": true}},
		{Name: "POST form", Loose: true, Method: "POST", Path: "/accounts.isAvailableLoginID", Form: apitest.Form("apiKey", "{apiKey}", "loginID", "ann"),
			Want: map[string]any{"errorCode": 0.0, "isAvailable": false}},
		{Name: "form wins over query", Loose: true, Method: "POST", Path: "/accounts.isAvailableLoginID?loginID=free", Form: apitest.Form("apiKey", "{apiKey}", "loginID", "ann"),
			Want: map[string]any{"isAvailable": false}},
		{Name: "context echoed", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=x&context=R3948184752",
			Want: map[string]any{"errorCode": 0.0, "context": "R3948184752"}},
		{Name: "context echoed on error", Loose: true, Path: "/accounts.isAvailableLoginID?loginID=x&context=abc",
			Want: map[string]any{"errorCode": 400092.0, "context": "abc"}},
		{Name: "missing apiKey", Loose: true, Path: "/accounts.isAvailableLoginID?loginID=x",
			Want: map[string]any{"errorCode": 400092.0, "statusCode": 400.0, "statusReason": "Bad Request",
				"errorMessage": "Missing required ApiKey parameter", "errorDetails": "Missing required parameter: apiKey"}},
		{Name: "unknown apiKey", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey=3_nope&loginID=x",
			Want: map[string]any{"errorCode": 400093.0, "statusCode": 400.0, "errorMessage": "Invalid ApiKey parameter"}},
		{Name: "unknown method", Loose: true, Path: "/accounts.noSuchMethod?apiKey={apiKey}",
			Want: map[string]any{"errorCode": 501001.0, "statusCode": 501.0, "statusReason": "Not Implemented",
				"errorMessage": "Invalid API method", "errorDetails": `Invalid API method: "accounts.noSuchMethod"`}},
		{Name: "unknown method before apiKey", Loose: true, Path: "/nothing",
			Want: map[string]any{"errorCode": 501001.0}},
		{Name: "missing loginID", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}",
			Want: map[string]any{"errorCode": 400002.0, "errorMessage": "Missing required parameter",
				"errorDetails": "Missing required parameter: loginID"}},
		{Name: "oversized loginID", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=" + strings.Repeat("a", 255),
			Want: map[string]any{"errorCode": 400006.0, "errorMessage": "Invalid parameter value"}},
		{Name: "control character in loginID", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=a%01b",
			Want: map[string]any{"errorCode": 400004.0}},
		{Name: "malformed object param", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=x&profile=%7Bbad",
			Want: map[string]any{"errorCode": 400004.0, "errorMessage": "Invalid parameter format",
				"errorDetails": "Invalid parameter format: profile: not a JSON object"}},
		{Name: "object param not an object", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=x&data=%5B1%5D",
			Want: map[string]any{"errorCode": 400004.0, "errorDetails": "Invalid parameter format: data: not a JSON object"}},
		{Name: "object param with trailing data", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=x&data=%7B%7D%7B%7D",
			Want: map[string]any{"errorCode": 400004.0}},
		{Name: "invalid UTF-8", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=%ff",
			Want: map[string]any{"errorCode": 400004.0, "errorDetails": "Invalid parameter format: loginID: not valid UTF-8 text"}},
		{Name: "unparseable query", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=%zz",
			Want: map[string]any{"errorCode": 400001.0, "errorMessage": "Invalid request format"}},
		{Name: "unsupported HTTP method", Loose: true, Method: "PUT", Path: "/accounts.isAvailableLoginID?apiKey={apiKey}",
			Want: map[string]any{"errorCode": 400001.0}},
		{Name: "body over the limit", Loose: true, Method: "POST", Status: 413, Path: "/accounts.isAvailableLoginID", Form: apitest.Form("apiKey", "{apiKey}", "loginID", strings.Repeat("a", apitest.MaxBody)),
			Want: map[string]any{"errorCode": 413001.0, "statusCode": 413.0, "errorMessage": "Request entity too large"}},
		{Name: "bad format", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=x&format=xml",
			Want: map[string]any{"errorCode": 400006.0, "errorDetails": `Invalid parameter value: format: "xml" is not json or jsonp`}},
		{Name: "bad httpStatusCodes", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&httpStatusCodes=maybe",
			Want: map[string]any{"errorCode": 400006.0}},
		{Name: "jsonp without callback", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&format=jsonp",
			Want: map[string]any{"errorCode": 400002.0, "errorDetails": "Missing required parameter: callback"}},
		{Name: "jsonp with hostile callback", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&format=jsonp&callback=alert(1)//",
			Want: map[string]any{"errorCode": 400006.0}},
		{Name: "httpStatusCodes=true on error", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey=3_nope&httpStatusCodes=true",
			Status: 400, Want: map[string]any{"errorCode": 400093.0, "statusCode": 400.0}},
		{Name: "httpStatusCodes=TRUE on unknown method", Loose: true, Path: "/x.y?httpStatusCodes=TRUE",
			Status: 501, Want: map[string]any{"errorCode": 501001.0}},
		{Name: "httpStatusCodes=true on success", Loose: true, Path: "/accounts.isAvailableLoginID?apiKey={apiKey}&loginID=x&httpStatusCodes=1",
			Status: 200, Want: map[string]any{"errorCode": 0.0}},
		{Name: "unknown credential kind fails closed", Loose: true, Path: "/test.unchecked?apiKey={apiKey}",
			Want: map[string]any{"errorCode": 500001.0, "errorDetails": "General Server Error"}},
		{Name: "panic", Loose: true, Path: "/test.panic?apiKey={apiKey}",
			Want: map[string]any{"errorCode": 500001.0, "statusCode": 500.0, "statusReason": "Internal Server Error",
				"errorMessage": "General Server Error", "errorDetails": "General Server Error"}},
	}
	apitest.ForEachEngine(t, func(t *testing.T, a *apitest.App) {
		for _, s := range tests {
			s.NotContains = []string{"secret-stack", "goroutine"}
			s.Test(t, a)
		}
	}, apitest.WithFaultRoutes())
}

func TestRPCJSONP(t *testing.T) {
	t.Parallel()
	a := apitest.NewApp(t, store.SQLite)
	for _, tc := range []struct{ query, body, code string }{
		{"apiKey={key}&loginID=ann", "", `"errorCode":0`},
		{"apiKey=3_nope", "", `"errorCode":400093`},
		// The options in the query hold when the body is what fails.
		{"apiKey={key}", "loginID=" + strings.Repeat("a", apitest.MaxBody), `"errorCode":413001`},
	} {
		q := strings.ReplaceAll(tc.query, "{key}", a.Site.APIKey)
		method, body, hdr := "GET", io.Reader(nil), http.Header{}
		if tc.body != "" {
			method, body = "POST", strings.NewReader(tc.body)
			hdr.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r := a.Do(t, method, "/accounts.isAvailableLoginID?format=jsonp&callback=gigya.callback&context=c1&"+q, body, hdr)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/javascript; charset=utf-8" {
			t.Fatalf("%d %q", r.Status, r.Header.Get("Content-Type"))
		}
		s := string(r.Body)
		if !strings.HasPrefix(s, "/**/gigya.callback({") || !strings.HasSuffix(s, "});") || !strings.Contains(s, tc.code) ||
			!strings.Contains(s, `"context":"c1"`) {
			t.Fatalf("body %s", s)
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(s, "/**/gigya.callback("), ");")
		if !json.Valid([]byte(inner)) {
			t.Fatalf("not JSON inside the callback: %s", inner)
		}
	}
}
