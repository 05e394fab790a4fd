package store

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"strings"
	"testing/fstest"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// Each migration step is a pair of files side by side,
// <n>_<name>.sqlite.sql and <n>_<name>.postgres.sql, so that a change to
// one engine's schema is seen next to the other's.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the migration files of engine e, named as goose reads
// them (<n>_<name>.sql).
func Migrations(e Engine) (fs.FS, error) {
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	suffix := "." + string(e) + ".sql"
	out := fstest.MapFS{}
	for _, ent := range entries {
		name, ok := strings.CutSuffix(ent.Name(), suffix)
		if !ok {
			continue
		}
		b, err := migrations.ReadFile("migrations/" + ent.Name())
		if err != nil {
			return nil, err
		}
		out[name+".sql"] = &fstest.MapFile{Data: b, Mode: 0o444}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("migrations: none for engine %s", e)
	}
	return out, nil
}

// Migrate brings the schema up to date. On PostgreSQL an advisory lock lets
// several processes start at once.
func (db *DB) Migrate(ctx context.Context) error {
	dir, err := Migrations(db.engine)
	if err != nil {
		return err
	}
	dialect := database.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithGoMigrations(loginIDMigration())}
	if db.engine == Postgres {
		dialect = database.DialectPostgres
		locker, err := db.migrationLocker(ctx)
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.write, dir, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrationLocker is the advisory lock that lets one process at a time
// migrate a PostgreSQL schema. Its id is the schema's: processes that
// migrate different schemas of one database (tests do) do not wait for
// each other. The others poll every second, for up to five minutes.
func (db *DB) migrationLocker(ctx context.Context) (lock.SessionLocker, error) {
	var schema string
	if err := db.write.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("custos migrations " + schema))
	return lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64())), lock.WithLockTimeout(1, 300))
}
