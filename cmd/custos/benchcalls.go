package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/custos-id/custos/internal/authn"
)

// caller makes the phases' requests, to the server at base.
type caller struct {
	client *http.Client
	base   string
	site   *benchSite
	// sessions are the ones logins opened, for the session checks.
	mu       sync.Mutex
	sessions []string
	// registered numbers the registrations' new emails.
	registered atomic.Int64
	bufs       sync.Pool
}

// maxSessions bounds the sessions kept for the session checks.
const maxSessions = 10_000

func newCaller(site *benchSite, maxConns int) *caller {
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: maxConns, DisableCompression: true,
		IdleConnTimeout: time.Minute}
	return &caller{client: &http.Client{Transport: tr}, site: site,
		bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

// close ends the connections to a server that is going away.
func (c *caller) close() { c.client.CloseIdleConnections() }

// do sends req and returns its status and body; buf holds the body and
// goes back to the pool with putBuf.
func (c *caller) do(req *http.Request) (int, *bytes.Buffer, error) {
	res, err := c.client.Do(req)
	if err != nil {
		return 0, nil, transportError(err)
	}
	defer res.Body.Close()
	buf := c.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := io.Copy(buf, res.Body); err != nil {
		c.bufs.Put(buf)
		return 0, nil, transportError(err)
	}
	return res.StatusCode, buf, nil
}

// transportError names a failure below HTTP by its kind, so that failures
// group in the report.
func transportError(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err // the load generator's timeout or end
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("transport: connection refused")
	case errors.Is(err, syscall.ECONNRESET):
		return errors.New("transport: connection reset")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("transport: connection closed")
	}
	return errors.New("transport: other")
}

// rpc posts an RPC call and fails unless its errorCode is 0; keep, when
// not nil, reads the successful answer.
func (c *caller) rpc(ctx context.Context, method string, form url.Values, keep func([]byte) error) error {
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/"+method, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, buf, err := c.do(req)
	if err != nil {
		return err
	}
	defer c.bufs.Put(buf)
	code, ok := errorCode(buf.Bytes())
	switch {
	case !ok:
		return fmt.Errorf("status %d", status)
	case code != 0:
		return fmt.Errorf("errorCode %d", code)
	case keep != nil:
		return keep(buf.Bytes())
	}
	return nil
}

// errorCode reads the envelope's errorCode without decoding the answer:
// the load generator shares the server's cores, so it keeps its own work
// small. The seeded accounts hold no key of that name.
func errorCode(body []byte) (int, bool) {
	const key = `"errorCode":`
	i := bytes.LastIndex(body, []byte(key))
	if i < 0 {
		return 0, false
	}
	rest := body[i+len(key):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(string(rest[:j]))
	return n, err == nil
}

// send makes a request with a JSON answer and fails unless its status is
// 200; an error answer is named by its error field.
func (c *caller) send(req *http.Request) error {
	status, buf, err := c.do(req)
	if err != nil {
		return err
	}
	defer c.bufs.Put(buf)
	if status == http.StatusOK {
		return nil
	}
	var e struct{ Error string }
	json.Unmarshal(buf.Bytes(), &e)
	return fmt.Errorf("status %d %s", status, e.Error)
}

func (c *caller) account() int { return rand.IntN(len(c.site.ids)) }

func (c *caller) secret() string { return base64.StdEncoding.EncodeToString(c.site.secret) }

// The phases' calls.

func (c *caller) login(ctx context.Context, _ int) error {
	return c.rpc(ctx, "accounts.login", url.Values{"apiKey": {c.site.apiKey}, "loginID": {benchEmail(c.account())},
		"password": {benchPassword}}, c.keepSession)
}

func (c *caller) keepSession(body []byte) error {
	var res struct {
		SessionInfo struct{ CookieValue string } `json:"sessionInfo"`
	}
	if err := json.Unmarshal(body, &res); err != nil || res.SessionInfo.CookieValue == "" {
		return errors.New("login: no sessionInfo.cookieValue")
	}
	c.mu.Lock()
	if len(c.sessions) < maxSessions {
		c.sessions = append(c.sessions, res.SessionInfo.CookieValue)
	}
	c.mu.Unlock()
	return nil
}

// ensureSessions logs in until there are n sessions, when the login phase
// opened fewer (it was not run, or briefly).
func (c *caller) ensureSessions(ctx context.Context, n int) error {
	for c.sessionCount() < min(n, maxSessions) {
		if err := c.login(ctx, 0); err != nil {
			return fmt.Errorf("bench: logging in for the session checks: %w", err)
		}
	}
	return nil
}

func (c *caller) sessionCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sessions)
}

