package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrations embed.FS

// Migrate brings the schema up to date. On PostgreSQL an advisory lock lets
// several processes start at once.
func (db *DB) Migrate(ctx context.Context) error {
	dir, err := fs.Sub(migrations, "migrations/"+string(db.engine))
	if err != nil {
		return err
	}
	dialect := database.DialectSQLite3
	var opts []goose.ProviderOption
	if db.engine == Postgres {
		dialect = database.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
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
