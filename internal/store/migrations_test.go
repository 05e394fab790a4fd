package store_test

import (
	"database/sql"
	"testing"

	"github.com/custos-id/custos/internal/store"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
)

// migrations returns a goose provider of e's migration steps over raw, for
// the tests that stop at a step, write rows of that time and go on.
func migrations(t *testing.T, e store.Engine, raw *sql.DB, opts ...goose.ProviderOption) *goose.Provider {
	t.Helper()
	dir, err := store.Migrations(e)
	if err != nil {
		t.Fatal(err)
	}
	dialect := database.DialectSQLite3
	if e == store.Postgres {
		dialect = database.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, raw, dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
