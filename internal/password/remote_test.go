package password

import (
	"encoding/json"
	"errors"
	"github.com/custos-id/custos/internal/outbound"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// verifier is a remote verifier after Gigya's contract: it answers the
// md5 (base64) of pwHashSalt + password.
func verifier(t *testing.T, tls bool, answer func(w http.ResponseWriter, r *http.Request)) *httptest.Server {
	t.Helper()
	if answer == nil {
		answer = func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if q.Get("key") != "k" {
				http.Error(w, "lost the URL's own query", http.StatusBadRequest)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]string{"hashedPassword": md5b64(q.Get("pwHashSalt") + q.Get("password"))})
		}
	}
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(http.HandlerFunc(answer))
	} else {
		srv = httptest.NewServer(http.HandlerFunc(answer))
	}
	t.Cleanup(srv.Close)
	return srv
}

func TestRemote(t *testing.T) {
	for _, tls := range []bool{false, true} {
		srv := verifier(t, tls, nil)
		h := newHasher(t, fast, 0)
		h.SetHTTPClient(srv.Client())
		enc, err := Encode(Imported{Algorithm: "custom", URL: srv.URL + "/check?key=k", Salt: "s@lt&=", Hash: md5b64("s@lt&=" + "pä ss&word=")})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(enc, remotePrefix) {
			t.Fatalf("Encode = %q", enc)
		}
		if ok, rehash, err := h.Verify(t.Context(), "pä ss&word=", enc); !ok || !rehash || err != nil {
			t.Fatalf("tls=%v: Verify = %v, %v, %v; want true, true, nil", tls, ok, rehash, err)
		}
		if ok, rehash, err := h.Verify(t.Context(), "wrong", enc); ok || rehash || err != nil {
			t.Fatalf("tls=%v: Verify(wrong) = %v, %v, %v; want false, false, nil", tls, ok, rehash, err)
		}
	}
}

// TestRemoteHexCase: a hex answer matches without regard to case, as in
// Gigya's validator; base64 does not.
func TestRemoteHexCase(t *testing.T) {
	srv := verifier(t, false, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"hashedPassword": "` + r.URL.Query().Get("password") + `"}`))
	})
	h := newHasher(t, fast, 0)
	h.SetHTTPClient(VerifierClient(true)) // the verifier is on loopback
	for _, tt := range []struct {
		stored, answer string
		want           bool
	}{
		{"900150983CD24FB0D6963F7D28E17F72", "900150983cd24fb0d6963f7d28e17f72", true},
		{"kAFQmDzST7DWlj99KOF/cg==", "kAFQmDzST7DWlj99KOF/cg==", true},
		{"kAFQmDzST7DWlj99KOF/cg==", "KAFQMDZST7DWLJ99KOF/CG==", false},
	} {
		enc, err := Encode(Imported{Algorithm: "custom", URL: srv.URL, Hash: tt.stored})
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, err := h.Verify(t.Context(), tt.answer, enc); ok != tt.want || err != nil {
			t.Errorf("stored %q, answer %q: Verify = %v, %v; want %v", tt.stored, tt.answer, ok, err, tt.want)
		}
	}
}

// TestRemoteFailures: a verifier that fails gives an error that is neither a
// match nor a malformed hash, and never shows the password or the query.
func TestRemoteFailures(t *testing.T) {
	const password = "s3cret-pw"
	var redirected atomic.Bool
	other := verifier(t, false, func(w http.ResponseWriter, r *http.Request) { redirected.Store(true) })
	answers := map[string]func(w http.ResponseWriter, r *http.Request){
		"status":   func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusInternalServerError) },
		"not json": func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) },
		"too long": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"hashedPassword": "` + strings.Repeat("a", maxRemoteBody) + `"}`))
		},
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"?"+r.URL.RawQuery, http.StatusFound)
		},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			srv := verifier(t, false, answer)
			h := newHasher(t, fast, 0)
			enc, err := Encode(Imported{Algorithm: "custom", URL: srv.URL + "/?token=querysecret", Hash: "x"})
			if err != nil {
				t.Fatal(err)
			}
			ok, rehash, err := h.Verify(t.Context(), password, enc)
			if ok || rehash || !errors.Is(err, errRemote) || errors.Is(err, ErrMalformedHash) {
				t.Fatalf("Verify = %v, %v, %v; want errRemote", ok, rehash, err)
			}
			if msg := err.Error(); strings.Contains(msg, password) || strings.Contains(msg, "querysecret") {
				t.Fatalf("error %q shows the password or the URL's query", msg)
			}
		})
	}
	if redirected.Load() {
		t.Fatal("followed a redirect with the password")
	}
	t.Run("unreachable", func(t *testing.T) {
		srv := verifier(t, false, nil)
		url := srv.URL
		srv.Close()
		h := newHasher(t, fast, 0)
		enc, _ := Encode(Imported{Algorithm: "custom", URL: url + "/?token=querysecret", Hash: "x"})
		_, _, err := h.Verify(t.Context(), password, enc)
		if !errors.Is(err, errRemote) || strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "querysecret") {
			t.Fatalf("Verify err = %v; want errRemote without password or query", err)
		}
	})
}

// The default client connects to public addresses only: a custom hash's URL
// cannot reach custos's own network (loopback, private, link-local).
func TestVerifierClientPublicOnly(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:443", "[::1]:443", "10.1.2.3:443", "192.168.0.1:443", "169.254.169.254:80",
		"100.64.0.1:443", "0.0.0.0:443", "[fe80::1]:443", "[::ffff:127.0.0.1]:443"} {
		if err := outbound.PublicOnly("tcp", addr, nil); err == nil {
			t.Errorf("%s: allowed", addr)
		}
	}
	for _, addr := range []string{"8.8.8.8:443", "[2001:4860:4860::8888]:443"} {
		if err := outbound.PublicOnly("tcp", addr, nil); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
	// A loopback verifier is reached through the client only when the
	// operator allows private addresses.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	if _, err := DefaultHTTPClient().Get(srv.URL); err == nil {
		t.Error("the default client reached a loopback server")
	}
	if res, err := VerifierClient(true).Get(srv.URL); err != nil {
		t.Errorf("with private addresses: %v", err)
	} else {
		res.Body.Close()
	}
}

// A verifier that hangs holds its own host's slots only: another site's
// verifier is still called.
func TestRemoteSlowHostBlocksNoOther(t *testing.T) {
	entered, release := make(chan struct{}, maxRemoteCalls+1), make(chan struct{})
	slow := verifier(t, false, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	})
	quick := verifier(t, false, nil)
	h := newHasher(t, fast, 0)
	h.SetHTTPClient(VerifierClient(true))
	slowHash, err := Encode(Imported{Algorithm: "custom", URL: slow.URL, Hash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	// More calls than all verifiers may have at once: without the host's
	// own bound, the slow host would take every slot.
	for range maxRemoteCalls + 1 {
		go func() {
			_, _, _ = h.Verify(t.Context(), "pw", slowHash)
			done <- struct{}{}
		}()
	}
	for range maxRemoteCallsPerHost {
		<-entered
	}
	fastHash, err := Encode(Imported{Algorithm: "custom", URL: quick.URL + "?key=k", Salt: "s", Hash: md5b64("s" + "pw")})
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := h.Verify(t.Context(), "pw", fastHash); !ok || err != nil {
		t.Errorf("the other host's verifier: %v, %v", ok, err)
	}
	close(release)
	for range maxRemoteCalls + 1 {
		<-done
	}
}
