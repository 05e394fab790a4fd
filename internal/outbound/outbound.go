// Package outbound is the guarded HTTP client of custos's calls to
// addresses that others name (a social provider's endpoints, a custom
// password verifier's URL): each call bounded in time, no proxy, and,
// unless private addresses are allowed, only public unicast addresses
// dialed — checked when the connection is made, after name resolution, so
// that no DNS answer reaches custos's own network (loopback, private,
// link-local such as cloud metadata, CGNAT, unspecified, multicast).
package outbound

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Options configure a Client.
type Options struct {
	// Private lets the client reach loopback and private addresses.
	Private bool
	// Timeout bounds each call (dial and whole exchange), and the wait for
	// the answer's headers.
	Timeout time.Duration
	// CheckRedirect is the client's redirect policy (nil: net/http's).
	CheckRedirect func(req *http.Request, via []*http.Request) error
}

// Client returns a guarded client and its transport (for wrapping).
func Client(o Options) (*http.Client, *http.Transport) {
	dialer := &net.Dialer{Timeout: o.Timeout}
	if !o.Private {
		dialer.Control = PublicOnly
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy, tr.DialContext = nil, dialer.DialContext
	tr.ResponseHeaderTimeout = o.Timeout
	return &http.Client{Timeout: o.Timeout, Transport: tr, CheckRedirect: o.CheckRedirect}, tr
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// PublicOnly is a net.Dialer Control that refuses a connection to an
// address that is not a public unicast one.
func PublicOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || cgnat.Contains(ip) {
		return fmt.Errorf("the address %s is not a public one", ip)
	}
	return nil
}
