package store

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"

	"github.com/pressly/goose/v3"

	"github.com/custos-id/custos/internal/account"
)

// loginIDMigration (00010) puts the stored login IDs in the form
// account.NormalizeLoginID gives them now (lower case and NFC to a fixed
// point; before, one pass of each). Go code, not SQL: neither engine has
// Unicode normalization everywhere.
func loginIDMigration() *goose.Migration {
	run := func(ctx context.Context, tx *sql.Tx) error { return renormalizeLoginIDs(ctx, tx, slog.Default()) }
	// Down keeps the new forms: the old ones compare less well.
	return goose.NewGoMigration(10, &goose.GoFunc{RunTx: run}, nil)
}

// storedID is one row of login_ids.
type storedID struct {
	siteID, accountID int64
	value             string
	normal            string // the value as account.ParseLoginID gives it now
	verified          bool
}

// renormalizeLoginIDs rewrites every login ID whose normal form changed.
//
// Two IDs of a site may become one: two accounts registered canonically
// equivalent forms of one identifier, which only the earlier form told
// apart. Nothing is deleted. The account whose row is verified gets the
// normal form, so that one who registered the other form without verifying
// cannot take the address from its owner; when both or neither are
// verified, the account created first (the lower id) gets it. The other
// keeps its row under a form no login reaches (the one it or the winner
// had), and the pair is logged for an operator to resolve. A stored ID that
// account.ParseLoginID now refuses (control or format characters) stays as
// it is, and is logged: no login reaches it. The log names accounts, never
// the login IDs themselves.
func renormalizeLoginIDs(ctx context.Context, tx *sql.Tx, log *slog.Logger) error {
	changed, err := changedLoginIDs(ctx, tx, log)
	if err != nil {
		return err
	}
	for _, r := range changed {
		if err := renormalize(ctx, tx, log, r); err != nil {
			return err
		}
	}
	return nil
}

// renormalize gives row r its normal form, or settles who keeps it when
// another row holds that form already.
func renormalize(ctx context.Context, tx *sql.Tx, log *slog.Logger, r storedID) error {
	normal := r.normal
	var (
		holder     int64
		verifiedAt int64
	)
	err := tx.QueryRowContext(ctx, `SELECT account_id, verified_at FROM login_ids WHERE site_id = $1 AND login_id = $2`,
		r.siteID, normal).Scan(&holder, &verifiedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return setLoginID(ctx, tx, r.siteID, r.value, normal)
	case err != nil:
		return err
	case holder == r.accountID: // the account logs in with the normal form already
		log.InfoContext(ctx, "migration 10: an account holds one login ID in two canonically equivalent forms; "+
			"it logs in with the normal one, the other row stays unused", "site_id", r.siteID, "account_id", r.accountID)
		return nil
	}
	holderVerified := verifiedAt > 0
	rowWins := r.verified && !holderVerified || r.verified == holderVerified && r.accountID < holder
	if !rowWins { // this row stays unreachable
		collision(ctx, log, r.siteID, holder, r.accountID)
		return nil
	}
	collision(ctx, log, r.siteID, r.accountID, holder) // the two swap forms
	const parked = "\ncustos-migration-10"             // no login ID holds a control character
	if err := setLoginID(ctx, tx, r.siteID, normal, parked); err != nil {
		return err
	}
	if err := setLoginID(ctx, tx, r.siteID, r.value, normal); err != nil {
		return err
	}
	return setLoginID(ctx, tx, r.siteID, parked, r.value)
}

func setLoginID(ctx context.Context, tx *sql.Tx, siteID int64, from, to string) error {
	_, err := tx.ExecContext(ctx, `UPDATE login_ids SET login_id = $1 WHERE site_id = $2 AND login_id = $3`, to, siteID, from)
	return err
}

func collision(ctx context.Context, log *slog.Logger, siteID, kept, parked int64) {
	log.WarnContext(ctx, "migration 10: two accounts hold one login ID in two canonically equivalent forms; "+
		"the verified one (when both or neither are, the older) keeps it, the other cannot log in with it until an operator resolves it",
		"site_id", siteID, "kept_account_id", kept, "parked_account_id", parked)
}

// changedLoginIDs returns the rows whose value is not in normal form, the
// oldest account's first, and logs every row account.ParseLoginID refuses.
func changedLoginIDs(ctx context.Context, tx *sql.Tx, log *slog.Logger) ([]storedID, error) {
	rows, err := tx.QueryContext(ctx, `SELECT site_id, account_id, login_id, verified_at FROM login_ids ORDER BY account_id, login_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedID
	for rows.Next() {
		var (
			r          storedID
			verifiedAt int64
		)
		if err := rows.Scan(&r.siteID, &r.accountID, &r.value, &verifiedAt); err != nil {
			return nil, err
		}
		r.verified = verifiedAt > 0
		id, err := account.ParseLoginID(r.value)
		switch {
		case err != nil:
			log.WarnContext(ctx, "migration 10: a stored login ID is left as it is: the login-ID rules refuse it "+
				"(control or format characters, or too long), so no login reaches it until an operator resolves it",
				"site_id", r.siteID, "account_id", r.accountID)
		case id.Value != r.value:
			r.normal = id.Value
			out = append(out, r)
		}
	}
	return out, rows.Err()
}
