package doctest

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	doc := strings.Join([]string{
		"# Title",                           // 1
		"",                                  // 2
		"```sh",                             // 3
		"curl -s a",                         // 4
		"```",                               // 5
		"",                                  // 6
		"It answers:",                       // 7
		"",                                  // 8
		"```json",                           // 9
		`{"a":1}`,                           // 10
		"```",                               // 11
		"",                                  // 12
		"Two paragraphs.",                   // 13
		"",                                  // 14
		"Too far.",                          // 15
		"",                                  // 16
		"```json",                           // 17
		`{"b":2}`,                           // 18
		"```",                               // 19
		"<!-- not run: starts a server -->", // 20
		"```bash",                           // 21
		"custos serve",                      // 22
		"```",                               // 23
		"```http",                           // 24
		"HTTP/1.1 200 OK",                   // 25
		"```",                               // 26
		"## Heading",                        // 27
		"```json",                           // 28
		"{}",                                // 29
		"```",                               // 30
		"````markdown",                      // 31
		"```sh",                             // 32
		"inside",                            // 33
		"```",                               // 34
		"````",                              // 35
		"  ```shell",                        // 36
		"  x \\",                            // 37
		"    y",                             // 38
		"  ```",                             // 39
		"| table |",                         // 40
		"```text",                           // 41
		"out",                               // 42
		"```",                               // 43
		"~~~sh",                             // 44
		"~~~",                               // 45
		"```console",                        // 46
		"$ ignored",                         // 47
		"```",                               // 48
	}, "\n")
	want := []Block{
		{Line: 3, Script: "curl -s a", Outputs: []Output{{Line: 9, Lang: "json", Text: `{"a":1}`}}},
		{Line: 21, Script: "custos serve", NotRun: "starts a server", Outputs: []Output{{Line: 24, Lang: "http", Text: "HTTP/1.1 200 OK"}}},
		{Line: 36, Script: "x \\\n  y"},
		{Line: 44, Script: ""},
	}
	if got := Parse(doc); !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse =\n%+v\nwant\n%+v", got, want)
	}
}

