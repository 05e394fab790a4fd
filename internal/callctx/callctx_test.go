package callctx_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/callctx"
)

// The details of a body that cannot be read never carry the cause: a read
// timeout names the server's and the client's socket addresses.
func TestBodyErrorHidesCause(t *testing.T) {
	timeout := &net.OpError{Op: "read", Net: "tcp", Source: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080},
		Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 46692}, Err: os.ErrDeadlineExceeded}
	for _, c := range []struct {
		err     error
		code    errcode.Code
		details string
	}{
		{timeout, errcode.InvalidRequestFormat, "Invalid request format: the request body could not be read"},
		{io.ErrUnexpectedEOF, errcode.InvalidRequestFormat, "Invalid request format: the request body could not be read"},
		{url.EscapeError("%zz"), errcode.InvalidRequestFormat, "Invalid request format: the query or form is not properly URL-encoded"},
		{errors.New("invalid semicolon separator in query"), errcode.InvalidRequestFormat, "Invalid request format: the query or form is not properly URL-encoded"},
		{&http.MaxBytesError{Limit: 10}, errcode.RequestEntityTooLarge, "Request entity too large"},
	} {
		e := callctx.BodyError(c.err)
		if e.Code != c.code || e.Details != c.details || strings.Contains(e.Details, "127.0.0.1") {
			t.Errorf("BodyError(%v) = %d %q", c.err, e.Code, e.Details)
		}
	}
}
