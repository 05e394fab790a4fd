package store

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

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
	dsn := func(params ...string) string {
		q := url.Values{}
		for _, p := range sqlitePragmas {
			q.Add("_pragma", p)
		}
		for i := 0; i < len(params); i += 2 {
			q.Add(params[i], params[i+1])
		}
		return "file:" + path + "?" + q.Encode()
	}
	// BEGIN IMMEDIATE: a write transaction takes the lock when it starts, not
	// at its first write, so it never fails half-way on a lock upgrade.
	write, err := sql.Open("sqlite", dsn("_txlock", "immediate"))
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", dsn("_pragma", "query_only(1)"))
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	return &DB{engine: SQLite, read: newPool(read), write: write, writes: newPool(write), violates: sqliteViolates}, nil
}

// sqliteViolates reads the table from the message, which SQLite words as
// "UNIQUE constraint failed: login_ids.site_id, login_ids.login_id".
func sqliteViolates(err error, table string) bool {
	e, ok := errors.AsType[*sqlite.Error](err)
	if !ok || (e.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE && e.Code() != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return false
	}
	return strings.Contains(e.Error(), "failed: "+table+".")
}
