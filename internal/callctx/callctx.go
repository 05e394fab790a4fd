// Package callctx carries what one request records about itself: its callId,
// and the dialect, method and errorCode that logs and metrics report.
package callctx

import (
	"context"
	"crypto/rand"
	"encoding/hex"

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