func (c *caller) session() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessions[rand.IntN(len(c.sessions))]
}

func (c *caller) register(ctx context.Context, _ int) error {
	email := fmt.Sprintf("new%d@bench.example", c.registered.Add(1))
	return c.rpc(ctx, "accounts.register", url.Values{"apiKey": {c.site.apiKey}, "email": {email},
		"password": {benchPassword}, "finalizeRegistration": {"true"}}, nil)
}

// sessionRPC is the session check of a page: accounts.getAccountInfo with
// the session's token.
func (c *caller) sessionRPC(ctx context.Context, _ int) error {
	return c.rpc(ctx, "accounts.getAccountInfo", url.Values{"apiKey": {c.site.apiKey}, "login_token": {c.session()}}, nil)
}

// sessionREST reads a user in the REST dialect, with the site's Basic
// credentials.
func (c *caller) sessionREST(ctx context.Context, _ int) error {
	id := c.site.ids[c.account()]
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/v1/marketing/login/users/"+strconv.FormatInt(id, 10), nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(strconv.FormatInt(c.site.siteID, 10), c.secret())
	return c.send(req)
}

// serverRead is a server's read of an account by UID with the site
// secret, which custos takes over loopback as over HTTPS.
func (c *caller) serverRead(ctx context.Context, _ int) error {
	return c.rpc(ctx, "accounts.getAccountInfo", url.Values{"apiKey": {c.site.apiKey}, "secret": {c.secret()},
		"UID": {benchUID(c.account())}}, nil)
}

// signedRead is the same read signed with timestamp, nonce and sig, as the
// Gigya SDKs sign: it also records the nonce.
func (c *caller) signedRead(ctx context.Context, _ int) error {
	form := url.Values{"apiKey": {c.site.apiKey}, "UID": {benchUID(c.account())},
		"timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}, "nonce": {strconv.FormatUint(rand.Uint64(), 36)}}
	u, err := url.Parse(c.base)
	if err != nil {
		return err
	}
	form.Set("sig", authn.Sign(c.site.secret, "POST", authn.NormalizeURL(u.Scheme, u.Hostname(), u.Port(), "/accounts.getAccountInfo"), form))
	return c.rpc(ctx, "accounts.getAccountInfo", form, nil)
}

// search finds one account by its login email (the login IDs' index).
func (c *caller) search(ctx context.Context, _ int) error {
	q := fmt.Sprintf(`SELECT * FROM accounts WHERE loginIDs.emails = "%s"`, benchEmail(c.account()))
	return c.rpc(ctx, "accounts.search", url.Values{"apiKey": {c.site.apiKey}, "secret": {c.secret()}, "query": {q}}, nil)
}

// oidcToken asks the OpenID Provider for an access token with the
// client_credentials grant.
func (c *caller) oidcToken(ctx context.Context, _ int) error {
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/oidc/op/v1.0/"+c.site.apiKey+"/token",
		strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.site.clientID), url.QueryEscape(c.site.clientSecr))
	return c.send(req)
}

// bare calls the bare handler.
func (c *caller) bare(ctx context.Context, _ int) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/", nil)
	if err != nil {
		return err
	}
	return c.send(req)
}
