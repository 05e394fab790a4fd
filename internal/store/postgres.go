package store

import (
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

func openPostgres(url string) (*DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	// As many idle connections as open ones: under load, a pool that closes
	// connections above an idle limit reconnects (a new PostgreSQL backend)
	// on almost every request.
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{engine: Postgres, read: newPool(db), write: db, violates: pgViolates}, nil
}

func pgViolates(err error, table string) bool {
	e, ok := errors.AsType[*pgconn.PgError](err)
	return ok && e.Code == "23505" && e.TableName == table // 23505: unique_violation
}
