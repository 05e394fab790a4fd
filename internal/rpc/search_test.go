package rpc_test

// accounts.search through the RPC dialect: results as getAccountInfo
// renders them, SELECT with AS, count(*), cursors across pages and their
// life, and every error the method answers. The query language itself is
// tested by the store's corpus (internal/store/conformance/search.go).

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
)

func queryDetails(why string) string { return "Invalid parameter value: query: " + why }

// signedQuery are the parameters of a client call with a query signed by
// the site's server, valid for ttl from the test clock.
func signedQuery(e *apitest.App, query string, ttl time.Duration) url.Values {
	exp := strconv.FormatInt(apitest.Now.Add(ttl).UnixMilli(), 10)
	m := hmac.New(sha1.New, e.Site.Secret)
	m.Write([]byte(query + "_" + exp))
	return apitest.Form("query", query, "expTime", exp, "querySig", base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

func TestAccountsSearch(t *testing.T) {
	t.Parallel()
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		e.SetSchema(t, "dataSchema", `{"fields":{"age":{"type":"integer","writeAccess":"clientModify"}}}`)
		var uids []string
		for i, name := range []string{"Ann", "Bob", "Cid", "Dee", "Eve"} {
			uid, _ := registerWith(t, e, apitest.Form("email", fmt.Sprintf("%s@example.com", name), "password", "pass-word-1",
				"profile", fmt.Sprintf(`{"firstName":%q}`, name), "data", fmt.Sprintf(`{"age":%d}`, 20+i*10)))
			uids = append(uids, uid)
		}
		search := func(kv ...string) map[string]any {
			m := e.Call(t, "accounts.search", e.Secret(kv...))
			apitest.ExpectRPC(t, m, 0, "")
			return m
		}
		t.Run("every account, as getAccountInfo renders it", func(t *testing.T) {
			m := search("query", `SELECT * FROM accounts WHERE profile.firstName = "Bob"`)
			info := e.Call(t, "accounts.getAccountInfo", e.Secret("UID", uids[1], "include", "profile,data,preferences,subscriptions,loginIDs,emails"))
			for _, k := range []string{"callId", "errorCode", "apiVersion", "statusCode", "statusReason", "time"} {
				delete(info, k)
			}
			apitest.ExpectFields(t, m, map[string]any{"results": []any{info}, "objectsCount": 1, "totalCount": 1})
			apitest.ExpectAbsent(t, m, "nextCursorId")
		})
		run(t, e, []apitest.Scenario{
			{Name: "SELECT with AS, ORDER BY, LIMIT", Path: "/accounts.search", Form: e.Secret("query",
				`SELECT profile.firstName AS name, data.age FROM accounts WHERE data.age >= 30 ORDER BY data.age DESC LIMIT 2`),
				Want: map[string]any{"results": []any{
					map[string]any{"profile": map[string]any{"name": "Eve"}, "data": map[string]any{"age": 60}},
					map[string]any{"profile": map[string]any{"name": "Dee"}, "data": map[string]any{"age": 50}}},
					"objectsCount": 2, "totalCount": 4}},
			{Name: "login IDs", Path: "/accounts.search", Form: e.Secret("query",
				`SELECT UID, loginIDs.emails FROM accounts WHERE loginIDs.emails = "CID@example.com"`),
				Want: map[string]any{"results": []any{map[string]any{"UID": uids[2], "loginIDs": map[string]any{"emails": []any{"Cid@example.com"}}}}}},
			{Name: "count(*)", Path: "/accounts.search", Form: e.Secret("query", `SELECT count(*) FROM accounts WHERE data.age < 40`),
				Want: map[string]any{"results": []any{map[string]any{"count(*)": 2}}, "objectsCount": 1, "totalCount": 2}},
			{Name: "nothing found", Path: "/accounts.search", Form: e.Secret("query", `SELECT * FROM accounts WHERE data.age > 100`),
				Want: map[string]any{"results": []any{}, "objectsCount": 0, "totalCount": 0}},
			{Name: "a malformed query", Path: "/accounts.search", Form: e.Secret("query", `SELECT * FROM accounts WHERE profile.firstName == "x"`),
				Code: 400006, Details: queryDetails(`at character 49: expected a value (a quoted string, a number, true, false or null), found "="`)},
			{Name: "an unknown field", Path: "/accounts.search", Form: e.Secret("query", `SELECT * FROM accounts WHERE bogus = 1`),
				Code: 400006, Details: queryDetails("at character 30: unknown field bogus")},
			{Name: "a value of the wrong type", Path: "/accounts.search", Form: e.Secret("query", `SELECT * FROM accounts WHERE data.age = "old"`),
				Code: 400006, Details: queryDetails("at character 41: data.age holds numbers")},
			{Name: "a clause out of order", Path: "/accounts.search", Form: e.Secret("query", `SELECT * FROM accounts LIMIT 1 WHERE UID = "x"`),
				Code: 400006, Details: queryDetails("at character 32: WHERE is out of place: the clauses go WHERE, ORDER BY, START, LIMIT, each once")},
			{Name: "a client call", Path: "/accounts.search", Form: apitest.Form("query", `SELECT * FROM accounts`),
				Code: 403007, Details: "Permission denied: accounts.search is a server call, or a client call with querySig and expTime"},
			{Name: "a client call with a signed query", Path: "/accounts.search", Form: signedQuery(e, `SELECT UID FROM accounts WHERE data.age = 40`, time.Hour),
				Want: map[string]any{"results": []any{map[string]any{"UID": uids[2]}}, "objectsCount": 1, "totalCount": 1}},
			{Name: "a signed query changed", Path: "/accounts.search", Form: func() url.Values {
				f := signedQuery(e, `SELECT UID FROM accounts WHERE data.age = 40`, time.Hour)
				f.Set("query", `SELECT * FROM accounts`)
				return f
			}(), Code: 403007, Details: "Permission denied: accounts.search with a querySig that does not sign this query and expTime"},
			{Name: "a signed query expired", Path: "/accounts.search", Form: signedQuery(e, `SELECT UID FROM accounts`, 0),
				Code: 403007, Details: "Permission denied: accounts.search with a querySig whose expTime has passed"},
			{Name: "a signed query with a cursor", Path: "/accounts.search", Form: func() url.Values {
				f := signedQuery(e, `SELECT UID FROM accounts`, time.Hour)
				f.Set("openCursor", "true")
				return f
			}(), Code: 403007, Details: "Permission denied: accounts.search with a cursor is a server call"},
			{Name: "an expTime that is not a number", Path: "/accounts.search", Form: apitest.Form("query", `SELECT * FROM accounts`, "querySig", "AAAA", "expTime", "soon"),
				Code: 400006, Details: "Invalid parameter value: expTime: want Unix milliseconds"},
			{Name: "no query", Path: "/accounts.search", Form: e.Secret(), Code: 400002, Details: missing("query")},
			{Name: "a timeout that is not a number", Path: "/accounts.search", Form: e.Secret("query", `SELECT * FROM accounts`, "timeout", "soon"),
				Code: 400006, Details: "Invalid parameter value: timeout: want a whole number of milliseconds, at least 1"},
			{Name: "lite accounts", Path: "/accounts.search", Form: e.Secret("query", `SELECT * FROM accounts`, "accountTypes", "lite"),
				Code: 400006, Details: "Invalid parameter value: accountTypes: custos has full accounts only"},
			{Name: "a cursor with START", Path: "/accounts.search", Form: e.Secret("query", `SELECT * FROM accounts START 1`, "openCursor", "true"),
				Code: 400006, Details: queryDetails("START cannot be used with a cursor")},
			{Name: "a cursor with LIMIT 0", Path: "/accounts.search", Form: e.Secret("query", `SELECT * FROM accounts LIMIT 0`, "openCursor", "true"),
				Code: 400006, Details: queryDetails("LIMIT is the size of a cursor's pages: at least 1")},
			{Name: "LIMIT 0 without a cursor: the total", Path: "/accounts.search", Form: e.Secret("query", `SELECT * FROM accounts LIMIT 0`),
				Want: map[string]any{"results": []any{}, "objectsCount": 0, "totalCount": 5}},
			{Name: "a cursor with count(*)", Path: "/accounts.search", Form: e.Secret("query", `SELECT count(*) FROM accounts`, "openCursor", "true"),
				Code: 400006, Details: queryDetails("count(*) cannot be used with a cursor")},
			{Name: "sum()", Path: "/accounts.search", Form: e.Secret("query", `SELECT sum(data.age) FROM accounts WHERE data.age >= 30`),
				Want: map[string]any{"results": []any{map[string]any{"sum(data.age)": 180}}, "objectsCount": 1, "totalCount": 4}},
			{Name: "variance() AS, the population's", Path: "/accounts.search", Form: e.Secret("query", `SELECT variance(data.age) AS spread FROM accounts`),
				Want: map[string]any{"results": []any{map[string]any{"spread": 200}}, "objectsCount": 1, "totalCount": 5}},
			{Name: "min() of nothing", Path: "/accounts.search", Form: e.Secret("query", `SELECT min(data.age) FROM accounts WHERE data.age > 100`),
				Want: map[string]any{"results": []any{map[string]any{"min(data.age)": "infinity"}}, "objectsCount": 1, "totalCount": 0}},
			{Name: "max() of nothing", Path: "/accounts.search", Form: e.Secret("query", `SELECT max(data.age) FROM accounts WHERE data.age > 100`),
				Want: map[string]any{"results": []any{map[string]any{"max(data.age)": "-infinity"}}, "objectsCount": 1, "totalCount": 0}},
			{Name: "avg() of nothing", Path: "/accounts.search", Form: e.Secret("query", `SELECT avg(data.age) FROM accounts WHERE data.age > 100`),
				Want: map[string]any{"results": []any{map[string]any{"avg(data.age)": nil}}, "objectsCount": 1, "totalCount": 0}},
			{Name: "an aggregate of text", Path: "/accounts.search", Form: e.Secret("query", `SELECT sum(profile.firstName) FROM accounts`),
				Code: 400006, Details: queryDetails("at character 12: sum() needs a field the schema types as a number (integer, long or float), not profile.firstName")},
			{Name: "an aggregate with ORDER BY", Path: "/accounts.search", Form: e.Secret("query", `SELECT max(data.age) FROM accounts ORDER BY data.age`),
				Code: 400006, Details: queryDetails("at character 36: ORDER BY cannot be used with max()")},
			{Name: "an aggregate with a cursor", Path: "/accounts.search", Form: e.Secret("query", `SELECT avg(data.age) FROM accounts`, "openCursor", "true"),
				Code: 400006, Details: queryDetails("at character 8: avg() cannot be used with a cursor")},
			{Name: "an unknown cursor", Path: "/accounts.search", Form: e.Secret("cursorId", "e30.AAAA"),
				Code: 400006, Details: "Invalid parameter value: cursorId: unknown cursor"},
		})
		pages := func(t *testing.T, m map[string]any) (uids []any, pages int) {
			for {
				pages++
				for _, r := range m["results"].([]any) {
					uids = append(uids, r.(map[string]any)["UID"])
				}
				next, ok := m["nextCursorId"].(string)
				if !ok {
					return uids, pages
				}
				m = search("cursorId", next)
			}
		}
		t.Run("cursor in an order", func(t *testing.T) {
			for _, c := range []struct {
				query string
				want  []any
			}{
				{`SELECT UID FROM accounts ORDER BY data.age DESC LIMIT 2`, []any{uids[4], uids[3], uids[2], uids[1], uids[0]}},
				{`SELECT UID FROM accounts ORDER BY profile.firstName DESC, created LIMIT 1`, []any{uids[4], uids[3], uids[2], uids[1], uids[0]}},
				{`SELECT UID FROM accounts WHERE data.age <= 40 ORDER BY isActive, lastLogin DESC, data.age DESC LIMIT 2`, []any{uids[2], uids[1], uids[0]}},
			} {
				got, _ := pages(t, search("query", c.query, "openCursor", "true"))
				if apitest.Dump(got) != apitest.Dump(c.want) {
					t.Errorf("%s: %v, want %v", c.query, got, c.want)
				}
			}
		})
		t.Run("cursor", func(t *testing.T) {
			var got []any
			m := search("query", `SELECT UID FROM accounts WHERE data.age > 20 LIMIT 2`, "openCursor", "true")
			first, _ := m["nextCursorId"].(string)
			pages := 0
			for {
				pages++
				if m["totalCount"] != 4.0 {
					t.Fatalf("totalCount: %s", apitest.Dump(m))
				}
				for _, r := range m["results"].([]any) {
					got = append(got, r.(map[string]any)["UID"])
				}
				next, ok := m["nextCursorId"].(string)
				if !ok {
					break
				}
				m = search("cursorId", next)
			}
			want := []any{uids[1], uids[2], uids[3], uids[4]}
			if pages != 2 || apitest.Dump(got) != apitest.Dump(want) {
				t.Fatalf("%d pages: %v, want %v", pages, got, want)
			}
			// The same cursorId fetches its page again, until it expires.
			again := search("cursorId", first)
			if apitest.Dump(again["results"]) != apitest.Dump([]any{map[string]any{"UID": uids[3]}, map[string]any{"UID": uids[4]}}) {
				t.Fatalf("again: %s", apitest.Dump(again))
			}
			run(t, e, []apitest.Scenario{
				{Name: "a cursor with a query", Path: "/accounts.search", Form: e.Secret("cursorId", first, "query", `SELECT * FROM accounts`),
					Code: 400006, Details: "Invalid parameter value: cursorId: a cursorId comes without a query"},
				{Name: "a cursor of another site's secret", Path: "/accounts.search", Form: e.Secret("cursorId", tamper(first)),
					Code: 400006, Details: "Invalid parameter value: cursorId: unknown cursor"},
				{Name: "an expired cursor", Before: func(*testing.T, *apitest.App) { clock.Advance(5 * time.Minute) },
					Path: "/accounts.search", Form: e.Secret("cursorId", first),
					Code: 400006, Details: "Invalid parameter value: cursorId: the cursor expired (a cursor lives 5 minutes after its page)"},
			})
		})
	})
}

// tamper changes one character in the middle of a token (the last ones may
// hold only padding bits that decoding ignores).
func tamper(tok string) string {
	i := len(tok) / 2
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
