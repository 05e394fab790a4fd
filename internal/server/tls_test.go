package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/tlstest"
)

// HTTPS on any host name the certificate covers, HTTP/2 by ALPN, HTTP/1.1
// for a client that offers only it, nothing below TLS 1.2; a request over
// TLS counts as HTTPS.
func TestServeTLS(t *testing.T) {
	ca := tlstest.NewCA(t)
	certFile, keyFile := pairFiles(t, ca.Issue(t, "localhost", "*.localhost"))
	cert, err := LoadCertificate(certFile, keyFile, quiet)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.TLS = cert.TLSConfig()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto+" "+r.Host)
		if Secure(r, nil) {
			io.WriteString(w, " secure")
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	ln := listen(t)
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h, cfg, quiet) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	addr := ln.Addr().String()
	port := addr[strings.LastIndex(addr, ":")+1:]

	client := ca.Client(addr)
	defer client.CloseIdleConnections()
	for _, host := range []string{"accounts.localhost", "socialize.localhost", "localhost"} {
		res, err := client.Get("https://" + host + ":" + port + "/x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want := "HTTP/2.0 " + host + ":" + port + " secure"; string(body) != want || res.TLS.NegotiatedProtocol != "h2" {
			t.Errorf("%s: %q over %q, want %q over h2", host, body, res.TLS.NegotiatedProtocol, want)
		}
	}

	h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool, ServerName: "accounts.localhost"}}}
	defer h1.CloseIdleConnections()
	res, err := h1.Get("https://" + addr + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.HasPrefix(string(body), "HTTP/1.1 ") {
		t.Errorf("HTTP/1.1 client: %q", body)
	}

	old := &tls.Dialer{Config: &tls.Config{RootCAs: ca.Pool, ServerName: "localhost", MaxVersion: tls.VersionTLS11}}
	if conn, err := old.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Error("a TLS 1.1 handshake succeeded")
	}
	if _, err := ca.Served(addr, "id.example.com"); err == nil {
		t.Error("a name the certificate does not cover was verified")
	}
}

// TLS makes a request HTTPS from any address and whatever a trusted proxy
// says; without it, only loopback or a trusted proxy's https is.
func TestSecure(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	for _, c := range []struct {
		url, proto string
		trusted    []netip.Prefix
		want       bool
	}{
		{"https://accounts.id.example.com/", "", nil, true},
		{"http://accounts.id.example.com/", "", nil, false},
		{"https://accounts.id.example.com/", "http", proxy, true},
		{"http://accounts.id.example.com/", "https", proxy, true},
		{"http://accounts.id.example.com/", "https", nil, false},
	} {
		r := httptest.NewRequest("GET", c.url, nil) // from 192.0.2.1; r.TLS set for https
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		if got := Secure(r, c.trusted); got != c.want {
			t.Errorf("%s, X-Forwarded-Proto %q, trusted %v: %v", c.url, c.proto, c.trusted, got)
		}
	}
}

func TestCertificateReload(t *testing.T) {
	ca := tlstest.NewCA(t)
	one, two := ca.Issue(t, "one.localhost"), ca.Issue(t, "two.localhost")
	certFile, keyFile := pairFiles(t, one)

	if _, err := LoadCertificate(filepath.Join(t.TempDir(), "missing.pem"), keyFile, quiet); err == nil ||
		!strings.Contains(err.Error(), "--tls-cert") || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("a missing certificate: %v", err)
	}
	if _, err := LoadCertificate(certFile, certFile, quiet); err == nil {
		t.Error("a certificate as its own key was loaded")
	}

	c, err := LoadCertificate(certFile, keyFile, quiet)
	if err != nil {
		t.Fatal(err)
	}
	assertServes(t, c, one)
	for name, edit := range map[string]func(){
		"garbage":      func() { tlstest.WriteFile(t, certFile, []byte("not a certificate")) },
		"another key":  func() { one.Write(t, certFile, keyFile); tlstest.WriteFile(t, keyFile, two.KeyPEM) },
		"missing file": func() { os.Remove(keyFile) },
	} {
		edit()
		if err := c.Reload(); err == nil {
			t.Errorf("%s: reloaded", name)
		}
		assertServes(t, c, one)
	}
	two.Write(t, certFile, keyFile)
	if err := c.Reload(); err != nil {
		t.Fatal(err)
	}
	assertServes(t, c, two)
}

// Watch reloads when the files change and on a signal; a bad pair is
// logged once and the good one stays.
func TestCertificateWatch(t *testing.T) {
	ca := tlstest.NewCA(t)
	one, two, three := ca.Issue(t, "one.localhost"), ca.Issue(t, "two.localhost"), ca.Issue(t, "three.localhost")
	certFile, keyFile := pairFiles(t, one)
	logs := &syncBuffer{}
	c, err := LoadCertificate(certFile, keyFile, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal)
	go c.Watch(ctx, 10*time.Millisecond, hup)

	two.Write(t, certFile, keyFile)
	eventually(t, "the changed files are served", func() bool { return served(c).Equal(two.Leaf) })

	tlstest.WriteFile(t, certFile, []byte("not a certificate"))
	eventually(t, "the bad file is reported", func() bool { return strings.Contains(logs.String(), "reload failed") })
	assertServes(t, c, two)
	hup <- os.Interrupt // the signal itself does not matter
	eventually(t, "the signal's reload is reported", func() bool { return strings.Count(logs.String(), "reload failed") == 2 })
	assertServes(t, c, two)
	if n := strings.Count(logs.String(), `"reason":"files changed"`); n != 1 { // the half-written pair is never loaded
		t.Errorf("the bad file was reported %d times by the checks:\n%s", n, logs)
	}

	three.Write(t, certFile, keyFile)
	eventually(t, "the repaired files are served", func() bool { return served(c).Equal(three.Leaf) })
}

func pairFiles(t *testing.T, p tlstest.Pair) (certFile, keyFile string) {
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	p.Write(t, certFile, keyFile)
	return certFile, keyFile
}

func served(c *Certificate) *x509.Certificate {
	cert, _ := c.GetCertificate(nil)
	return cert.Leaf
}

func assertServes(t *testing.T, c *Certificate, p tlstest.Pair) {
	t.Helper()
	if !served(c).Equal(p.Leaf) {
		t.Fatalf("serves %v, want %v", served(c).DNSNames, p.Leaf.DNSNames)
	}
}

// eventually polls cond until it holds, for at most ten seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10s: %s", what)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
