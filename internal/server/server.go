// Package server runs the HTTP server: timeouts, graceful shutdown, and the
// middleware every request passes through (callId, body limit, panic
// recovery, access log, metrics), plus the health endpoints.
package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/custos-id/custos/internal/callctx"
)

// Config sets the limits of the server.
type Config struct {
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	IdleTimeout     time.Duration
	ShutdownTimeout time.Duration
	MaxHeaderBytes  int
	// MaxBodyBytes bounds every request body; a larger one fails with 413001.
	MaxBodyBytes int64
	// TrustedProxies report the client's address in X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// TLS, when set, makes Serve serve HTTPS, with HTTP/2 and HTTP/1.1.
	TLS *tls.Config
}

// DefaultConfig returns the defaults of the serve command.
func DefaultConfig() Config {
	return Config{
		ReadTimeout:     10 * time.Second,
		WriteTimeout:    30 * time.Second,
		IdleTimeout:     120 * time.Second,
		ShutdownTimeout: 15 * time.Second,
		MaxHeaderBytes:  64 << 10,
		MaxBodyBytes:    1 << 20,
	}
}

// Middleware wraps next with what every request needs. It is outermost, so
// it also catches a panic that an adapter did not (with a bare 500).
func Middleware(next http.Handler, cfg Config, log *slog.Logger, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &callctx.Info{ID: callctx.NewID(), ClientIP: ClientIP(r, cfg.TrustedProxies), Secure: Secure(r, cfg.TrustedProxies)}
		r = r.WithContext(callctx.With(r.Context(), info))
		w.Header().Set("X-Call-Id", info.ID)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		switch {
		case r.ContentLength > cfg.MaxBodyBytes:
			// Refused unread: reading would send "100 Continue" and invite it.
			info.BodyTooLarge = true
			r.Body = tooLargeBody{cfg.MaxBodyBytes}
		case r.Body != nil:
			r.Body = http.MaxBytesReader(w, r.Body, cfg.MaxBodyBytes)
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic outside the adapters", "call_id", info.ID, "panic", fmt.Sprint(p))
				if !sw.wrote {
					http.Error(sw, "internal server error", http.StatusInternalServerError)
				}
			}
			d := time.Since(start)
			m.observe(info, d)
			// Only the path: query strings may carry secrets.
			log.Info("request", "call_id", info.ID, "http_method", r.Method, "path", r.URL.Path,
				"status", sw.status, "dialect", info.Dialect, "method", info.Method,
				"error_code", int(info.ErrorCode), "duration_ms", float64(d.Microseconds())/1000,
				"client_ip", info.ClientIP)
		}()
		next.ServeHTTP(sw, r)
	})
}

// tooLargeBody stands for a body declared past the limit; reading it fails
// as reading past http.MaxBytesReader's limit does.
type tooLargeBody struct{ limit int64 }

func (b tooLargeBody) Read([]byte) (int, error) { return 0, &http.MaxBytesError{Limit: b.limit} }
func (tooLargeBody) Close() error               { return nil }

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// CanonicalPath tells whether p is what http.ServeMux serves without a
// redirect: absolute, with no ".", ".." or empty segment.
func CanonicalPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// Health adds GET /healthz (the process answers) and GET /readyz (the
// database answers within two seconds) to mux.
func Health(mux *http.ServeMux, ping func(context.Context) error) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		label(r, "healthz")
		writeStatus(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		label(r, "readyz")
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ping(ctx); err != nil {
			writeStatus(w, http.StatusServiceUnavailable, "database unavailable")
			return
		}
		writeStatus(w, http.StatusOK, "ok")
	})
}

func label(r *http.Request, method string) {
	info := callctx.From(r.Context())
	info.Dialect, info.Method = "ops", method
}

func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"status": status})
}

// Serve serves h on ln until ctx ends, then shuts down gracefully: it stops
// accepting, lets requests in flight finish within ShutdownTimeout, and returns.
// With cfg.TLS it serves HTTPS, HTTP/2 negotiated by ALPN.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, cfg Config, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadTimeout:       cfg.ReadTimeout,
		ReadHeaderTimeout: cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		TLSConfig:         cfg.TLS,
		// HTTP/2 over TLS only (by ALPN): never cleartext HTTP/2.
		Protocols: new(http.Protocols),
	}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetHTTP2(true)
	errc := make(chan error, 1)
	go func() {
		if cfg.TLS != nil {
			// The certificate comes from TLSConfig.GetCertificate.
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Requests still running must not outlive the database the caller
		// closes next: cut their connections.
		srv.Close()
		<-errc
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Secure tells whether r came over HTTPS: TLS here, a loopback client (the
// connection never left the machine), or a trusted proxy that terminated TLS.
func Secure(r *http.Request, trusted []netip.Prefix) bool {
	if r.TLS != nil {
		return true
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	// A trusted proxy speaks for the client, even on loopback: a plain-HTTP
	// proxy on this machine must not pass secrets that came over HTTP.
	for _, p := range trusted {
		if p.Contains(ip) {
			return strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
		}
	}
	return ip.IsLoopback()
}

// ClientIP is the address of the client: the connection's, or, when that is
// a trusted proxy, the right-most address of X-Forwarded-For that is not one.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	ip := ap.Addr().Unmap()
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !isTrusted(ip) {
		return ip.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if a = a.Unmap(); !isTrusted(a) {
			return a.String()
		}
	}
	return ip.String()
}
