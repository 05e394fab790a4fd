package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	_ "modernc.org/sqlite"

	"github.com/custos-id/custos/internal/store"
	"github.com/custos-id/custos/internal/store/storetest"
)

// A schema, normalised so that the two engines can be compared: tables by
// name, each with its columns, primary key and indexes.
type schema map[string]*table

type table struct {
	columns map[string]column
	pk      string   // columns, comma-separated
	indexes []string // "name(cols)" for created indexes, "unique(cols)" for constraints
}

type column struct {
	kind    string // integer, text, bytes, boolean, json
	notNull bool
}

// difference is a deliberate difference between the engines' schemas.
type difference struct {
	table, column    string
	sqlite, postgres column
	reason           string
}

// differences are every difference the engines' schemas may have: the test
// fails on any other, and on any of these that is gone.
var differences = []difference{
	{"accounts", "active", column{"integer", true}, column{"boolean", true}, "SQLite has no boolean type: 0 and 1"},
	{"accounts", "email_verified", column{"integer", true}, column{"boolean", true}, "SQLite has no boolean type: 0 and 1"},
	{"accounts", "registered", column{"integer", true}, column{"boolean", true}, "SQLite has no boolean type: 0 and 1"},
	{"accounts", "password_change_required", column{"integer", true}, column{"boolean", true}, "SQLite has no boolean type: 0 and 1"},
	{"sites", "require_referrer", column{"integer", true}, column{"boolean", true}, "SQLite has no boolean type: 0 and 1"},
	{"sites", "screen_set_scripts", column{"integer", true}, column{"boolean", true}, "SQLite has no boolean type: 0 and 1"},
	{"oauth_clients", "require_consent", column{"integer", true}, column{"boolean", true}, "SQLite has no boolean type: 0 and 1"},
	{"oauth_auth_requests", "done", column{"integer", true}, column{"boolean", true}, "SQLite has no boolean type: 0 and 1"},
	{"admins", "disabled", column{"integer", true}, column{"boolean", true}, "SQLite has no boolean type: 0 and 1"},
	{"identities", "email_verified", column{"integer", true}, column{"boolean", true}, "SQLite has no boolean type: 0 and 1"},
	{"pending_identities", "email_verified", column{"integer", true}, column{"boolean", true}, "SQLite has no boolean type: 0 and 1"},
	{"accounts", "profile", column{"text", true}, column{"json", true}, "SQLite keeps JSON as text (its json functions read it); PostgreSQL as jsonb (00008)"},
	{"accounts", "data", column{"text", true}, column{"json", true}, "SQLite keeps JSON as text (its json functions read it); PostgreSQL as jsonb (00008)"},
	{"accounts", "preferences", column{"text", true}, column{"json", true}, "SQLite keeps JSON as text (its json functions read it); PostgreSQL as jsonb (00011)"},
	{"accounts", "subscriptions", column{"text", true}, column{"json", true}, "SQLite keeps JSON as text (its json functions read it); PostgreSQL as jsonb (00011)"},
	{"tokens", "token_hash", column{"bytes", false}, column{"bytes", true}, "SQLite lets a PRIMARY KEY column that is not INTEGER hold NULL; the store never writes one"},
	{"app_keys", "user_key", column{"text", false}, column{"text", true}, "SQLite lets a PRIMARY KEY column that is not INTEGER hold NULL; the store never writes one"},
}

// The migrations of both engines end in the same schema, but for the
// differences listed above.
func TestSchemasMatch(t *testing.T) {
	lite := readSQLite(t, migrated(t, store.SQLite))
	pg := readPostgres(t, migrated(t, store.Postgres))
	for _, d := range differences {
		for _, s := range []struct {
			schema schema
			want   column
			engine string
		}{{lite, d.sqlite, "sqlite"}, {pg, d.postgres, "postgres"}} {
			tb := s.schema[d.table]
			if tb == nil || tb.columns[d.column] != s.want {
				t.Errorf("listed difference %s.%s on %s: want %+v, have %+v", d.table, d.column, s.engine, s.want, tb)
				continue
			}
			tb.columns[d.column] = column{"(listed)", false}
		}
	}
	if got, want := slices.Sorted(maps.Keys(lite)), slices.Sorted(maps.Keys(pg)); !slices.Equal(got, want) {
		t.Fatalf("tables: sqlite %v, postgres %v", got, want)
	}
	for name, l := range lite {
		p := pg[name]
		if !maps.Equal(l.columns, p.columns) {
			t.Errorf("%s columns:\n  sqlite   %v\n  postgres %v", name, l.columns, p.columns)
		}
		if l.pk != p.pk {
			t.Errorf("%s primary key: sqlite (%s), postgres (%s)", name, l.pk, p.pk)
		}
		if !slices.Equal(l.indexes, p.indexes) {
			t.Errorf("%s indexes:\n  sqlite   %v\n  postgres %v", name, l.indexes, p.indexes)
		}
	}
}

