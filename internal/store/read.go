package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/custos-id/custos/internal/account"
)

// Reads that leave parts of an account out (account.Read) do not select
// them: every column costs the driver (SQLite's names and declared types
// of each, on every query). The password hash is never read so.

// readColumns are accountColumns without the password hash and the
// objects outside objs, in the order scanAccountColumns scans them.
func readColumns(objs account.Parts) string {
	var cols []string
	for c := range strings.SplitSeq(accountColumns, ",") {
		c = strings.TrimSpace(c)
		if i := slices.Index(objectColumns[:], strings.TrimPrefix(c, "a.")); c == "a.password_hash" || i >= 0 && !objs.Has(objectParts[i]) {
			continue
		}
		cols = append(cols, c)
	}
	return strings.Join(cols, ", ")
}

// objectParts are the parts of objectColumns, in their order.
var objectParts = [len(objectColumns)]account.Parts{account.PartProfile, account.PartData,
	account.PartPreferences, account.PartSubscriptions}

// readQueries are the queries of the reads, by the objects they read.
var readQueries [account.PartObjects + 1]struct{ sessionByHash, accountByID string }

func init() {
	for objs := range readQueries {
		cols := readColumns(account.Parts(objs))
		readQueries[objs].sessionByHash = `SELECT s.id, s.site_id, s.account_id, s.secret_sealed, s.created_at, s.expires_at, ` + cols + `
		 FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1`
		readQueries[objs].accountByID = `SELECT ` + cols + ` FROM accounts a WHERE a.id = $1 AND a.site_id = $2`
	}
}

// SessionByHash implements account.Store: one lookup by the unique token
// hash, joined to the account by its primary key, which reads every
// object but not the password hash.
func (db *DB) SessionByHash(ctx context.Context, hash []byte) (account.Session, account.Account, error) {
	return db.SessionByHashReading(ctx, hash, account.ReadObjects)
}

// SessionByHashReading implements account.Store: SessionByHash's one
// lookup, reading of the account what r says.
func (db *DB) SessionByHashReading(ctx context.Context, hash []byte, r account.Read) (account.Session, account.Account, error) {
	var (
		s                account.Session
		created, expires int64
	)
	r = db.asStored(r)
	a, err := scanAccountReading(db.row(ctx, readQueries[r.Objects&account.PartObjects].sessionByHash, hash), r,
		&s.ID, &s.SiteID, &s.AccountID, &s.SecretSealed, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return account.Session{}, account.Account{}, account.ErrNotFound
	}
	if err != nil {
		return account.Session{}, account.Account{}, err
	}
	s.TokenHash, s.CreatedAt, s.ExpiresAt = hash, fromMillis(created), fromMillis(expires)
	return s, a, nil
}

// AccountByIDReading implements account.Store.
func (db *DB) AccountByIDReading(ctx context.Context, siteID, accountID int64, r account.Read) (account.Account, error) {
	r = db.asStored(r)
	a, err := scanAccountReading(db.row(ctx, readQueries[r.Objects&account.PartObjects].accountByID, accountID, siteID), r)
	if errors.Is(err, sql.ErrNoRows) {
		return account.Account{}, account.ErrNotFound
	}
	return a, err
}

// asStored is r, but with Raw only where the stored objects read as
// json.Marshal wrote them (SQLite): PostgreSQL's jsonb gives them back in
// its own key order, and answers should not differ by engine.
func (db *DB) asStored(r account.Read) account.Read {
	r.Raw = r.Raw && db.engine != Postgres
	return r
}

// scanAccountReading scans the columns of a read with r, after any columns
// given before them: the objects r reads, decoded or raw, and no others.
func scanAccountReading(row scanner, r account.Read, before ...any) (account.Account, error) {
	a, obj, err := scanAccountColumns(row, r.Objects&account.PartObjects, before...)
	if err != nil {
		return account.Account{}, err
	}
	a.PasswordHash, a.Omitted = "", r.Omits()
	raw := [...]*json.RawMessage{&a.Raw.Profile, &a.Raw.Data, &a.Raw.Preferences, &a.Raw.Subscriptions}
	for i, m := range objects(&a) {
		switch {
		case !r.Objects.Has(objectParts[i]):
		case r.Raw:
			*raw[i] = json.RawMessage(obj[i])
		default:
			if err := unmarshalObject(obj[i], m); err != nil {
				return account.Account{}, fmt.Errorf("account %d %s: %w", a.ID, objectColumns[i], err)
			}
		}
	}
	return a, nil
}
