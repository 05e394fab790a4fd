package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/authn"
	"github.com/custos-id/custos/internal/tlstest"
)

// serve --tls-cert/--tls-key: HTTPS with HTTP/2 on <namespace>.<domain>
// hosts, as the Gigya SDKs call them; a signature over that URL holds; a
// secret in clear over TLS is over HTTPS even where loopback alone would
// not be (loopback is a trusted proxy here).
func TestServeTLS(t *testing.T) {
	ca := tlstest.NewCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.Issue(t, "localhost", "*.localhost").Write(t, certFile, keyFile)
	base, stdout, logs := startServeLogs(t, "--db", "sqlite:"+filepath.Join(dir, "c.db"),
		"--tls-cert", certFile, "--tls-key", keyFile, "--trusted-proxy", "127.0.0.1/32")
	addr := strings.TrimPrefix(base, "http://")
	port := addr[strings.LastIndex(addr, ":")+1:]
	if !strings.Contains(logs.String(), `"tls":true`) {
		t.Errorf("the listening line does not say TLS:\n%s", logs)
	}
	apiKey := field(stdout.String(), "apiKey:")
	secret := field(stdout.String(), "secret:")

	client := ca.Client(addr)
	defer client.CloseIdleConnections()
	call := func(res *http.Response, err error) (errorCode int) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.ProtoMajor != 2 || res.TLS == nil || res.TLS.NegotiatedProtocol != "h2" {
			t.Errorf("%s: %s, not HTTP/2 over TLS", res.Request.URL, res.Proto)
		}
		var env struct{ ErrorCode int }
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatalf("%s: %s", res.Request.URL, body)
		}
		if env.ErrorCode != 0 {
			t.Errorf("%s: %s", res.Request.URL, body)
		}
		return env.ErrorCode
	}
	for _, host := range []string{"accounts.localhost", "socialize.localhost", "localhost"} {
		call(client.Get("https://" + host + ":" + port + "/accounts.getPolicies?apiKey=" + url.QueryEscape(apiKey)))
	}

	key, _ := base64.StdEncoding.DecodeString(secret)
	signedURL := "https://accounts.localhost:" + port + "/accounts.getPolicies"
	for _, signed := range []string{signedURL, "https://accounts.localhost/accounts.getPolicies"} { // .NET leaves the port out
		params := url.Values{"apiKey": {apiKey}, "format": {"json"},
			"timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}, "nonce": {fmt.Sprint(time.Now().UnixNano())}}
		params.Set("sig", authn.Sign(key, "POST", signed, params))
		call(client.PostForm(signedURL, params))
	}
	call(client.PostForm(signedURL, url.Values{"apiKey": {apiKey}, "secret": {secret}}))

	// The REST dialect on its own host name; Basic credentials over TLS.
	siteID := field(stdout.String(), "siteId:")
	req, _ := http.NewRequest("GET", "https://socialize.localhost:"+port+"/v1/marketing/login/users/find_by?email_address=nobody@example.com", nil)
	req.SetBasicAuth(siteID, secret)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || res.ProtoMajor != 2 {
		t.Errorf("REST over TLS: %s %d %s", res.Proto, res.StatusCode, body)
	}
}

// Behind a proxy that terminates TLS for *.id.example.com and passes the
// Host header on: any host name is served, nothing redirects, signatures
// over https://<namespace>.id.example.com/… hold, and the proxy's
// X-Forwarded-Proto makes a secret in clear acceptable.
func TestAnyHostBehindProxy(t *testing.T) {
	dir := t.TempDir()
	base, stdout := startServe(t, "--db", "sqlite:"+filepath.Join(dir, "c.db"), "--trusted-proxy", "127.0.0.1/32")
	apiKey := field(stdout.String(), "apiKey:")
	secret := field(stdout.String(), "secret:")
	key, _ := base64.StdEncoding.DecodeString(secret)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(host string, params url.Values) string {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/accounts.getPolicies", strings.NewReader(params.Encode()))
		req.Host = host
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-Proto", "https")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", host, res.StatusCode, body)
		}
		return string(body)
	}
	for _, host := range []string{"accounts.id.example.com", "socialize.id.example.com", "id.example.com", "accounts.id.example.com:8443"} {
		params := url.Values{"apiKey": {apiKey}, "format": {"json"},
			"timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}, "nonce": {fmt.Sprint(time.Now().UnixNano())}}
		params.Set("sig", authn.Sign(key, "POST", "https://"+host+"/accounts.getPolicies", params))
		if body := post(host, params); !strings.Contains(body, `"errorCode":0`) {
			t.Errorf("signed over https://%s: %s", host, body)
		}
	}
	if body := post("accounts.id.example.com", url.Values{"apiKey": {apiKey}, "secret": {secret}}); !strings.Contains(body, `"errorCode":0`) {
		t.Errorf("secret behind the proxy: %s", body)
	}
}

