package rpc_test

import (
	"testing"

	"github.com/custos-id/custos/internal/apitest"
)

// Canonically equivalent login IDs are one login ID: "Ϊ̀" (Ϊ and a combining
// grave) and the precomposed "ῒ" differ only in case and composition.
func TestLoginIDCanonicalForms(t *testing.T) {
	const decomposed, composed = "\u03aa\u0300x@example.com", "\u1fd2x@example.com"
	apitest.ForEachEngine(t, func(t *testing.T, e *apitest.App) {
		register(t, e, decomposed, "first-password-1")
		m := e.Call(t, "accounts.register", apitest.Form("email", composed, "password", "second-password-2", "finalizeRegistration", "true"))
		if m["errorCode"] != 400009.0 {
			t.Fatalf("the second form registered another account: %s", apitest.Dump(m))
		}
		for _, id := range []string{decomposed, composed} {
			if e.Available(t, id) {
				t.Errorf("%q is available", id)
			}
			login(t, e, id, "first-password-1")
		}
	})
}
