package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/custos-id/custos/internal/account"
)

// ExpiredSeed says which expired rows SeedExpired stores: sessions and
// one-time tokens of the site's accounts FirstAccount..LastAccount (every
// id of the range must be one of them), spread over them, expired at
// ExpiredAt.
type ExpiredSeed struct {
	SiteID                    int64
	FirstAccount, LastAccount int64
	ExpiredAt                 time.Time
}

// SeedExpired tops the expired sessions and the expired one-time tokens up
// to n each, for custos bench to measure what a purge of them costs the
// requests served meanwhile. Each table takes one INSERT … SELECT over a
// series of numbers (a recursive CTE on SQLite, generate_series on
// PostgreSQL), the fastest path to a million rows: no row crosses the
// connection. Token hashes are 32 bytes, as the SHA-256 of a real token:
// random on SQLite (randomblob), on PostgreSQL the SHA-256 of a random salt
// of the call and the row's number (built in since PostgreSQL 11, no
// extension), so that a second call adds rows of its own. It returns the
// rows added.
func SeedExpired(ctx context.Context, db *DB, s ExpiredSeed, n int) (int64, error) {
	if s.LastAccount < s.FirstAccount {
		return 0, fmt.Errorf("store: SeedExpired: accounts %d..%d", s.FirstAccount, s.LastAccount)
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	at := millis(s.ExpiredAt)
	tables := []struct{ table, where, columns, values string }{
		{"sessions", "expires_at > 0 AND expires_at <= $1", "site_id, account_id, token_hash, created_at, expires_at", ""},
		{"tokens", "expires_at <= $1", "site_id, account_id, token_hash, created_at, expires_at, kind", ", '" + string(account.VerifyToken) + "'"},
	}
	var added int64
	for _, t := range tables {
		var have int64
		if err := db.row(ctx, `SELECT count(*) FROM `+t.table+` WHERE `+t.where, at).Scan(&have); err != nil {
			return added, fmt.Errorf("store: SeedExpired: counting %s: %w", t.table, err)
		}
		missing := int64(n) - have
		if missing <= 0 {
			continue
		}
		// $1 site, $2 first account, $3 accounts, $4 rows, $5 created, $6 expires, $7 salt.
		var q string
		if db.engine == Postgres {
			q = `INSERT INTO ` + t.table + ` (` + t.columns + `)
				SELECT $1::bigint, $2::bigint + i % $3::bigint, sha256($7::bytea || int8send(i)), $5::bigint, $6::bigint` + t.values + `
				FROM generate_series(0, $4::bigint - 1) AS i`
		} else {
			q = `INSERT INTO ` + t.table + ` (` + t.columns + `)
				WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $4 - 1)
				SELECT $1, $2 + i % $3, randomblob(32), $5, $6` + t.values + ` FROM n`
		}
		args := []any{s.SiteID, s.FirstAccount, s.LastAccount - s.FirstAccount + 1, missing,
			millis(s.ExpiredAt.Add(-time.Hour)), at}
		if db.engine == Postgres {
			args = append(args, salt)
		}
		res, err := db.write.ExecContext(ctx, q, args...)
		if err != nil {
			return added, fmt.Errorf("store: SeedExpired: %s: %w", t.table, err)
		}
		m, _ := res.RowsAffected()
		added += m
	}
	return added, nil
}
