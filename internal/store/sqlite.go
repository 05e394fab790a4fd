package store

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqlitePragmas apply to every connection: WAL lets readers run beside the
// writer, busy_timeout makes a connection wait for a lock instead of failing.
var sqlitePragmas = []string{
	"journal_mode(WAL)",
	"foreign_keys(1)",
	"busy_timeout(10000)",
	"synchronous(NORMAL)",
}

func openSQLite(path string) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, errors.New("sqlite: a file path is required (an in-memory database cannot be shared by the read and write pools)")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		for _, p := range append(sqlitePragmas, extra...) {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		return "file:" + path + "?" + q.Encode()
	}
	write, err := sql.Open("sqlite", dsn())
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn("query_only(1)"))
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	return &DB{engine: SQLite, read: read, write: write, isConflict: sqliteConflict}, nil
}

func sqliteConflict(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
