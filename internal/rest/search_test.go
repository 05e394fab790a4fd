package rest_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/custos-id/custos/internal/apitest"
	"github.com/custos-id/custos/internal/rest"
)

// GET /users?query=…: a condition of accounts.search's language
// (docs/search.md) selects the users, paged as the list is.
func TestRESTSearchUsers(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		s, users := listUsers(t, e)
		annU, bea, cyd, dee := users[0], users[1], users[2], users[3]
		list := listBody
		get := func(name, query, extra string, want string, n int) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "GET", Path: rest.Prefix + "/users?query=" + url.QueryEscape(query) + extra,
				WantBody: want, WantHeaders: map[string]string{"X-Total-Count": fmt.Sprint(n)}}
		}
		bad := func(name, query, extra, desc string) apitest.Scenario {
			return apitest.Scenario{Name: name, Method: "GET", Path: rest.Prefix + "/users?query=" + url.QueryEscape(query) + extra,
				Status: 400, WantBody: restErr("bad_request", desc)}
		}
		s.run(t, []apitest.Scenario{
			get("by email address", `loginIDs.emails = "BEA@example.com"`, "", list(bea), 1),
			get("by usernames", `username in ("cyd", "dee", "zed")`, "", list(cyd, dee), 2),
			get("the rest", `NOT (email = "bea@example.com" OR username = "cyd")`, "", list(annU, dee), 2),
			get("a page", `UID is not null`, "&page=2&page_size=2", list(cyd, dee), 4),
			get("the other site lists its own", `email = "bea@example.com" AND isActive = true`, "", list(bea), 1),
			bad("a malformed condition", `email = = "x"`, "",
				`Invalid parameter value: query: at character 9: expected a value (a quoted string, a number, true, false or null), found "="`),
			bad("a whole query", `SELECT * FROM accounts`, "", `Invalid parameter value: query: at character 1: expected a field, found "SELECT"`),
			bad("an empty condition", ``, "", "Invalid parameter value: query: at character 1: expected a field, found the end of the query"),
			bad("with another filter", `UID is not null`, "&username=cyd", "Invalid parameter value: query: not with username (write it in the query)"),
		})
	})
}
