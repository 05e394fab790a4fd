package store

import (
	"context"
	"database/sql"
	"log/slog"

	"github.com/pressly/goose/v3"

	"github.com/custos-id/custos/internal/account"
)

// loginIDMigration (00010) puts the stored login IDs in the form
// account.NormalizeLoginID gives them now (lower case and NFC to a fixed
// point; before, one pass of each). Go code, not SQL: neither engine has
// Unicode normalization everywhere.
func loginIDMigration() *goose.Migration {
	// Down keeps the new forms: the old ones compare less well.
	return goose.NewGoMigration(10, &goose.GoFunc{RunTx: renormalizeLoginIDs}, nil)
}

// storedID is one row of login_ids.
type storedID struct {
	siteID, accountID int64
	value             string
}

// renormalizeLoginIDs rewrites every login ID whose normal form changed.
//
// Two IDs of a site may become one: two accounts registered canonically
// equivalent forms of one identifier, which only the earlier form told
// apart. Nothing is deleted. The account created first (the lower id) gets
// the normal form; the other keeps its row under a form no login reaches
// (the one it or the older account had), and the pair is logged for an
// operator to resolve. An ID the new form refuses stays as it is, and is
// logged. The log names accounts, never the login IDs themselves.
func renormalizeLoginIDs(ctx context.Context, tx *sql.Tx) error {
	changed, err := changedLoginIDs(ctx, tx)
	if err != nil {
		return err
	}
	log := slog.Default()
	for _, r := range changed {
		id, err := account.ParseLoginID(r.value)
		if err != nil {
			log.WarnContext(ctx, "migration 10: a login ID is left as it is: its normal form is refused",
				"site_id", r.siteID, "account_id", r.accountID)
			continue
		}
		var holder int64
		err = tx.QueryRowContext(ctx, `SELECT account_id FROM login_ids WHERE site_id = $1 AND login_id = $2`,
			r.siteID, id.Value).Scan(&holder)
		switch {
		case err == sql.ErrNoRows:
			err = setLoginID(ctx, tx, r.siteID, r.value, id.Value)
		case err != nil:
		case holder <= r.accountID: // the holder is older: this row stays unreachable
			collision(ctx, log, r.siteID, holder, r.accountID)
		default: // this account is older: the two swap forms
			collision(ctx, log, r.siteID, r.accountID, holder)
			const parked = "\ncustos-migration-10" // no login ID holds a control character
			if err = setLoginID(ctx, tx, r.siteID, id.Value, parked); err == nil {
				if err = setLoginID(ctx, tx, r.siteID, r.value, id.Value); err == nil {
					err = setLoginID(ctx, tx, r.siteID, parked, r.value)
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func setLoginID(ctx context.Context, tx *sql.Tx, siteID int64, from, to string) error {
	_, err := tx.ExecContext(ctx, `UPDATE login_ids SET login_id = $1 WHERE site_id = $2 AND login_id = $3`, to, siteID, from)
	return err
}

func collision(ctx context.Context, log *slog.Logger, siteID, kept, parked int64) {
	log.WarnContext(ctx, "migration 10: two accounts hold one login ID in two canonically equivalent forms; "+
		"the older keeps it, the other cannot log in with it until an operator resolves it",
		"site_id", siteID, "kept_account_id", kept, "parked_account_id", parked)
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
