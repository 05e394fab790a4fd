package rpc_test

// accounts.stream.create and accounts.stream.read: the change feed, through
// HTTP on both engines.

import (
	"testing"
	"time"

	"github.com/custos-id/custos/internal/apitest"
)

// streamRead reads the feed after cursor and returns the events as
// "type UID" and the next cursor.
func streamRead(t *testing.T, e *apitest.App, cursor string, kv ...string) ([]string, string) {
	t.Helper()
	m := e.Call(t, "accounts.stream.read", e.Secret(append([]string{"cursorId", cursor}, kv...)...))
	apitest.ExpectRPC(t, m, 0, "")
	results, _ := m["results"].([]any)
	var got []string
	for _, r := range results {
		ev := r.(map[string]any)
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", ev["time"].(string)); err != nil {
			t.Errorf("time %v", ev["time"])
		}
		got = append(got, ev["type"].(string)+" "+ev["UID"].(string))
	}
	next, _ := m["cursorId"].(string)
	return got, next
}

func TestStream(t *testing.T) {
	t.Parallel()
	apitest.ForEachClockEngine(t, func(t *testing.T, e *apitest.App, clock *apitest.Clock) {
		clock.Advance(time.Minute) // past the seeding
		m := e.Call(t, "accounts.stream.create", e.Secret())
		apitest.ExpectRPC(t, m, 0, "")
		start, _ := m["cursorId"].(string)
		if start == "" || m["streamId"] != start {
			t.Fatalf("stream.create: %s", apitest.Dump(m))
		}
		if got, next := streamRead(t, e, start); len(got) != 0 || next != start {
			t.Fatalf("a new stream: %v, %s", got, next)
		}

		uid, _ := register(t, e, "feed@example.com", "pass-word-1")
		login(t, e, "feed@example.com", "pass-word-1")
		apitest.ExpectRPC(t, e.Call(t, "accounts.setAccountInfo", e.Secret("UID", uid, "profile", `{"firstName":"F"}`)), 0, "")
		// A password reset is a change of the account too.
		reset := e.Call(t, "accounts.resetPassword", e.Secret("loginID", "feed@example.com", "sendEmail", "false"))
		apitest.ExpectRPC(t, reset, 0, "")
		apitest.ExpectRPC(t, e.Call(t, "accounts.resetPassword", apitest.Form("passwordResetToken", reset["passwordResetToken"].(string),
			"newPassword", "pass-word-9")), 0, "")
		apitest.ExpectRPC(t, e.Call(t, "accounts.importFullAccount", e.Secret("UID", "feed-imported",
			"loginIDs", `{"emails":["imported@example.com"]}`)), 0, "")
		apitest.ExpectRPC(t, e.Call(t, "accounts.importFullAccount", e.Secret("UID", "feed-imported",
			"importPolicy", "upsert", "profile", `{"firstName":"I"}`)), 0, "")
		apitest.ExpectRPC(t, e.Call(t, "accounts.deleteAccount", e.Secret("UID", uid)), 0, "")
		// A failed change writes no event.
		apitest.ExpectRPC(t, e.Call(t, "accounts.importFullAccount", e.Secret("UID", "feed-imported")), 400003,
			`Unique identifier exists: an account with UID "feed-imported" exists (importPolicy=upsert replaces it)`)

		want := []string{"created " + uid, "login " + uid, "login " + uid, "updated " + uid, "updated " + uid,
			"created feed-imported", "updated feed-imported", "deleted " + uid}
		got, next := streamRead(t, e, start, "limit", "1000")
		if !apitest.JSONEqual(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		if more, again := streamRead(t, e, next); len(more) != 0 || again != next {
			t.Fatalf("after the last: %v, %s", more, again)
		}
		// Pages: the cursor of each read goes on where it stopped.
		var paged []string
		for c := start; ; {
			page, n := streamRead(t, e, c, "limit", "3")
			if len(page) == 0 {
				break
			}
			paged, c = append(paged, page...), n
		}
		if !apitest.JSONEqual(paged, want) {
			t.Fatalf("paged %v, want %v", paged, want)
		}
		// since: a time before the seeding reads the seeded account too.
		m = e.Call(t, "accounts.stream.create", e.Secret("since", apitest.Now.Add(-time.Hour).Format(time.RFC3339)))
		apitest.ExpectRPC(t, m, 0, "")
		if got, _ := streamRead(t, e, m["cursorId"].(string), "limit", "1"); len(got) != 1 {
			t.Fatalf("since an hour before: %v", got)
		}
	})
}

func TestStreamErrors(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		for _, tt := range []struct {
			name    string
			method  string
			kv      []string
			code    float64
			details string
		}{
			{"bad since", "accounts.stream.create", []string{"since", "yesterday"}, 400006,
				"Invalid parameter value: since: not an ISO 8601 time (2026-11-22T10:00:00Z)"},
			{"no cursorId", "accounts.stream.read", nil, 400002, "Missing required parameter: cursorId"},
			{"bad cursorId", "accounts.stream.read", []string{"cursorId", "x"}, 400006,
				"Invalid parameter value: cursorId: not a cursorId of accounts.stream.create or read"},
			{"limit 0", "accounts.stream.read", []string{"cursorId", "0", "limit", "0"}, 400006,
				"Invalid parameter value: limit: not a number from 1 to 1000"},
			{"limit too large", "accounts.stream.read", []string{"cursorId", "0", "limit", "1001"}, 400006,
				"Invalid parameter value: limit: not a number from 1 to 1000"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				apitest.ExpectRPC(t, e.Call(t, tt.method, e.Secret(tt.kv...)), tt.code, tt.details)
			})
		}
		// Another site's events are not in this site's feed.
		m := e.Call(t, "accounts.stream.read", e.Secret("cursorId", "0"))
		for _, r := range m["results"].([]any) {
			if r.(map[string]any)["UID"] != apitest.AnnUID {
				t.Errorf("foreign event %v", r)
			}
		}
	})
}
