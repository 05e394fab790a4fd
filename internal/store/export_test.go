package store

import (
	"context"
	"log/slog"
)

// RenormalizeLoginIDs runs migration 00010 again, on a migrated database,
// logging to log.
func (db *DB) RenormalizeLoginIDs(ctx context.Context, log *slog.Logger) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := renormalizeLoginIDs(ctx, tx, log); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