// A renewed pair is served without a restart once the files change; a bad
// one is logged and the old one stays.
func TestServeTLSReloadOnChange(t *testing.T) {
	ca := tlstest.NewCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	one, two := ca.Issue(t, "localhost", "*.localhost"), ca.Issue(t, "*.localhost")
	one.Write(t, certFile, keyFile)
	base, _, logs := startServeLogs(t, "--db", "sqlite:"+filepath.Join(dir, "c.db"),
		"--tls-cert", certFile, "--tls-key", keyFile, "--tls-reload-interval", "5ms")
	addr := strings.TrimPrefix(base, "http://")
	assertServed(t, ca, addr, one)

	tlstest.WriteFile(t, keyFile, []byte("not a key"))
	eventually(t, "the bad key is reported", func() bool { return strings.Contains(logs.String(), "TLS certificate reload failed") })
	assertServed(t, ca, addr, one)

	two.Write(t, certFile, keyFile)
	eventually(t, "the new pair is served", func() bool {
		leaf, err := ca.Served(addr, "accounts.localhost")
		return err == nil && leaf.Equal(two.Leaf)
	})
}

// SIGHUP reloads the pair in a real server process.
func TestServeTLSReloadOnSIGHUP(t *testing.T) {
	ca := tlstest.NewCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	one, two := ca.Issue(t, "localhost", "*.localhost"), ca.Issue(t, "*.localhost")
	one.Write(t, certFile, keyFile)
	// The files are not checked within the test: only the signal reloads.
	base, cmd := startProcessCmd(t, "--db", "sqlite:"+filepath.Join(dir, "c.db"),
		"--tls-cert", certFile, "--tls-key", keyFile, "--tls-reload-interval", "1h")
	addr := strings.TrimPrefix(base, "http://")
	assertServed(t, ca, addr, one)

	two.Write(t, certFile, keyFile)
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new pair is served after SIGHUP", func() bool {
		leaf, err := ca.Served(addr, "accounts.localhost")
		return err == nil && leaf.Equal(two.Leaf)
	})
}

// Both flags or neither, a positive interval, from the command line or the
// environment; a pair that does not load stops serve before it creates a
// database.
func TestTLSFlags(t *testing.T) {
	for flagName, edit := range map[string]func(*Config){
		"--tls-cert needs --tls-key":    func(c *Config) { c.TLS.cert = "cert.pem" },
		"--tls-key needs --tls-cert":    func(c *Config) { c.TLS.key = "key.pem" },
		"--tls-reload-interval must be": func(c *Config) { c.TLS.reloadInterval = 0 },
	} {
		c := DefaultConfig()
		edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), flagName) {
			t.Errorf("%s: %v", flagName, err)
		}
	}

	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "c.db")
	ca := tlstest.NewCA(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.Issue(t, "localhost").Write(t, certFile, keyFile)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert", filepath.Join(dir, "missing.pem"), "--tls-key", keyFile}, "missing.pem"},
		{[]string{"--tls-cert", keyFile, "--tls-key", keyFile}, "--tls-cert"},
		{[]string{"--tls-key", keyFile}, "--tls-key needs --tls-cert"},
	} {
		_, err := custos(t, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v", c.args, err)
		}
	}
	t.Setenv("CUSTOS_TLS_CERT", certFile)
	if _, err := custos(t, "serve", "--addr", "127.0.0.1:0", "--db", db); err == nil || !strings.Contains(err.Error(), "--tls-cert needs --tls-key") {
		t.Errorf("CUSTOS_TLS_CERT alone: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "c.db")); err == nil {
		t.Error("a failed start created the database")
	}
}

func assertServed(t *testing.T, ca *tlstest.CA, addr string, p tlstest.Pair) {
	t.Helper()
	leaf, err := ca.Served(addr, "accounts.localhost")
	if err != nil || !leaf.Equal(p.Leaf) {
		t.Fatalf("served %v (%v), want %v", leaf, err, p.Leaf.DNSNames)
	}
}

// eventually polls cond until it holds, for at most 30 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 30s: %s", what)
		}
	}
}
