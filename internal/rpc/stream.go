package rpc

import (
	"context"
	"strconv"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
)

// Bounds of accounts.stream.read.
const (
	defaultStreamLimit = 100
	maxStreamLimit     = 1000
)

// RegisterStream adds the change feed: accounts.stream.create gives a
// cursor from a time, accounts.stream.read the events after a cursor with
// the next one (a keyset on the event id: a cursor does not expire while
// its events are kept).
func RegisterStream(h *Handler, accounts *account.Service, now func() time.Time) {
	x := stream{accounts, now}
	h.Register("accounts.stream.create", Method{Auth: Server, Run: x.create, Params: []string{"since"}})
	h.Register("accounts.stream.read", Method{Auth: Server, Run: x.read, Params: []string{"cursorId", "limit"}})
}

type stream struct {
	accounts *account.Service
	now      func() time.Time
}

func (x stream) create(ctx context.Context, c *Call) (any, error) {
	since := x.now()
	if v := c.Params.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, errcode.InvalidValue("since", "not an ISO 8601 time (2026-11-22T10:00:00Z)")
		}
		since = t
	}
	after, err := x.accounts.StreamFrom(ctx, c.Site, since)
	if err != nil {
		return nil, err
	}
	cursor := strconv.FormatInt(after, 10)
	return obj{"streamId": cursor, "cursorId": cursor}, nil
}

func (x stream) read(ctx context.Context, c *Call) (any, error) {
	v, err := c.Params.Required("cursorId")
	if err != nil {
		return nil, err
	}
	after, err := strconv.ParseInt(v, 10, 64)
	if err != nil || after < 0 {
		return nil, errcode.InvalidValue("cursorId", "not a cursorId of accounts.stream.create or read")
	}
	limit := defaultStreamLimit
	if v := c.Params.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxStreamLimit {
			return nil, errcode.InvalidValue("limit", "not a number from 1 to 1000")
		}
	}
	events, err := x.accounts.Events(ctx, c.Site, after, limit)
	if err != nil {
		return nil, err
	}
	results := make([]obj, len(events))
	for i, e := range events {
		results[i] = obj{"type": e.Type, "UID": e.UID, "time": e.At.UTC().Format(timeLayout)}
		after = e.ID
	}
	return obj{"results": results, "cursorId": strconv.FormatInt(after, 10)}, nil
}
