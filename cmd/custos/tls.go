package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/custos-id/custos/internal/server"
)

// tlsFlags are serve's HTTPS settings: a certificate and its key, in PEM
// files, reloaded on SIGHUP and when the files change.
type tlsFlags struct {
	cert, key      string
	reloadInterval time.Duration
}

func defaultTLS() tlsFlags { return tlsFlags{reloadInterval: time.Minute} }

func (f *tlsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.cert, "tls-cert", f.cert, "PEM file of the certificate (its chain after it) to serve HTTPS and HTTP/2 with; needs --tls-key")
	fs.StringVar(&f.key, "tls-key", f.key, "PEM file of the certificate's private key")
	fs.DurationVar(&f.reloadInterval, "tls-reload-interval", f.reloadInterval,
		"how often the certificate and key files are checked for a change, which reloads them (SIGHUP reloads at once)")
}

func (f tlsFlags) enabled() bool { return f.cert != "" }

// validate returns the flags' errors, in flag order.
func (f tlsFlags) validate() []error {
	var errs []error
	switch {
	case f.cert != "" && f.key == "":
		errs = append(errs, errors.New("--tls-cert needs --tls-key (CUSTOS_TLS_KEY): the certificate's private key"))
	case f.cert == "" && f.key != "":
		errs = append(errs, errors.New("--tls-key needs --tls-cert (CUSTOS_TLS_CERT): the certificate of the key"))
	}
	if f.reloadInterval <= 0 {
		errs = append(errs, errors.New("--tls-reload-interval must be positive"))
	}
	return errs
}

// start loads the pair and reloads it, until ctx ends, on SIGHUP and when
// the files change; stop waits for that to end. Without --tls-cert it
// returns nil: plain HTTP, and SIGHUP keeps its default (it ends the process).
func (f tlsFlags) start(ctx context.Context, log *slog.Logger) (cert *server.Certificate, stop func(), err error) {
	if !f.enabled() {
		return nil, func() {}, nil
	}
	if cert, err = server.LoadCertificate(f.cert, f.key, log); err != nil {
		return nil, nil, err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { cert.Watch(ctx, f.reloadInterval, hup); close(done) }()
	return cert, func() { signal.Stop(hup); cancel(); <-done }, nil
}
