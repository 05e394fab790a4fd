package captcha

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A local siteverify server: "good" is a solved CAPTCHA.
func fakeVerifier(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.FormValue("secret") != "s3cret":
			w.Write([]byte(`{"success":false,"error-codes":["invalid-input-secret"]}`))
		case r.FormValue("response") == "broken":
			http.Error(w, "down", http.StatusBadGateway)
		case r.FormValue("response") == "good" && r.FormValue("remoteip") == "192.0.2.1":
			w.Write([]byte(`{"success":true}`))
		default:
			w.Write([]byte(`{"success":false}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestVerify(t *testing.T) {
	srv := fakeVerifier(t)
	v, err := New(srv.URL, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]bool{"good": true, "bad": false, "": false} {
		if ok, err := v.Verify(context.Background(), token, "192.0.2.1"); ok != want || err != nil {
			t.Errorf("Verify(%q) = %v, %v", token, ok, err)
		}
	}
	if _, err := v.Verify(context.Background(), "broken", "192.0.2.1"); err == nil {
		t.Error("a failing verifier gave no error")
	}
	wrong, _ := New(srv.URL, "other")
	if ok, _ := wrong.Verify(context.Background(), "good", "192.0.2.1"); ok {
		t.Error("wrong secret accepted")
	}
	for _, u := range []string{"", "ftp://x", "/relative"} {
		if _, err := New(u, "s"); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	if _, err := New(srv.URL, ""); err == nil {
		t.Error("New without secret accepted")
	}
}
