package server

import (
	"context"
	"testing"
	"time"
)

// The queued gauge asks the database again only after this process
// changed the outbox, or once the interval passed: a burst of scrapes
// costs one query.
func TestRecount(t *testing.T) {
	calls := 0
	r := &recount{every: time.Hour, count: func(context.Context) (int, error) { calls++; return calls, nil }}
	for _, step := range []struct {
		name  string
		dirty bool
		want  float64
	}{
		{"first scrape", false, 1},
		{"a burst", false, 1},
		{"after a change", true, 2},
		{"again", false, 2},
	} {
		if step.dirty {
			r.dirty.Store(true)
		}
		if got := r.value(); got != step.want {
			t.Errorf("%s: %v, want %v", step.name, got, step.want)
		}
	}
	r.at = time.Now().Add(-2 * time.Hour)
	if got := r.value(); got != 3 {
		t.Errorf("after the interval: %v, want 3", got)
	}
}
