// Package storetest opens real, migrated, empty databases for tests, on every
// engine the environment offers.
//
// SQLite always runs, in a temporary file. PostgreSQL runs when
// CUSTOS_TEST_POSTGRES_URL names a server (the test command starts one); each
// test gets a schema of its own, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/custos-id/custos/internal/store"
)

// PostgresEnv names the environment variable holding the test server's URL.
const PostgresEnv = "CUSTOS_TEST_POSTGRES_URL"

// Engines returns the engines to test on.
func Engines() []store.Engine {
	return []store.Engine{store.SQLite, store.Postgres}
}

// Open returns an empty, migrated database of engine e, closed at the end of
// the test. A PostgreSQL test is skipped when no server is configured, and
// fails instead when CUSTOS_TEST_POSTGRES_REQUIRED=1.
func Open(t testing.TB, e store.Engine) *store.DB {
	t.Helper()
	return OpenURL(t, URL(t, e))
}

// OpenURL opens and migrates the database at u (a URL of URL), closed at
// the end of the test; tests open it more than once to stand for more
// than one process.
func OpenURL(t testing.TB, u string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", db.Engine(), err)
	}
	return db
}

// URL returns the URL of a new, empty database of engine e for this test.
func URL(t testing.TB, e store.Engine) string {
	t.Helper()
	if e == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "custos.db")
	}
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CUSTOS_TEST_POSTGRES_REQUIRED") == "1" {
			t.Fatalf("%s is not set", PostgresEnv)
		}
		t.Skipf("PostgreSQL: %s is not set (the README test command sets it)", PostgresEnv)
	}
	return postgresSchema(t, base)
}

// postgresSchema creates a schema for this test and returns base with its
// search_path pointing at it.
func postgresSchema(t testing.TB, base string) string {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	// Registered after admin.Close, so it runs before it.
	t.Cleanup(func() { admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Raw opens the database at u (a URL of URL) with database/sql alone, for
// tests that look under the store or write what an older version wrote. It
// is closed when the test ends.
func Raw(t testing.TB, u string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", u
	if path, ok := strings.CutPrefix(u, "sqlite:"); ok {
		driver, dsn = "sqlite", path
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}
