package store

import (
	"context"
	"database/sql"
	"sync"
)

// pool runs read queries through prepared statements, each prepared once
// and reused: SQLite spends more time parsing a short query than running it
// (see docs/benchmarks.md). Most queries are constants of this package, but
// accounts.search compiles one per query shape a caller sends: the cache
// holds maxPrepared statements, and a query past them runs unprepared, so
// that no caller can grow it without bound.
type pool struct {
	*sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// maxPrepared bounds the statements a pool keeps: far more than the
// package's constant queries, which are prepared on first use and stay.
const maxPrepared = 512

func newPool(db *sql.DB) *pool { return &pool{DB: db, stmts: map[string]*sql.Stmt{}} }

// prepared is the statement of query, prepared on first use; nil (and no
// error) when the cache is full: the caller runs query unprepared.
func (p *pool) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, full := p.cached(query); st != nil || full {
		return st, nil
	}
	// Prepared without the lock: preparing waits for a connection, which
	// another caller of the pool may hold (the writer, in a transaction).
	st, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.stmts[query]; ok { // prepared meanwhile by another caller
		st.Close()
		return old, nil
	}
	if len(p.stmts) >= maxPrepared { // filled meanwhile
		st.Close()
		return nil, nil
	}
	p.stmts[query] = st
	return st, nil
}

// cached is the statement of query if it was prepared, else nil, and
// whether the cache is full.
func (p *pool) cached(query string) (*sql.Stmt, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stmts[query], len(p.stmts) >= maxPrepared
}

// queryRow is QueryRowContext on the prepared statement of query.
func (p *pool) queryRow(ctx context.Context, query string, args ...any) scanner {
	st, err := p.prepared(ctx, query)
	switch {
	case err != nil:
		return errRow{err}
	case st == nil:
		return p.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// query is QueryContext on the prepared statement of query.
func (p *pool) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.prepared(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return p.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (p *pool) close() error {
	p.mu.Lock()
	for _, st := range p.stmts {
		st.Close()
	}
	clear(p.stmts)
	p.mu.Unlock()
	return p.DB.Close()
}

type scanner interface{ Scan(...any) error }

// errRow is a row whose statement could not be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
