package social

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/custos-id/custos/internal/outbound"
)

// newClient is the HTTP client of the calls to providers: outbound's
// guarded client (bounded in time, no proxy, unless private only public
// unicast addresses dialed), each answer bounded in size (MaxBody), and
// redirects followed only on the same host and scheme.
func newClient(private bool, timeout time.Duration) *http.Client {
	c, tr := outbound.Client(outbound.Options{Private: private, Timeout: timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
				return fmt.Errorf("redirect to another host (%s)", req.URL.Host)
			}
			return nil
		}})
	c.Transport = bounded{tr}
	return c
}

// errTooLarge is the error of reading more than MaxBody of an answer.
var errTooLarge = fmt.Errorf("the provider's answer is larger than %d bytes", MaxBody)

// bounded bounds the body of every answer.
type bounded struct{ rt http.RoundTripper }

func (b bounded) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.rt.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > MaxBody {
		resp.Body.Close()
		return nil, errTooLarge
	}
	resp.Body = &capped{rc: resp.Body, left: MaxBody}
	return resp, nil
}

type capped struct {
	rc   io.ReadCloser
	left int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, errTooLarge
	}
	return n, err
}

func (c *capped) Close() error { return c.rc.Close() }