// migrated returns a connection to a fresh database of engine e, migrated
// by the store.
func migrated(t *testing.T, e store.Engine) *sql.DB {
	t.Helper()
	u := storetest.URL(t, e)
	db, err := store.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return storetest.Raw(t, u)
}

// ignored tables are the migration tool's and SQLite's own, and SQLite's
// FTS5 index of words of 00014 with its shadow tables (PostgreSQL's is a
// column and an index, ignoredPostgres).
var ignored = map[string]bool{"goose_db_version": true, "sqlite_sequence": true, "account_words": true,
	"account_words_data": true, "account_words_idx": true, "account_words_config": true, "account_words_docsize": true}

// ignoredPostgres are PostgreSQL's index of words of 00014 (its FTS5 table
// on SQLite, above): the generated column accounts.words and its GIN index.
var ignoredPostgres = map[string]bool{"accounts.words": true, "accounts_words": true}

func readSQLite(t *testing.T, db *sql.DB) schema {
	t.Helper()
	s := schema{}
	for _, name := range queryStrings(t, db, `SELECT name FROM sqlite_master WHERE type = 'table'`) {
		if ignored[name] {
			continue
		}
		tb := &table{columns: map[string]column{}}
		s[name] = tb
		rows := query(t, db, fmt.Sprintf(`SELECT name, type, "notnull", pk FROM pragma_table_info('%s') ORDER BY pk`, name))
		var pk []string
		for _, r := range rows {
			col, typ, notNull, pkPos := r[0], strings.ToUpper(r[1]), r[2] == "1", r[3]
			kind := map[string]string{"INTEGER": "integer", "TEXT": "text", "BLOB": "bytes"}[typ]
			if kind == "" {
				t.Errorf("%s.%s: SQLite type %s has no kind", name, col, typ)
			}
			if pkPos != "0" {
				pk = append(pk, col)
				// An INTEGER PRIMARY KEY is the rowid: never NULL.
				notNull = notNull || typ == "INTEGER"
			}
			tb.columns[col] = column{kind, notNull}
		}
		tb.pk = strings.Join(pk, ",")
		for _, ix := range query(t, db, fmt.Sprintf(`SELECT name, "unique", origin FROM pragma_index_list('%s')`, name)) {
			if ix[2] == "pk" {
				continue
			}
			cols := strings.Join(queryStrings(t, db, fmt.Sprintf(`SELECT name FROM pragma_index_info('%s') ORDER BY seqno`, ix[0])), ",")
			tb.indexes = append(tb.indexes, indexName(ix[0], ix[1] == "1", ix[2] == "u", cols))
		}
		slices.Sort(tb.indexes)
	}
	return s
}

func readPostgres(t *testing.T, db *sql.DB) schema {
	t.Helper()
	s := schema{}
	kinds := map[string]string{"bigint": "integer", "integer": "integer", "text": "text", "bytea": "bytes",
		"boolean": "boolean", "jsonb": "json"}
	for _, r := range query(t, db, `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
		WHERE table_schema = current_schema()`) {
		if ignored[r[0]] || ignoredPostgres[r[0]+"."+r[1]] {
			continue
		}
		tb := s[r[0]]
		if tb == nil {
			tb = &table{columns: map[string]column{}}
			s[r[0]] = tb
		}
		kind := kinds[r[2]]
		if kind == "" {
			t.Errorf("%s.%s: PostgreSQL type %s has no kind", r[0], r[1], r[2])
		}
		tb.columns[r[1]] = column{kind, r[3] == "NO"}
	}
	for _, r := range query(t, db, `
		SELECT t.relname, i.relname, ix.indisunique, ix.indisprimary,
		       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid),
		       array_to_string(ARRAY(
		           SELECT a.attname FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
		           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',')
		FROM pg_index ix
		JOIN pg_class t ON t.oid = ix.indrelid
		JOIN pg_class i ON i.oid = ix.indexrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = current_schema()`) {
		tb := s[r[0]]
		if tb == nil || ignoredPostgres[r[1]] {
			continue // goose's, or listed
		}
		if r[3] == "true" {
			tb.pk = r[5]
			continue
		}
		tb.indexes = append(tb.indexes, indexName(r[1], r[2] == "true", r[4] == "true", r[5]))
	}
	for _, tb := range s {
		slices.Sort(tb.indexes)
	}
	return s
}

