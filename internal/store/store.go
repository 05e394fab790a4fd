// Package store implements the domain stores on SQLite and PostgreSQL.
//
// Both engines run the same SQL ($n placeholders, RETURNING); each migration
// step has one file per engine, side by side in migrations/. Times are stored
// as Unix milliseconds in both.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is a store on one database. With SQLite, reads use a pool of read-only
// connections and every write goes through one writer connection, so writers
// queue in Go instead of failing with SQLITE_BUSY.
type DB struct {
	engine Engine
	read   *pool
	write  *sql.DB
	// writes holds the prepared statements of write, on SQLite (writeStmt);
	// nil on PostgreSQL, where read and write are one *sql.DB.
	writes *pool
	// violates tells whether err is a unique-constraint violation on table.
	violates func(err error, table string) bool
	// tx, when set, binds every query of this DB to one transaction.
	tx *sql.Tx
	// unprepared are the writes a transaction ran unprepared (tx above),
	// to prepare once it ends.
	unprepared *[]string
	// afterPurgeBatch, when set (by tests), runs after each batch of a
	// purge, between its transactions.
	afterPurgeBatch func(table string, deleted int64)
}

// Open connects to url: "sqlite:<path>" or "postgres://…" / "postgresql://…".
// It does not migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	var (
		db  *DB
		err error
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db, err = openPostgres(url)
	case strings.HasPrefix(url, "sqlite:"):
		db, err = openSQLite(strings.TrimPrefix(url, "sqlite:"))
	default:
		return nil, fmt.Errorf("database URL %q: want sqlite:<path> or postgres://…", redact(url))
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", redact(url), err)
	}
	return db, nil
}

// Engine tells which engine db runs on.
func (db *DB) Engine() Engine { return db.engine }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	return db.read.PingContext(ctx)
}

// Close closes every connection and prepared statement.
func (db *DB) Close() error {
	if db.writes == nil {
		return db.read.close()
	}
	return errors.Join(db.writes.close(), db.read.close())
}

// withTx runs fn with a copy of db bound to a write transaction, committing
// when fn returns nil. Inside a transaction it runs fn in that transaction.
func (db *DB) withTx(ctx context.Context, fn func(*DB) error) error {
	if db.tx != nil {
		return fn(db)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	bound := *db
	bound.tx, bound.unprepared = tx, new([]string)
	if err := fn(&bound); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, q := range *bound.unprepared {
		db.writes.prepared(ctx, q) // for the next time; failing, it is run unprepared again
	}
	return nil
}

// row runs a query for one row: in the transaction, or on the read pool.
func (db *DB) row(ctx context.Context, query string, args ...any) scanner {
	if db.tx != nil {
		return db.tx.QueryRowContext(ctx, query, args...)
	}
	return db.read.queryRow(ctx, query, args...)
}

// rows runs a query: in the transaction, or on the read pool.
func (db *DB) rows(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.tx != nil {
		return db.tx.QueryContext(ctx, query, args...)
	}
	return db.read.query(ctx, query, args...)
}

// exec runs a write: in the transaction, or on the writer; on SQLite
// through the prepared statement of query (see writeStmt).
func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := db.writeStmt(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case st != nil:
		return st.ExecContext(ctx, args...)
	case db.tx != nil:
		return db.tx.ExecContext(ctx, query, args...)
	}
	return db.write.ExecContext(ctx, query, args...)
}

// writeRow runs a write that returns a row (INSERT … RETURNING).
func (db *DB) writeRow(ctx context.Context, query string, args ...any) scanner {
	st, err := db.writeStmt(ctx, query)
	switch {
	case err != nil:
		return errRow{err}
	case st != nil:
		return st.QueryRowContext(ctx, args...)
	case db.tx != nil:
		return db.tx.QueryRowContext(ctx, query, args...)
	}
	return db.write.QueryRowContext(ctx, query, args...)
}

// writeStmt is the statement of query on SQLite's writer, prepared once and
// reused as reads are (pool): SQLite parses a short write in about as long
// as it runs it (docs/benchmarks.md). In a transaction it is that statement
// bound to the transaction (database/sql reuses what was prepared on the
// transaction's connection); one not prepared yet is nil there, and runs
// unprepared: preparing it would wait for a connection, and the writer's
// one is the transaction's. withTx prepares it after the commit.
//
// On PostgreSQL it is nil: pgx prepares each statement once per
// connection by itself, and database/sql's statements on top of that cost
// allocations and saved nothing measurable.
func (db *DB) writeStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	switch {
	case db.writes == nil:
		return nil, nil
	case db.tx == nil:
		return db.writes.prepared(ctx, query)
	}
	if st, _ := db.writes.cached(query); st != nil {
		return db.tx.StmtContext(ctx, st), nil
	}
	*db.unprepared = append(*db.unprepared, query)
	return nil, nil
}

// affected turns "no row changed" into notFound.
func affected(res sql.Result, err error, notFound error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return err
		}
		return notFound
	}
	return nil
}

// redact hides the password of a database URL for messages and logs.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return url
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return url
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
