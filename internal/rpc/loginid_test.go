package rpc_test

import (
	"testing"
)

// Canonically equivalent login IDs are one login ID: "Ϊ̀" (Ϊ and a combining
// grave) and the precomposed "ῒ" differ only in case and composition.
func TestLoginIDCanonicalForms(t *testing.T) {
	const decomposed, composed = "\u03aa\u0300x@example.com", "\u1fd2x@example.com"
	forEachEngine(t, func(t *testing.T, e *env) {
		register(t, e, decomposed, "first-password-1")
		m := call(t, e, "accounts.register", vals("email", composed, "password", "second-password-2", "finalizeRegistration", "true"))
		if m["errorCode"] != 400009.0 {
			t.Fatalf("the second form registered another account: %s", dump(m))
		}
		for _, id := range []string{decomposed, composed} {
			if available(t, e, id) {
				t.Errorf("%q is available", id)
			}
			login(t, e, id, "first-password-1")
		}
	})
}