// indexName names an index for the comparison: by its name when a
// migration created it, by its columns when a UNIQUE constraint did (each
// engine names those its own way).
func indexName(name string, unique, constraint bool, cols string) string {
	switch {
	case constraint:
		return "unique(" + cols + ")"
	case unique:
		return "unique " + name + "(" + cols + ")"
	}
	return name + "(" + cols + ")"
}

func query(t *testing.T, db *sql.DB, q string) [][]string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	var out []string
	for _, r := range query(t, db, q) {
		out = append(out, r[0])
	}
	return out
}

// Migration 00008 turns profile and data into jsonb in place: an account
// written before it reads the same after it.
func TestMigrateJSONBKeepsRows(t *testing.T) {
	ctx := context.Background()
	u := storetest.URL(t, store.Postgres)
	raw := storetest.Raw(t, u)
	dir, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(database.DialectPostgres, raw, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	var siteID int64
	if err := raw.QueryRow(`INSERT INTO sites (name, api_key, secret_sealed, created_at, updated_at)
		VALUES ('s', '3_j', '\x01', 1, 1) RETURNING id`).Scan(&siteID); err != nil {
		t.Fatal(err)
	}
	const profile = `{"z": 1, "a": {"deep": [1, 2.50, "x"]}, "name": "Zoë"}`
	// What jsonb refuses, an old server stored: a NUL escape; beside one,
	// text that only looks like one (an escaped backslash, then "u0000")
	// stays as it is.
	const nul = `{"first":"a\u0000b"}`
	const mixed = `{"nul":"\u0000","lit":"lit \\u0000 text","both":"\\\u0000","three":"\\\\u0000"}`
	if _, err := raw.Exec(`INSERT INTO accounts (site_id, uid, profile, data, created_at, updated_at)
		VALUES ($1, 'u1', $2, '{}', 1, 1), ($1, 'u2', DEFAULT, DEFAULT, 1, 1), ($1, 'u4', '{}', $3, 1, 1),
		($1, 'u5', $4, '{}', 1, 1)`,
		siteID, profile, nul, mixed); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var typ string
	if err := raw.QueryRow(`SELECT data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'accounts' AND column_name = 'profile'`).Scan(&typ); err != nil || typ != "jsonb" {
		t.Fatalf("profile is %q, %v", typ, err)
	}
	db, err := store.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for uid, want := range map[string]string{"u1": `{"a":{"deep":[1,2.50,"x"]},"name":"Zoë","z":1}`, "u2": `{}`} {
		a, err := db.AccountByUID(ctx, siteID, uid)
		if err != nil {
			t.Fatal(err)
		}
		// Compared as decoded values: jsonb has its own key order.
		if got := fmt.Sprint(a.Profile); got != fmt.Sprint(decode(t, want)) || len(a.Data) != 0 {
			t.Errorf("%s: profile %v, data %v", uid, a.Profile, a.Data)
		}
	}
	if a, err := db.AccountByUID(ctx, siteID, "u4"); err != nil || a.Data["first"] != "a\ufffdb" {
		t.Fatalf("u4: data %q, %v; want the NUL replaced", a.Data, err)
	}
	want := map[string]any{"nul": "\ufffd", "lit": `lit \u0000 text`, "both": "\\\ufffd", "three": `\\u0000`}
	if a, err := db.AccountByUID(ctx, siteID, "u5"); err != nil || !maps.Equal(a.Profile, want) {
		t.Fatalf("u5: profile %q, %v; want %q", a.Profile, err, want)
	}
	// A row written after it takes the jsonb defaults.
	if _, err := raw.Exec(`INSERT INTO accounts (site_id, uid, created_at, updated_at) VALUES ($1, 'u3', 1, 1)`, siteID); err != nil {
		t.Fatal(err)
	}
	if a, err := db.AccountByUID(ctx, siteID, "u3"); err != nil || len(a.Profile) != 0 || a.Profile == nil {
		t.Fatalf("u3: %+v, %v", a, err)
	}
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Migration 00009 down keeps one key per site: the one that signs now, not a
// newer one still pending (it never signed, so no token names it).
func TestMigrateKeySetsDown(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			raw := storetest.Raw(t, storetest.URL(t, e))
			p := migrations(t, e, raw)
			if _, err := p.UpTo(ctx, 9); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UnixMilli()
			const hour = int64(time.Hour / time.Millisecond)
			for _, q := range []string{
				`INSERT INTO sites (id, name, api_key, secret_sealed, created_at, updated_at) VALUES
					(1, 's1', '3_a', X'01', 1, 1), (2, 's2', '3_b', X'01', 1, 1), (3, 's3', '3_c', X'01', 1, 1)`,
				fmt.Sprintf(`INSERT INTO site_keys (site_id, kid, alg, private_sealed, created_at, activate_at, retired_at) VALUES
					(1, 'retired', 'RS256', X'01', 1, %[1]d, %[2]d),
					(1, 'signing', 'RS256', X'01', 1, %[2]d, %[3]d),
					(1, 'pending', 'RS256', X'01', 1, %[3]d, %[4]d),
					(1, 'queued', 'RS256', X'01', 1, %[4]d, NULL),
					(2, 'only', 'RS256', X'01', 1, %[1]d, NULL),
					(3, 'ahead', 'RS256', X'01', 1, %[3]d, %[4]d),
					(3, 'ahead2', 'RS256', X'01', 1, %[4]d, NULL)`, now-2*hour, now-hour, now+hour, now+2*hour),
			} {
				if e == store.Postgres {
					q = strings.ReplaceAll(q, "X'01'", `'\x01'::bytea`)
				}
				if _, err := raw.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := p.DownTo(ctx, 8); err != nil {
				t.Fatal(err)
			}
			got := query(t, raw, `SELECT site_id, kid FROM site_keys ORDER BY site_id`)
			want := [][]string{{"1", "signing"}, {"2", "only"}, {"3", "ahead"}}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("keys after down: %v, want %v", got, want)
			}
			if _, err := p.Up(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
		})
	}
}

