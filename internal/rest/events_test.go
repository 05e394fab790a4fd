package rest_test

import (
	"testing"

	"github.com/custos-id/custos/internal/apitest"
)

// The REST dialect's changes are in the change feed (accounts.stream.read)
// as the RPC dialect's are.
func TestRESTChangesInTheFeed(t *testing.T) {
	t.Parallel()
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		cursor := e.Call(t, "accounts.stream.create", e.Secret())["cursorId"].(string)
		r := e.REST(t, "POST", "/users", `{"user":{"email_address":"feed@example.com","password":"right-password-1"}}`)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id := apitest.JSONScalar(r.JSON(t)["id"])
		if r := e.REST(t, "PUT", "/users/"+id, `{"user":{"password":"right-password-2"}}`); r.Status != 200 {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		if r := e.REST(t, "DELETE", "/users/"+id, ""); r.Status >= 300 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		m := e.Call(t, "accounts.stream.read", e.Secret("cursorId", cursor))
		apitest.ExpectRPC(t, m, 0, "")
		var types []string
		uids := map[any]bool{}
		for _, ev := range m["results"].([]any) {
			types = append(types, ev.(map[string]any)["type"].(string))
			uids[ev.(map[string]any)["UID"]] = true
		}
		if !apitest.JSONEqual(types, []string{"created", "updated", "deleted"}) || len(uids) != 1 {
			t.Fatalf("events %s", apitest.Dump(m["results"]))
		}
	})
}
