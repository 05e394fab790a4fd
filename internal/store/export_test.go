package store

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// RenormalizeLoginIDs runs migration 00010 again, on a migrated database,
// logging to log.
func (db *DB) RenormalizeLoginIDs(ctx context.Context, log *slog.Logger) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := renormalizeLoginIDs(ctx, tx, log); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// SetPurgeHook has f run after each batch of a purge of db, between its
// transactions.
func SetPurgeHook(db *DB, f func(table string, deleted int64)) { db.afterPurgeBatch = f }

// PurgeStatement is the DELETE of one batch of a purge and its arguments.
type PurgeStatement struct {
	Table, SQL string
	Args       []any
}

// PurgeStatements are the statements of Purge on engine e at now, and of
// PurgeEvents.
func PurgeStatements(e Engine, now time.Time) []PurgeStatement {
	var out []PurgeStatement
	for _, x := range append(expiries, purgeEvents) {
		stmt, args := x.statement(e, now)
		out = append(out, PurgeStatement{x.table, stmt, args})
	}
	return out
}

// Explain is the plan the engine makes for query: EXPLAIN QUERY PLAN on
// SQLite; EXPLAIN on PostgreSQL with sequential scans discouraged, so that
// the plan of a small test table shows which indexes could answer. It
// does not run query.
func Explain(ctx context.Context, db *DB, query string, args ...any) (string, error) {
	var out []string
	err := db.withTx(ctx, func(tx *DB) error {
		explain := "EXPLAIN QUERY PLAN "
		if db.engine == Postgres {
			explain = "EXPLAIN "
			if _, err := tx.exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
		}
		rows, err := tx.rows(ctx, explain+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for _, v := range vals {
				if s, ok := v.(string); ok {
					out = append(out, s)
				}
			}
		}
		return rows.Err()
	})
	return strings.Join(out, "\n"), err
}

// PreparedWrites is how many write statements db holds prepared.
func PreparedWrites(db *DB) int {
	if db.writes == nil {
		return 0
	}
	db.writes.mu.Lock()
	defer db.writes.mu.Unlock()
	return len(db.writes.stmts)
}
