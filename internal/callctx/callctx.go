// Package callctx carries what one request records about itself: its callId,
// and the dialect, method and errorCode that logs and metrics report. Both
// dialect adapters turn failures into catalog errors through it.
package callctx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
)

// Info describes one call. The server middleware creates it; the dialect
// adapters fill in Dialect, Method and ErrorCode.
type Info struct {
	// ID is the callId: 32 lower-case hex characters.
	ID      string
	Dialect string
	// Method is the RPC method or the REST route; "unknown" when none matched.
	Method    string
	ErrorCode errcode.Code
	// ClientIP is the caller's address: the connection's, or behind a
	// trusted proxy the one it reports.
	ClientIP string
	// Secure tells whether the request came over HTTPS: TLS here, a
	// loopback client, or a trusted proxy that says X-Forwarded-Proto: https.
	Secure bool
	// RetryAfter, when set, goes out as the Retry-After header of a refusal.
	RetryAfter time.Duration
	// BodyTooLarge tells that the request declared a body past the server's
	// limit. The body is not read (nor, with "Expect: 100-continue",
	// invited): the dialect refuses the call at once with TooLarge.
	BodyTooLarge bool
}

// RateLimited is 403048, telling the client when to come back.
func (info *Info) RateLimited(wait time.Duration) error {
	info.RetryAfter = wait
	return errcode.Newf(errcode.APIRateLimitExceeded, "Api rate limit exceeded: retry after %s", wait.Round(time.Millisecond))
}

// SetRetryAfter writes the Retry-After header (whole seconds, at least 1).
func (info *Info) SetRetryAfter(h http.Header) {
	if info.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(info.RetryAfter.Seconds()))))
	}
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the Info of ctx; a fresh one when ctx has none.
func From(ctx context.Context) *Info {
	if info, ok := ctx.Value(key{}).(*Info); ok {
		return info
	}
	return &Info{ID: NewID()}
}

// NewID returns a random callId.
func NewID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Fail returns the catalog error a client sees for err and records its code
// in the call's Info. An error outside the catalog becomes 500001: its cause
// is logged here, under the callId, and never sent.
func Fail(ctx context.Context, log *slog.Logger, err error) *errcode.Error {
	info := From(ctx)
	e, ok := errors.AsType[*errcode.Error](err)
	if !ok {
		log.Error("internal error", "call_id", info.ID, "dialect", info.Dialect, "method", info.Method, "err", err)
		e = errcode.New(errcode.GeneralServerError, "")
	}
	info.ErrorCode = e.Entry().Code
	return e
}

// BodyError maps a failure to read or parse a request: 413001 past the
// server's body limit, 400001 otherwise. Its details are fixed text: the
// cause (a socket address in a read timeout, say) is no client's business.
func BodyError(err error) *errcode.Error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return TooLarge()
	}
	if _, ok := errors.AsType[url.EscapeError](err); ok || strings.Contains(err.Error(), "semicolon") {
		return errcode.New(errcode.InvalidRequestFormat, "Invalid request format: the query or form is not properly URL-encoded")
	}
	return errcode.New(errcode.InvalidRequestFormat, "Invalid request format: the request body could not be read")
}

// TooLarge is 413001, for a body past the server's limit.
func TooLarge() *errcode.Error {
	return errcode.New(errcode.RequestEntityTooLarge, "Request entity too large")
}
