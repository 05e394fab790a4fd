package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// The pool prepares at most maxPrepared statements: queries past them (a
// search caller's new shapes) run unprepared, with the same answers.
func TestPoolBounded(t *testing.T) {
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "pool.db"))
	if err != nil {
		t.Fatal(err)
	}
	p := newPool(raw)
	defer p.close()
	ctx := context.Background()
	for i := range maxPrepared + 10 {
		var got int
		if err := p.queryRow(ctx, fmt.Sprintf("SELECT %d + ?", i), 1).Scan(&got); err != nil || got != i+1 {
			t.Fatalf("query %d: %d, %v", i, got, err)
		}
		rows, err := p.query(ctx, fmt.Sprintf("SELECT %d", i))
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	if n := len(p.stmts); n != maxPrepared {
		t.Errorf("%d statements prepared, want %d", n, maxPrepared)
	}
	// A query prepared before the cache filled stays prepared.
	if st, full := p.cached("SELECT 0 + ?"); st == nil || !full {
		t.Errorf("the first query: %v, full %v", st, full)
	}
}
