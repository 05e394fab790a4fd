package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"strings"

	"github.com/custos-id/custos/internal/secretbox"
	"github.com/custos-id/custos/internal/store"
)

const defaultDB = "sqlite:custos.db"

// dbFlags are the flags of every command that opens the database.
type dbFlags struct {
	url       string
	masterKey string
}

func (d *dbFlags) register(fs *flag.FlagSet, withKey bool) {
	fs.StringVar(&d.url, "db", defaultDB, "database: sqlite:<path> or postgres://user:pass@host:port/db")
	if withKey {
		fs.StringVar(&d.masterKey, "master-key-file", "",
			"file holding the base64 master key that encrypts site secrets; with SQLite it defaults to <database>.key, created when absent; required with PostgreSQL")
	}
}

// open connects and migrates.
func (d *dbFlags) open(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, d.url)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// errDBURL names the --db forms store.Open accepts; the value is not
// repeated, as it may hold a password.
var errDBURL = errors.New("--db (CUSTOS_DB): want sqlite:<path> or postgres://…")

// checkURL tells whether the --db URL names an engine store.Open knows, so
// that a wrong one is not reported as a missing master key.
func (d *dbFlags) checkURL() error {
	for _, prefix := range []string{"sqlite:", "postgres://", "postgresql://"} {
		if strings.HasPrefix(d.url, prefix) {
			return nil
		}
	}
	return errDBURL
}

// hasKey tells whether the master key can be found: a file is named, or
// the database is SQLite and the key lives beside it.
func (d *dbFlags) hasKey() bool {
	return d.masterKey != "" || strings.HasPrefix(d.url, "sqlite:")
}

// key loads the master key. With SQLite and no --master-key-file, the key
// lives beside the database file and is created on first use.
func (d *dbFlags) key(log *slog.Logger) ([]byte, error) {
	if err := d.checkURL(); err != nil {
		return nil, err
	}
	if !d.hasKey() {
		return nil, errors.New("--master-key-file (CUSTOS_MASTER_KEY_FILE) is required with PostgreSQL")
	}
	path, create := d.masterKey, false
	if path == "" {
		path, create = strings.TrimPrefix(d.url, "sqlite:")+".key", true
	}
	key, created, err := secretbox.LoadKeyFile(path, create)
	if created {
		log.Warn("created a new master key: back it up with the database, site secrets cannot be read without it", "path", path)
	}
	return key, err
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func migrateCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	var d dbFlags
	d.register(fs, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	newLogger(stderr, slog.LevelInfo).Info("database is up to date", "engine", db.Engine())
	return nil
}
