package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/custos-id/custos/internal/account"
)

// sessionAccountColumns are the columns of the accounts read with a
// session or listed: every object, never the password hash (Social ID's
// answers show neither it nor anything made of it).
var sessionAccountColumns = readColumns(account.PartObjects)

// sessionColumns are the columns of a session read with its account.
const sessionColumns = `s.id, s.site_id, s.account_id, s.token_hash, s.secret_sealed, s.created_at, s.expires_at`

// scanSession scans sessionColumns and sessionAccountColumns.
func scanSession(row scanner) (account.Session, account.Account, error) {
	var (
		s                account.Session
		created, expires int64
	)
	a, err := scanAccountReading(row, account.ReadObjects, &s.ID, &s.SiteID, &s.AccountID, &s.TokenHash, &s.SecretSealed, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return account.Session{}, account.Account{}, account.ErrNotFound
	}
	if err != nil {
		return account.Session{}, account.Account{}, err
	}
	s.CreatedAt, s.ExpiresAt = fromMillis(created), fromMillis(expires)
	return s, a, nil
}

// SessionByID implements account.Store: a primary-key lookup joined to the
// account by its primary key.
func (db *DB) SessionByID(ctx context.Context, id int64) (account.Session, account.Account, error) {
	return scanSession(db.row(ctx, `SELECT `+sessionColumns+`, `+sessionAccountColumns+`
		 FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id = $1`, id))
}

// SessionByHashPrefix implements account.Store: a range of the unique index
// of token hashes, which both engines order byte by byte.
func (db *DB) SessionByHashPrefix(ctx context.Context, prefix []byte) (account.Session, account.Account, error) {
	q := `SELECT ` + sessionColumns + `, ` + sessionAccountColumns + `
		 FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash >= $1`
	args := []any{prefix}
	if end, ok := prefixEnd(prefix); ok {
		q += ` AND s.token_hash < $2`
		args = append(args, end)
	}
	return scanSession(db.row(ctx, q+` ORDER BY s.token_hash LIMIT 1`, args...))
}

// prefixEnd is the least byte string after every string that starts with
// prefix; ok is false when there is none (prefix is all 0xff).
func prefixEnd(prefix []byte) ([]byte, bool) {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1], true
		}
	}
	return nil, false
}

// SetUserToken implements account.Store. Ending the session recorded
// before removes its row (ON DELETE CASCADE); the upsert covers a row
// whose session another request ended meanwhile.
//
// Concurrent calls for one account queue on the account's row (SQLite's
// single writer does that by itself), so that no token's session is left
// live unrecorded.
func (db *DB) SetUserToken(ctx context.Context, accountID, sessionID int64) error {
	return db.withTx(ctx, func(tx *DB) error {
		if db.engine == Postgres {
			if _, err := tx.exec(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, accountID); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE id IN (SELECT session_id FROM user_tokens WHERE account_id = $1)`,
			accountID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO user_tokens (account_id, session_id) VALUES ($1, $2)
			ON CONFLICT (account_id) DO UPDATE SET session_id = excluded.session_id`, accountID, sessionID)
		return err
	})
}

// ListAccounts implements account.Store: the accounts of the site in id
// order (the index accounts_site), each login ID an indexed lookup.
func (db *DB) ListAccounts(ctx context.Context, siteID int64, q account.AccountQuery) ([]account.Account, int, error) {
	where, args := []string{`a.site_id = $1`}, []any{siteID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for _, id := range q.LoginIDs {
		where = append(where, `EXISTS (SELECT 1 FROM login_ids l WHERE l.site_id = a.site_id AND l.login_id = `+
			arg(id.Value)+` AND l.kind = `+arg(string(id.Kind))+` AND l.account_id = a.id)`)
	}
	if len(q.IDs) > 0 {
		ids := make([]string, len(q.IDs))
		for i, id := range q.IDs {
			ids[i] = arg(id)
		}
		where = append(where, `a.id IN (`+strings.Join(ids, ", ")+`)`)
	}
	cond := strings.Join(where, ` AND `)
	var total int
	if err := db.row(ctx, `SELECT COUNT(*) FROM accounts a WHERE `+cond, args...).Scan(&total); err != nil || total <= q.Offset {
		return nil, total, err
	}
	page := `SELECT ` + sessionAccountColumns + ` FROM accounts a WHERE ` + cond + ` ORDER BY a.id LIMIT ` + arg(q.Limit) + ` OFFSET ` + arg(q.Offset)
	rows, err := db.rows(ctx, page, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []account.Account
	for rows.Next() {
		a, err := scanAccountReading(rows, account.ReadObjects)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}
