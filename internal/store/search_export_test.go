package store

import (
	"context"
	"strings"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/search"
)

// ExplainSearch is the plan the engine makes for the first page of query.
// On PostgreSQL sequential scans are discouraged, so that the plan of a
// small test table shows which indexes could answer.
func ExplainSearch(ctx context.Context, db *DB, siteID int64, query string) (string, error) {
	q, err := search.Parse(query)
	if err != nil {
		return "", err
	}
	plan, err := db.compile(siteID, schema.Schema{}, q)
	if err != nil {
		return "", err
	}
	sqlText, args := searchSQL(plan, account.SearchPage{Limit: q.Limit})
	var out []string
	err = db.withTx(ctx, func(tx *DB) error {
		explain := "EXPLAIN QUERY PLAN "
		if db.engine == Postgres {
			explain = "EXPLAIN "
			if _, err := tx.exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
		}
		rows, err := tx.rows(ctx, explain+sqlText, args...)
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

// Analyze has PostgreSQL gather the statistics of accounts, so that its
// plans weigh the rows a test wrote.
func Analyze(ctx context.Context, db *DB) error {
	if db.engine != Postgres {
		return nil
	}
	_, err := db.exec(ctx, "ANALYZE accounts")
	return err
}