// Migration 00011: sites and accounts written before it read with no
// schema and empty preferences and subscriptions; down and up again keep
// the rest.
func TestMigrateSchemas(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			u := storetest.URL(t, e)
			raw := storetest.Raw(t, u)
			// Migration 00010 is Go code of package store: run in its place.
			p := migrations(t, e, raw, goose.WithGoMigrations(
				goose.NewGoMigration(10, &goose.GoFunc{Mode: goose.TransactionEnabled}, nil)))
			if _, err := p.UpTo(ctx, 10); err != nil {
				t.Fatal(err)
			}
			secret := "X'01'"
			if e == store.Postgres {
				secret = `'\x01'::bytea`
			}
			for _, q := range []string{
				`INSERT INTO sites (id, name, api_key, secret_sealed, created_at, updated_at) VALUES (1, 's', '3_m', ` + secret + `, 1, 1)`,
				`INSERT INTO accounts (site_id, uid, data, created_at, updated_at) VALUES (1, 'u1', '{"a":1}', 1, 1)`,
			} {
				if _, err := raw.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			for _, step := range []func() error{
				func() error { _, err := p.Up(ctx); return err },
				func() error { _, err := p.DownTo(ctx, 10); return err },
				func() error { _, err := p.Up(ctx); return err },
			} {
				if err := step(); err != nil {
					t.Fatal(err)
				}
			}
			db, err := store.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			s, err := db.SiteByID(ctx, 1)
			// 00012 pins the login identifiers of sites that never set them.
			var pol map[string]map[string]string
			if err == nil {
				err = json.Unmarshal([]byte(s.Policies), &pol)
			}
			if err != nil || s.Schema != "" || len(pol) != 1 || pol["accountOptions"]["loginIdentifiers"] != "email" {
				t.Fatalf("site: %+v, %v", s, err)
			}
			a, err := db.AccountByUID(ctx, 1, "u1")
			if err != nil || a.Preferences == nil || len(a.Preferences) != 0 || a.Subscriptions == nil || len(a.Subscriptions) != 0 ||
				fmt.Sprint(a.Data) != "map[a:1]" {
				t.Fatalf("account: %+v, %v", a, err)
			}
			if used, err := db.FieldInUse(ctx, 1, "preferences", []string{"terms"}); used || err != nil {
				t.Fatalf("FieldInUse on the defaults: %v, %v", used, err)
			}
		})
	}
}
