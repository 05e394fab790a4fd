package sdk_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/app"
	"github.com/custos-id/custos/internal/nodetest"
	"github.com/custos-id/custos/internal/oauth"
	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
	"github.com/custos-id/custos/internal/tlstest"
)

// TestOpenIDClients drives custos's OpenID Provider with relying parties
// nobody here wrote: the npm openid-client (6.x, through discovery) and
// passport-gigya-oauth2, with oidc.test.mjs. custos is served over HTTPS
// with a certificate of a throwaway CA that Node trusts through
// NODE_EXTRA_CA_CERTS (passport-gigya-oauth2 fetches userinfo over HTTPS
// only). The login step is custos's hosted login page, posted as a browser
// would post it.
func TestOpenIDClients(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the OpenID client tests need Node.js 20 or later and npm")
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	nodetest.InstallModules(t, dir, "gigya/package.json")

	ca := tlstest.NewCA(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	tlstest.WriteFile(t, caFile, ca.CertPEM())
	pair := ca.Issue(t, "localhost")
	cert, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	base := "https://localhost:" + portOf(t, srv.Listener.Addr().String())

	db := storetest.Open(t, store.SQLite)
	a, err := app.New(app.Options{DB: db, MasterKey: bytes.Repeat([]byte{1}, 32), PublicURL: base})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a.Handler()
	srv.StartTLS()
	t.Cleanup(srv.Close)

	ctx := context.Background()
	st, err := a.Sites.Create(ctx, "OIDC clients", []string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	const email, password = "ada@example.com", "Correct-Horse-9"
	if _, err := a.Accounts.Register(ctx, st, account.RegisterInput{Email: email, Password: password,
		Finalize: true, NoSession: true, Caller: account.Caller{Server: true}}); err != nil {
		t.Fatal(err)
	}
	// The relying parties' callbacks are never served: the test reads the
	// code from the redirect custos answers.
	rp, err := a.OAuth.CreateClient(ctx, st.ID, oauth.Client{Name: "openid-client",
		RedirectURIs:           []string{"https://rp.example/callback"},
		PostLogoutRedirectURIs: []string{"https://rp.example/bye"},
		ResponseTypes:          []string{"code"},
		GrantTypes:             []string{"authorization_code", "refresh_token"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	passport, err := a.OAuth.CreateClient(ctx, st.ID, oauth.Client{Name: "passport-gigya-oauth2",
		RedirectURIs:  []string{"https://rp.example/auth/oauth2/callback"},
		ResponseTypes: []string{"code"},
		GrantTypes:    []string{"authorization_code"}}, false)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--dns-result-order=ipv4first", "--test", "--test-reporter=spec", "oidc.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"NODE_EXTRA_CA_CERTS="+caFile,
		"CUSTOS_URL="+base,
		"CUSTOS_API_KEY="+st.APIKey,
		"CUSTOS_LOGIN_ID="+email,
		"CUSTOS_PASSWORD="+password,
		"CUSTOS_RP_ID="+rp.ClientID,
		"CUSTOS_RP_SECRET="+rp.Secret,
		"CUSTOS_PASSPORT_ID="+passport.ClientID,
		"CUSTOS_PASSPORT_SECRET="+passport.Secret,
		"NO_COLOR=1",
	)
	if err := nodetest.Run(t, cmd); err != nil {
		if ctx.Err() != nil {
			t.Fatalf("node --test oidc.test.mjs did not finish within %v: %v", nodeTimeout, err)
		}
		t.Fatalf("node --test oidc.test.mjs: %v (its output is above)", err)
	}
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}