func TestCheck(t *testing.T) {
	rpcOK := `{"isAvailable":true,"callId":"67965e3b33da07a096c8effa91e24de4","errorCode":0,"time":"2026-11-22T04:14:07.946Z"}`
	rpcErr := `{"callId":"f1c6a1d94d0e4c0e9f0e2b8f5f7f36a2","errorCode":400093,"errorMessage":"Invalid ApiKey parameter"}`
	head := "HTTP/1.1 201 Created\r\nLocation: http://127.0.0.1:1234/v1/users/1\r\nContent-Type: application/json\r\n\r\n"
	login := `{"login_token":"st1_ozSVfMQJRRNyLS1nLQbB0JdMgpVHypo0-3HCkDYrXv0","user_id":1}`
	for _, c := range []struct {
		name    string
		outputs []Output
		stdout  string
		fails   string // a part of the error; empty: no error
	}{
		{"no output shown, success", nil, rpcOK + rpcOK, ""},
		{"no output shown, an RPC error", nil, rpcOK + rpcErr, "not shown is an error"},
		{"no output shown, a REST error", nil, `{"error":"forbidden"}`, "not shown is an error"},
		{"no output shown, an HTTP error", nil, "HTTP/1.1 404 Not Found\r\n\r\n{}", "HTTP 404 Not Found"},
		{"no output shown, text", nil, "userKey: AK1\nsecret: x\n", ""},
		{"times and ids by shape", js(`{"isAvailable":true,"callId":"00000000000000000000000000000000","errorCode":0,"time":"2020-01-01T00:00:00.000Z"}`), rpcOK, ""},
		{"the last value is shown, the others must succeed", js(rpcErr), rpcOK + "\n" + rpcErr, ""},
		{"an error shown, an earlier one not", js(rpcErr), rpcErr + rpcErr, "not shown is an error"},
		{"a member missing", js(`{"isAvailable":true,"callId":"…","errorCode":0,"time":"…","more":1}`), rpcOK, `no member "more"`},
		{"a member not shown", js(`{"isAvailable":true,"errorCode":0}`), rpcOK, `member "callId" is not shown`},
		{"… allows other members", js(`{"isAvailable":true, …}`), rpcOK, ""},
		{"... too", js(`{"errorCode":0, ...}`), rpcOK, ""},
		{"a value differs", js(`{"isAvailable":false, …}`), rpcOK, "$.isAvailable: printed true, shown false"},
		{"a string with …", js(`{"errorMessage":"Invalid … parameter", …}`), rpcErr, ""},
		{"a string with … differs", js(`{"errorMessage":"Valid …", …}`), rpcErr, "$.errorMessage"},
		{"\"…\" is any value", js(`{"isAvailable":"…","callId":"…","errorCode":…,"time":"…"}`), rpcOK, ""},
		{"numbers by value", js(`{"a":1.0,"b":[1,2,…]}`), `{"a":1,"b":[1,2,3]}`, ""},
		{"a closed array", js(`{"b":[1,2]}`), `{"b":[1,2,3]}`, "$.b"},
		{"tokens by shape", js(`{"login_token":"st1_…","user_id":1}`), login, ""},
		{"tokens by shape, another kind", js(`{"login_token":"pr1_ozSVfMQJRRNyLS1nLQbB0JdMgpVHypo0-3HCkDYrXv0","user_id":1}`), login, "login_token"},
		{"ids compare", js(`{"login_token":"st1_ozSVfMQJRRNyLS1nLQbB0JdMgpVHypo0-3HCkDYrXv0","user_id":2}`), login, "user_id"},
		{"volatile members", js(`{"UIDSignature":"x","signatureTimestamp":"1","createdTimestamp":2}`), `{"UIDSignature":"y","signatureTimestamp":"9","createdTimestamp":3}`, ""},
		{"volatile members keep their type", js(`{"createdTimestamp":2}`), `{"createdTimestamp":"2"}`, "createdTimestamp"},
		{"nested", js(`{"a":{"b":[{"c":"d"}]}}`), `{"a":{"b":[{"c":"e"}]}}`, "$.a.b[0].c: printed \"e\""},
		{"head and body", []Output{{Lang: "http", Text: "HTTP/1.1 201 Created\nLocation: http://127.0.0.1:1234/v1/users/1"}, {Lang: "json", Text: login}}, head + login, ""},
		{"head with its body", []Output{{Lang: "http", Text: "HTTP/1.1 201 Created\n\n" + login}}, head + login, ""},
		{"another status", []Output{{Lang: "http", Text: "HTTP/1.1 200 OK"}}, head + login, `status "201 Created", shown "200 OK"`},
		{"another header", []Output{{Lang: "http", Text: "HTTP/1.1 201 Created\nLocation: …/users/2"}}, head + login, "header location"},
		{"the last head", []Output{{Lang: "http", Text: "HTTP/1.1 403 Forbidden"}}, head + login + "HTTP/1.1 403 Forbidden\r\n\r\n" + `{"error":"forbidden"}`, ""},
		{"an earlier head", []Output{{Lang: "http", Text: "HTTP/1.1 201 Created"}}, "HTTP/1.1 403 Forbidden\r\n\r\n" + `{"error":"forbidden"}` + head + login, "HTTP 403 Forbidden"},
		{"no head", []Output{{Lang: "http", Text: "HTTP/1.1 200 OK"}}, login, "no HTTP response head"},
		{"no JSON", js(`{}`), "text\n", "nothing printed is JSON"},
		{"text", []Output{{Lang: "text", Text: "userKey: AK…\nsecret: …"}}, "userKey: AK1\nsecret: x\n", ""},
		{"text by shape, line ends aside", []Output{{Lang: "text", Text: "userKey: AKLPb7orqViJ7Zaddy4ZZOZO1p\nsecret:  DPhhAoxDQ47IskWuh2ksz9KU54j8zgdIEA6pR8RRt1c="}},
			"userKey: AKYYbC1yHMohthjdiiCGVAWL8v  \nsecret:  nASXZ7WP3ltdf/qkVb0FzDinp9JZIobZHd9RQvvonHo=\n", ""},
		{"text differs", []Output{{Lang: "text", Text: "userKey: AK…"}}, "secret: x\n", "printed"},
		{"bad expected JSON", js(`{"a":}`), `{"a":1}`, "expected JSON, line 1"},
		{"… inside an array", js(`[…, 1]`), `[1]`, "… may only end an array"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Check(c.outputs, c.stdout)
			switch {
			case c.fails == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case c.fails != "" && (err == nil || !strings.Contains(err.Error(), c.fails)):
				t.Fatalf("Check = %v, want an error with %q", err, c.fails)
			}
		})
	}
}

func js(text string) []Output { return []Output{{Lang: "json", Text: text}} }
