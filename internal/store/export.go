package store

import (
	"context"

	"github.com/custos-id/custos/internal/account"
)

// AccountsAfter implements account.ExportStore: keyset iteration in id
// order, one index range scan per page however deep the export is.
func (db *DB) AccountsAfter(ctx context.Context, siteID, afterID int64, limit int) ([]account.ExportedAccount, error) {
	rows, err := db.rows(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.site_id = $1 AND a.id > $2
		ORDER BY a.id LIMIT $3`, siteID, afterID, limit)
	if err != nil {
		return nil, err
	}
	var out []account.ExportedAccount
	byID := map[int64]int{}
	for rows.Next() {
		a, err := scanAccountInto(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[a.ID] = len(out)
		out = append(out, account.ExportedAccount{Account: a})
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// The login IDs of the page, in one query.
	ids, err := db.rows(ctx, `SELECT account_id, kind, login_id, display, verified_at FROM login_ids
		WHERE site_id = $1 AND account_id >= $2 AND account_id <= $3 ORDER BY account_id, kind, login_id`,
		siteID, out[0].ID, out[len(out)-1].ID)
	if err != nil {
		return nil, err
	}
	defer ids.Close()
	for ids.Next() {
		var (
			accountID, verified int64
			kind                string
			id                  account.StoredLoginID
		)
		if err := ids.Scan(&accountID, &kind, &id.Value, &id.Display, &verified); err != nil {
			return nil, err
		}
		if i, ok := byID[accountID]; ok {
			id.Kind, id.VerifiedAt = account.LoginIDKind(kind), fromMillis(verified)
			out[i].LoginIDs = append(out[i].LoginIDs, id)
		}
	}
	return out, ids.Err()
}
