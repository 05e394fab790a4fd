package store

import (
	"context"
	"database/sql"
	"log/slog"

	"github.com/pressly/goose/v3"

	"github.com/custos-id/custos/internal/account"
)

// loginIDMigration (00010) puts the stored login IDs in the form
// account.NormalizeLoginID gives them now (case folding and NFC to a fixed
// point; before, lower-casing and one NFC pass). Go code, not SQL: neither
// engine can fold Unicode case.
func loginIDMigration() *goose.Migration {
	// Down keeps the new forms: the old ones compare less well, and collisions
	// cannot be undone.
	return goose.NewGoMigration(10, &goose.GoFunc{RunTx: renormalizeLoginIDs}, nil)
}

// storedID is one row of login_ids.
type storedID struct {
	siteID, accountID int64
	value             string
}

// renormalizeLoginIDs rewrites every login ID whose normal form changed.
// Two IDs of a site may become one: the account created first (the lower
// id) keeps it, the other loses that login ID, and the collision is logged
// for an operator; startup goes on. An ID the new form refuses (longer than
// the bound once folded) stays as it is, and is logged.
func renormalizeLoginIDs(ctx context.Context, tx *sql.Tx) error {
	changed, err := changedLoginIDs(ctx, tx)
	if err != nil {
		return err
	}
	log := slog.Default()
	for _, r := range changed {
		id, err := account.ParseLoginID(r.value)
		if err != nil {
			log.WarnContext(ctx, "migration 10: login ID left as it is: its normal form is refused",
				"site_id", r.siteID, "account_id", r.accountID, "err", err)
			continue
		}
		var holder int64
		err = tx.QueryRowContext(ctx, `SELECT account_id FROM login_ids WHERE site_id = $1 AND login_id = $2`,
			r.siteID, id.Value).Scan(&holder)
		switch {
		case err == sql.ErrNoRows:
			_, err = tx.ExecContext(ctx, `UPDATE login_ids SET login_id = $1 WHERE site_id = $2 AND login_id = $3`,
				id.Value, r.siteID, r.value)
		case err != nil:
		case holder <= r.accountID: // the holder is older (or the same account): this row goes
			log.WarnContext(ctx, "migration 10: two login IDs are one now; the older account keeps it",
				"site_id", r.siteID, "login_id", id.Value, "kept_account_id", holder, "lost_account_id", r.accountID)
			_, err = tx.ExecContext(ctx, `DELETE FROM login_ids WHERE site_id = $1 AND login_id = $2`, r.siteID, r.value)
		default: // this account is older: the holder's row goes
			log.WarnContext(ctx, "migration 10: two login IDs are one now; the older account keeps it",
				"site_id", r.siteID, "login_id", id.Value, "kept_account_id", r.accountID, "lost_account_id", holder)
			if _, err = tx.ExecContext(ctx, `DELETE FROM login_ids WHERE site_id = $1 AND login_id = $2`, r.siteID, id.Value); err == nil {
				_, err = tx.ExecContext(ctx, `UPDATE login_ids SET login_id = $1 WHERE site_id = $2 AND login_id = $3`,
					id.Value, r.siteID, r.value)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// changedLoginIDs returns the rows whose value is not in normal form, the
// oldest account's first.
func changedLoginIDs(ctx context.Context, tx *sql.Tx) ([]storedID, error) {
	rows, err := tx.QueryContext(ctx, `SELECT site_id, account_id, login_id FROM login_ids ORDER BY account_id, login_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedID
	for rows.Next() {
		var r storedID
		if err := rows.Scan(&r.siteID, &r.accountID, &r.value); err != nil {
			return nil, err
		}
		if v, ok := account.NormalizeLoginID(r.value); !ok || v != r.value {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}
