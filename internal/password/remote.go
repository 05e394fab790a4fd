package password

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/custos-id/custos/internal/outbound"
)

// Gigya's custom algorithm: a remote verifier computes the hash. custos
// calls GET <URL>?password=<plain>&pwHashSalt=<salt> and expects
// {"hashedPassword": "…"} equal to the stored hash (the contract of
// Gigya's password validator, PWV Custom.algorithm.php).

const remotePrefix = "$custos-remote$"

// Remote tells whether encoded is verified by a remote verifier (a custom
// hash): checking a password against it sends the password there.
func Remote(encoded string) bool { return strings.HasPrefix(encoded, remotePrefix) }

// Bounds on the remote verifier: its URL, its answer, its time, and the
// calls to verifiers at once, in all and to one host. They wait on the
// network, not the CPU: more run at once than hashes do.
const (
	maxRemoteCalls        = 64
	maxRemoteCallsPerHost = 8

	maxRemoteURL  = 2048
	maxRemoteHash = 512
	maxRemoteBody = 16 << 10
	remoteTimeout = 5 * time.Second
)

// remoteSpec is the stored form of a custom hash.
type remoteSpec struct {
	URL  string `json:"url"`
	Hash string `json:"hash"`
	Salt string `json:"salt,omitempty"`
}

type remote struct{ remoteSpec }

// match is never called: Verify calls the verifier with a context.
func (remote) match([]byte) bool { return false }

func (spec remoteSpec) encode() string { return remotePrefix + encodeJSON(spec) }

func parseRemote(s string) (scheme, error) {
	var spec remoteSpec
	if err := decodeJSON(strings.TrimPrefix(s, remotePrefix), &spec); err != nil {
		return nil, malformed("custom: " + err.Error())
	}
	if err := spec.check(); err != nil {
		return nil, err
	}
	return remote{spec}, nil
}

// check allows https URLs, and http only to a loopback address (a verifier
// beside custos, and tests): the password travels in the query.
func (spec remoteSpec) check() error {
	switch {
	case spec.Hash == "" || len(spec.Hash) > maxRemoteHash:
		return malformed("custom: hashedPassword empty or too long")
	case len(spec.Salt) > maxSaltText:
		return malformed("custom: salt too long")
	case len(spec.URL) > maxRemoteURL:
		return malformed("custom: URL too long")
	}
	u, err := url.Parse(spec.URL)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return malformed("custom: URL must be absolute, without user or fragment")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if host := u.Hostname(); host == "localhost" || net.ParseIP(host).IsLoopback() {
			return nil
		}
	}
	return malformed("custom: URL must be https (http only to a loopback address)")
}

// DefaultHTTPClient is the client of remote verifiers unless
// SetHTTPClient replaced it: a short timeout, no redirects (they would
// carry the password elsewhere), and connections to public addresses only,
// checked when connecting (so a name that resolves to a private address,
// now or after an import, reaches nothing): whoever imports a hash names
// the URL, which must not let them reach custos's own network.
func DefaultHTTPClient() *http.Client {
	return VerifierClient(false)
}

// VerifierClient is DefaultHTTPClient, reaching loopback and private
// addresses too when private is set (a verifier beside custos; the
// operator's choice, --custom-verifier-private).
func VerifierClient(private bool) *http.Client {
	c, _ := outbound.Client(outbound.Options{Private: private, Timeout: remoteTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }})
	return c
}

// SetHTTPClient sets the client that calls the remote verifiers of custom
// hashes. Call it before h is used.
func (h *Hasher) SetHTTPClient(c *http.Client) { h.client = c }

// errRemote is the error of a failed remote verification: it names the
// host, never the URL's query nor the password.
var errRemote = errors.New("password: custom verifier failed")

func (h *Hasher) verifyRemote(ctx context.Context, password string, r remote) (ok, rehash bool, err error) {
	u, _ := url.Parse(r.URL) // checked by parseRemote
	host := h.hosts.get(u.Host)
	if err := h.acquire(ctx, host); err != nil {
		return false, false, err
	}
	defer h.release(host)
	if err := h.acquire(ctx, h.remoteSem); err != nil {
		return false, false, err
	}
	defer h.release(h.remoteSem)
	fail := func(why string) (bool, bool, error) {
		return false, false, fmt.Errorf("%w: %s: %s", errRemote, u.Host, why)
	}
	q := u.Query()
	q.Set("password", password)
	q.Set("pwHashSalt", r.Salt)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, remoteTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail("bad request")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		// A *url.Error holds the URL, with the password: keep its cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail(err.Error())
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRemoteBody+1))
	if err != nil || len(body) > maxRemoteBody {
		return fail("answer unreadable or too long")
	}
	var answer struct {
		HashedPassword string `json:"hashedPassword"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return fail("answer is not {\"hashedPassword\": …}")
	}
	ok = equalHash(answer.HashedPassword, r.Hash)
	return ok, ok, nil
}

// equalHash compares in constant time; hex compares without case, as PWV
// does (its comparison ignores case; for base64 that would match other
// hashes, so custos only folds hex).
func equalHash(got, want string) bool {
	if isHex(got) && isHex(want) {
		got, want = strings.ToLower(got), strings.ToLower(want)
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && s != ""
}

// hostSlots are the call slots of each verifier host; a host's slots are
// taken before the shared ones, so a slow host waits on its own.
type hostSlots struct {
	per int
	mu  sync.Mutex
	m   map[string]chan struct{}
}

func (s *hostSlots) get(host string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[host]
	if !ok {
		if len(s.m) >= 1024 { // hosts of imported hashes: bounded all the same
			clear(s.m)
		}
		c = make(chan struct{}, s.per)
		s.m[host] = c
	}
	return c
}
