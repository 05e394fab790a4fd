package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Certificate is the TLS certificate of a key pair on disk, reloaded when
// the files change or when asked: a renewal (certbot or any ACME client
// writing new files) takes effect without a restart, and a new pair that
// does not load leaves the one being served in place.
type Certificate struct {
	certFile, keyFile string
	log               *slog.Logger
	current           atomic.Pointer[tls.Certificate]

	mu      sync.Mutex // one load at a time; guards seen and settling
	seen    [2]os.FileInfo
	settled [2]os.FileInfo // the files at the previous check
}

// LoadCertificate loads the pair; an error names the file at fault.
func LoadCertificate(certFile, keyFile string, log *slog.Logger) (*Certificate, error) {
	c := &Certificate{certFile: certFile, keyFile: keyFile, log: log}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// GetCertificate serves the current certificate to every handshake; it is
// the tls.Config hook of the same name.
func (c *Certificate) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.current.Load(), nil
}

// TLSConfig is the server's TLS configuration: TLS 1.2 at least, Go's
// default cipher suites (forward secret, AEAD only) and the certificate of c.
// http.Server.ServeTLS adds the ALPN names h2 and http/1.1.
func (c *Certificate) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate}
}

// Reload loads the pair from disk and serves it from the next handshake
// on; on an error the certificate served so far stays.
func (c *Certificate) Reload() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Stat before reading: a file replaced in between is seen as changed
	// at the next check and read again.
	c.seen = c.stat()
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("--tls-cert %s, --tls-key %s: %w", c.certFile, c.keyFile, err)
	}
	c.current.Store(&pair)
	leaf := pair.Leaf
	c.log.Info("TLS certificate loaded", "file", c.certFile, "names", leaf.DNSNames, "not_after", leaf.NotAfter.UTC())
	if time.Now().After(leaf.NotAfter) {
		c.log.Warn("the TLS certificate has expired: clients will refuse it", "file", c.certFile, "not_after", leaf.NotAfter.UTC())
	}
	return nil
}

// Watch reloads the pair until ctx ends: when a signal arrives on reload
// (SIGHUP), and when a check every interval finds either file changed (its
// size, modification time or identity: a symbolic link pointed elsewhere,
// as certbot's live/ directory does, counts) and unchanged since the check
// before, so that a renewal caught between writing the certificate and
// writing its key is not loaded half done. A failed reload is logged.
func (c *Certificate) Watch(ctx context.Context, interval time.Duration, reload <-chan os.Signal) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		var why string
		select {
		case <-ctx.Done():
			return
		case <-reload:
			why = "signal"
		case <-t.C:
			if !c.changed() {
				continue
			}
			why = "files changed"
		}
		if err := c.Reload(); err != nil {
			c.log.Error("TLS certificate reload failed: the previous certificate is still served", "reason", why, "err", err)
		}
	}
}

// changed tells whether either file differs from when it was last read
// and has stayed as it is since the previous check.
func (c *Certificate) changed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.stat()
	before := c.settled
	c.settled = now
	return !samePair(c.seen, now) && samePair(before, now)
}

func samePair(a, b [2]os.FileInfo) bool {
	return sameFile(a[0], b[0]) && sameFile(a[1], b[1])
}

func (c *Certificate) stat() [2]os.FileInfo {
	var fi [2]os.FileInfo
	for i, name := range []string{c.certFile, c.keyFile} {
		fi[i], _ = os.Stat(name) // follows links; nil when it cannot be read
	}
	return fi
}

// sameFile tells whether a and b are the same unchanged file; two missing
// files are the same (a missing file is reported once, by the failed load).
func sameFile(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}
