package store

import (
	"context"

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
	return Explain(ctx, db, sqlText, args...)
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
