package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/conformance"
	"github.com/custos-id/custos/internal/store/storetest"
)

// planRows is how many accounts (each with a login ID, a session and a
// one-time token) TestHotQueryPlans stores: enough for PostgreSQL's planner
// to prefer an index to reading a table, as it does on a real database.
const planRows = 10_000

// hotQueries are the queries of the hot paths, as the store runs them (the
// columns read elided where they do not change the plan), with arguments
// for a site of seedPlans.
func hotQueries(siteID int64) []struct {
	name, sql string
	args      []any
} {
	return []struct {
		name, sql string
		args      []any
	}{
		{"session check (SessionByHash)", `SELECT s.id, s.expires_at, a.uid, a.profile FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1`,
			[]any{[]byte("s-42")}},
		{"account by id (AccountByID)", `SELECT a.uid, a.profile FROM accounts a WHERE a.id = $1 AND a.site_id = $2`, []any{42, siteID}},
		{"account by UID (AccountByUID, REST GET /users/<uid>)", `SELECT a.id, a.profile FROM accounts a WHERE a.site_id = $1 AND a.uid = $2`,
			[]any{siteID, "u42"}},
		{"login (AccountByLoginID)", `SELECT a.id, a.password_hash FROM login_ids l JOIN accounts a ON a.id = l.account_id
			WHERE l.site_id = $1 AND l.login_id = $2 AND l.kind = $3`, []any{siteID, "u42@example.com", "email"}},
		{"isAvailableLoginID (LoginIDExists)", `SELECT 1 FROM login_ids WHERE site_id = $1 AND login_id = $2`,
			[]any{siteID, "u42@example.com"}},
		{"an account's login IDs (LoginIDs)", `SELECT kind, login_id, display, verified_at FROM login_ids WHERE account_id = $1 ORDER BY kind, login_id`,
			[]any{42}},
		{"login bookkeeping (RecordLogin)", `UPDATE accounts SET last_login_at = $1, password_hash = CASE WHEN $2 = '' THEN password_hash ELSE $2 END
			WHERE id = $3 AND password_hash = $4`, []any{1, "", 42, "h"}},
		{"logout (DeleteSession)", `DELETE FROM sessions WHERE token_hash = $1`, []any{[]byte("s-42")}},
		{"one-time token (ConsumeToken)", `DELETE FROM tokens WHERE token_hash = $1 AND kind = $2 RETURNING token_hash`,
			[]any{[]byte("t-42"), "reset"}},
	}
}

// seedPlans stores planRows accounts of site siteID, each with a login ID,
// a session (one in ten expired, as between two purges) and a token, in a few statements.
func seedPlans(t *testing.T, e store.Engine, raw *sql.DB, siteID int64) {
	t.Helper()
	blob := func(s string) string { return "CAST(" + s + " AS BLOB)" }
	if e == store.Postgres {
		blob = func(s string) string { return "convert_to(" + s + ", 'UTF8')" }
	}
	series := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) `, planRows)
	for _, q := range []string{
		`INSERT INTO accounts (id, site_id, uid, password_hash, created_at, updated_at) ` + series +
			fmt.Sprintf(`SELECT i, %d, 'u' || i, 'h', 1, 1 FROM n`, siteID),
		`INSERT INTO login_ids (site_id, login_id, kind, account_id) ` + series +
			fmt.Sprintf(`SELECT %d, 'u' || i || '@example.com', 'email', i FROM n`, siteID),
		`INSERT INTO sessions (site_id, account_id, token_hash, created_at, expires_at) ` + series +
			fmt.Sprintf(`SELECT %d, i, %s, 1, CASE WHEN i %% 10 = 0 THEN 2 ELSE 4102444800000 END FROM n`, siteID, blob("'s-' || i")),
		`INSERT INTO tokens (token_hash, site_id, account_id, kind, created_at, expires_at) ` + series +
			fmt.Sprintf(`SELECT %s, %d, i, 'reset', 1, 4102444800000 FROM n`, blob("'t-' || i"), siteID),
		`INSERT INTO nonces (site_id, nonce, expires_at) ` + series + fmt.Sprintf(`SELECT %d, 'n' || i, 4102444800000 FROM n`, siteID),
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if e == store.Postgres { // autovacuum would, on a real database
		if _, err := raw.Exec(`ANALYZE`); err != nil {
			t.Fatal(err)
		}
	}
}

// explainRaw is the plan of query as the engine makes it, on a connection
// of its own (no planner setting changed).
func explainRaw(t *testing.T, e store.Engine, raw *sql.DB, query string, args ...any) string {
	t.Helper()
	explain := "EXPLAIN QUERY PLAN "
	if e == store.Postgres {
		explain = "EXPLAIN "
	}
	rows, err := raw.Query(explain+query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		if s, ok := vals[len(vals)-1].(string); ok {
			out = append(out, s)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

// The hot queries, the purge's statements and search's indexed paths read
// through indexes on both engines, with planRows rows in their tables and,
// on PostgreSQL, the statistics of ANALYZE. Run with -v, it prints each
// plan: docs/benchmarks.md records them.
func TestHotQueryPlans(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			url := storetest.URL(t, e)
			db := storetest.OpenURL(t, url)
			raw := storetest.Raw(t, url)
			s := conformance.NewSite(t, db)
			seedPlans(t, e, raw, s.ID)
			scan := map[store.Engine]string{store.SQLite: "SCAN ", store.Postgres: "Seq Scan"}[e]
			check := func(name, query, plan string) {
				t.Logf("%s\n%s\n%s", name, query, plan)
				if strings.Contains(plan, scan) && !strings.Contains(plan, "VIRTUAL TABLE INDEX") {
					t.Errorf("%s reads a whole table:\n%s", name, plan)
				}
			}
			for _, q := range hotQueries(s.ID) {
				check(q.name, q.sql, explainRaw(t, e, raw, q.sql, q.args...))
			}
			// The tables seedPlans fills; on PostgreSQL, the plan of an empty
			// table is a sequential scan, rightly (TestPurgeUsesIndexes
			// checks that an index could serve each).
			seeded := map[string]bool{"sessions": true, "tokens": true, "nonces": true}
			for _, st := range store.PurgeStatements(db.Engine(), time.Now()) {
				plan := explainRaw(t, e, raw, st.SQL, st.Args...)
				if e == store.SQLite || seeded[st.Table] {
					check("purge "+st.Table, st.SQL, plan)
				}
			}
			for _, q := range []string{`SELECT * FROM accounts WHERE loginIDs.emails = "u42@example.com"`,
				`SELECT * FROM accounts WHERE profile.firstName contains "ann"`} {
				plan, err := store.ExplainSearch(context.Background(), db, s.ID, q)
				if err != nil {
					t.Fatal(err)
				}
				check("search", q, plan)
			}
		})
	}
}
