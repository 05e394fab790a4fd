package rpc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/search"
)

// A search stopped by its deadline is 504002 whatever the driver says;
// a query the compiler refuses is 400006 with its position. (The HTTP
// tests cannot make a query outlast a timeout without timing.)
func TestSearchFailure(t *testing.T) {
	expired, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	for _, c := range []struct {
		ctx     context.Context
		err     error
		code    errcode.Code
		details string
	}{
		{expired, errors.New("interrupted (9)"), errcode.RequestTimeout, "Request Timeout: the search took longer than its timeout of 5 ms"},
		{expired, context.DeadlineExceeded, errcode.RequestTimeout, "Request Timeout: the search took longer than its timeout of 5 ms"},
		{context.Background(), &search.Error{Pos: 7, Msg: "no"}, errcode.InvalidParameterValue, "Invalid parameter value: query: at character 7: no"},
	} {
		var e *errcode.Error
		if err := searchFailure(c.ctx, c.err, 5); !errors.As(err, &e) || e.Code != c.code || e.Details != c.details {
			t.Errorf("searchFailure(%v) = %v", c.err, err)
		}
	}
	if err := searchFailure(context.Background(), context.Canceled, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("another failure is kept: %v", err)
	}
}
