package rpc

import (
	"context"
	"errors"
	"math"
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

// An aggregate's value in JSON: infinities (past a double's range, or min
// and max of nothing) as Gigya writes min and max of nothing, NaN and the
// mean of nothing as null.
func TestAggregateValue(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		fn   string
		v    *float64
		want any
	}{
		{"sum", f(42), 42.0},
		{"sum", f(math.Inf(1)), "infinity"},
		{"sum", f(math.Inf(-1)), "-infinity"},
		{"variance", f(math.NaN()), nil},
		{"min", nil, "infinity"},
		{"max", nil, "-infinity"},
		{"avg", nil, nil},
	} {
		if got := aggregateValue(&search.Aggregate{Func: c.fn}, c.v); got != c.want {
			t.Errorf("%s(%v) = %v, want %v", c.fn, c.v, got, c.want)
		}
	}
}
