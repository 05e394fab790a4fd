package store

import "context"

// RenormalizeLoginIDs runs migration 00010 again, on a migrated database.
func (db *DB) RenormalizeLoginIDs(ctx context.Context) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := renormalizeLoginIDs(ctx, tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
