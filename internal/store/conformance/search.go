package conformance

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/search"
	"github.com/custos-id/custos/internal/store"
)

func init() {
	register("search", testSearch, "SearchAccounts")
}

// searchSchema types some data fields, so that values compare as the
// schema says rather than as they are written.
var searchSchema = schema.Schema{Data: map[string]schema.Field{
	"age": {Type: schema.Integer}, "zip": {Type: schema.String}, "vip": {Type: schema.Boolean}}}

type seed struct {
	uid           string
	profile, data string
	ids           []account.LoginID
	active        bool
	lastLogin     time.Duration
}

// searchSeeds are the accounts of the corpus, created an hour apart in
// this order.
var searchSeeds = []seed{
	{"u01", `{"firstName":"Eric","lastName":"Smith","gender":"m"}`,
		`{"age":30,"zip":"01234","tags":["swimming","chess"],"bio":"likes long walks on the beach","vip":true,"score":1.5}`,
		[]account.LoginID{email("eric@example.com"), username("eric")}, true, 10 * time.Hour},
	{"u02", `{"firstName":"Anna","lastName":"Smith","gender":"f"}`,
		`{"age":25,"zip":"99999","tags":["chess"],"bio":"beach_volleyball player","vip":false}`,
		[]account.LoginID{email("anna@example.com")}, true, 20 * time.Hour},
	{"u03", `{"firstName":"anna","lastName":"Öberg","gender":"f"}`, `{"age":"40","bio":"Walks"}`,
		[]account.LoginID{email("anna.o@example.com")}, false, 0},
	{"u04", `{"firstName":"Bob"}`, `{"age":65,"tags":[],"nested":{"level":{"deep":"x"}}}`,
		[]account.LoginID{username("bob")}, true, 0},
	{"u05", `{}`, `{"esc":"one\ntwo\\nthree\u0001four \"five\" six\\u0001seven"}`, nil, true, 0},
	{"u06", `{"firstName":"Zoë","lastName":"Ng"}`, `{"age":18,"zip":12345,"bio":"Zoë loves café"}`,
		[]account.LoginID{email("zoe@example.com")}, true, 0},
	{"u07", `{"firstName":"Eve","lastName":null}`, `{"age":70,"score":-2,"vip":null}`, nil, true, 0},
	{"u08", `{"firstName":"Eric","lastName":"Jones"}`, `{"age":30,"tags":["swimming"],"note":"a.b*c"}`,
		[]account.LoginID{email("eric.jones@example.com")}, true, 0},
}

// searchCorpus are queries and the UIDs they find, in order.
var searchCorpus = []struct {
	q    string
	want string // UIDs, space-separated
}{
	// every account, in id order
	{`SELECT * FROM accounts`, "u01 u02 u03 u04 u05 u06 u07 u08"},
	{`select * from ACCOUNTS where UID = "u03"`, "u03"},
	{`SELECT * FROM accounts WHERE UID != "u03"`, "u01 u02 u04 u05 u06 u07 u08"},
	{`SELECT * FROM accounts WHERE UID > "u06"`, "u07 u08"},
	{`SELECT * FROM accounts WHERE UID >= "u06"`, "u06 u07 u08"},
	{`SELECT * FROM accounts WHERE UID < "u02"`, "u01"},
	{`SELECT * FROM accounts WHERE UID <= "u02"`, "u01 u02"},
	{`SELECT * FROM accounts WHERE UID in ("u02", "u05", "nope")`, "u02 u05"},
	{`SELECT * FROM accounts WHERE UID regex('u0[1-3]')`, "u01 u02 u03"},
	{`SELECT * FROM accounts WHERE UID regex('u0')`, ""},
	{`SELECT * FROM accounts WHERE UID is null`, ""},
	{`SELECT * FROM accounts WHERE UID is not null`, "u01 u02 u03 u04 u05 u06 u07 u08"},
	// = is case-sensitive
	{`SELECT * FROM accounts WHERE profile.firstName = "Eric"`, "u01 u08"},
	{`SELECT * FROM accounts WHERE profile.firstName = 'anna'`, "u03"},
	{`SELECT * FROM accounts WHERE profile.firstName = "Zoë"`, "u06"},
	{`SELECT * FROM accounts WHERE profile.firstName != "Eric"`, "u02 u03 u04 u05 u06 u07"},
	{`SELECT * FROM accounts WHERE NOT profile.firstName = "Eric"`, "u02 u03 u04 u05 u06 u07"},
	{`SELECT * FROM accounts WHERE ! profile.firstName = "Eric"`, "u02 u03 u04 u05 u06 u07"},
	{`SELECT * FROM accounts WHERE profile.firstName > "Eric"`, "u03 u06 u07"},
	{`SELECT * FROM accounts WHERE profile.firstName < "B"`, "u02"},
	{`SELECT * FROM accounts WHERE profile.lastName is null`, "u04 u05 u07"},
	{`SELECT * FROM accounts WHERE profile.lastName is not null`, "u01 u02 u03 u06 u08"},
	{`SELECT * FROM accounts WHERE profile.lastName = null`, "u04 u05 u07"},
	{`SELECT * FROM accounts WHERE profile.lastName != null`, "u01 u02 u03 u06 u08"},
	{`SELECT * FROM accounts WHERE profile.gender in ("m", "f")`, "u01 u02 u03"},
	{`SELECT * FROM accounts WHERE profile.gender='f' AND profile.lastName = "Smith"`, "u02"},
	{`SELECT * FROM accounts WHERE profile.gender='m' OR profile.firstName = "Bob"`, "u01 u04"},
	{`SELECT * FROM accounts WHERE profile.firstName = "Eric" OR profile.firstName = "Anna" AND profile.gender = "m"`, "u01 u08"},
	{`SELECT * FROM accounts WHERE (profile.firstName = "Eric" OR profile.firstName = "Anna") AND profile.gender = "m"`, "u01"},
	{`SELECT * FROM accounts WHERE NOT (profile.firstName = "Eric" OR profile.gender = "f")`, "u04 u05 u06 u07"},
	{`SELECT * FROM accounts WHERE profile.firstName regex('[Aa]nna')`, "u02 u03"},
	{`SELECT * FROM accounts WHERE profile.firstName regex('E.*')`, "u01 u07 u08"},
	{`SELECT * FROM accounts WHERE profile.firstName regex('E(ric|ve)')`, "u01 u07 u08"},
	{`SELECT * FROM accounts WHERE profile.firstName regex('Zo.')`, "u06"},
	{`SELECT * FROM accounts WHERE profile.firstName regex('[^E].{2,3}')`, "u02 u03 u04 u06"},
	{`SELECT * FROM accounts WHERE profile.lastName regex('Sm?ith')`, "u01 u02"},
	// data.age is an integer: numbers compare as numbers, the string "40" is not one
	{`SELECT * FROM accounts WHERE data.age = 30`, "u01 u08"},
	{`SELECT * FROM accounts WHERE data.age = "30"`, "u01 u08"},
	{`SELECT * FROM accounts WHERE data.age > 25`, "u01 u04 u07 u08"},
	{`SELECT * FROM accounts WHERE data.age >= 25 AND data.age < 65`, "u01 u02 u08"},
	{`SELECT * FROM accounts WHERE data.age <= 18`, "u06"},
	{`SELECT * FROM accounts WHERE data.age != 30`, "u02 u03 u04 u05 u06 u07"},
	{`SELECT * FROM accounts WHERE data.age in (18, 70)`, "u06 u07"},
	{`SELECT * FROM accounts WHERE data.age is null`, "u05"},
	// an untyped field compares as its literal: numbers with numbers
	{`SELECT * FROM accounts WHERE data.score < 0`, "u07"},
	{`SELECT * FROM accounts WHERE data.score >= 1.5`, "u01"},
	{`SELECT * FROM accounts WHERE data.score > -3.5e0`, "u01 u07"},
	// data.zip is a string: a number literal is its text
	{`SELECT * FROM accounts WHERE data.zip = "01234"`, "u01"},
	{`SELECT * FROM accounts WHERE data.zip = 99999`, "u02"},
	{`SELECT * FROM accounts WHERE data.zip > "1"`, "u02"},
	// booleans
	{`SELECT * FROM accounts WHERE data.vip = true`, "u01"},
	{`SELECT * FROM accounts WHERE data.vip = false`, "u02"},
	{`SELECT * FROM accounts WHERE data.vip != true`, "u02 u03 u04 u05 u06 u07 u08"},
	{`SELECT * FROM accounts WHERE data.vip is null`, "u03 u04 u05 u06 u07 u08"},
	{`SELECT * FROM accounts WHERE isActive = false`, "u03"},
	{`SELECT * FROM accounts WHERE isActive = true AND isVerified = false`, "u01 u02 u04 u05 u06 u07 u08"},
	{`SELECT * FROM accounts WHERE isRegistered = "false"`, "u01 u02 u03 u04 u05 u06 u07 u08"},
	// contains: whole words, case-sensitive; arrays: an equal element
	{`SELECT * FROM accounts WHERE data.bio contains "beach"`, "u01 u02"},
	{`SELECT * FROM accounts WHERE data.bio contains "walks"`, "u01"},
	{`SELECT * FROM accounts WHERE data.bio contains "Walks"`, "u03"},
	{`SELECT * FROM accounts WHERE data.bio contains "walk"`, ""},
	{`SELECT * FROM accounts WHERE data.bio contains "long walks"`, "u01"},
	{`SELECT * FROM accounts WHERE data.bio contains "walks long"`, ""},
	{`SELECT * FROM accounts WHERE data.bio contains "volleyball"`, "u02"},
	{`SELECT * FROM accounts WHERE data.bio contains "café"`, "u06"},
	{`SELECT * FROM accounts WHERE data.bio not contains "beach"`, "u03 u04 u05 u06 u07 u08"},
	{`SELECT * FROM accounts WHERE data.tags contains "swimming"`, "u01 u08"},
	{`SELECT * FROM accounts WHERE data.tags contains "chess" AND NOT data.tags contains "swimming"`, "u02"},
	{`SELECT * FROM accounts WHERE data.tags contains "swim"`, ""},
	{`SELECT * FROM accounts WHERE data.note contains "swimming"`, ""},
	{`SELECT * FROM accounts WHERE data.bio contains "cafe"`, ""},
	{`SELECT * FROM accounts WHERE data.bio contains "Zoë loves"`, "u06"},
	{`SELECT * FROM accounts WHERE data.bio contains "loves café" OR data.bio contains "beach"`, "u01 u02 u06"},
	{`SELECT * FROM accounts WHERE profile.lastName contains "Smith" AND data.age > 26`, "u01"},
	{`SELECT * FROM accounts WHERE profile.lastName contains "Öberg"`, "u03"},
	{`SELECT * FROM accounts WHERE data.score contains "1.5"`, ""},
	{`SELECT * FROM accounts WHERE data.note contains "b"`, "u08"},
	// Where the index of words (00014) splits, folds or holds more than the
	// exact check: JSON escapes in PostgreSQL's text of the object (a new
	// line, a backslash before a letter, a control character, quotes), keys,
	// case.
	{`SELECT * FROM accounts WHERE data.esc contains "one two"`, "u05"},
	{`SELECT * FROM accounts WHERE data.esc contains "nthree"`, "u05"},
	{`SELECT * FROM accounts WHERE data.esc contains "three"`, ""},
	{`SELECT * FROM accounts WHERE data.esc contains "four"`, "u05"},
	{`SELECT * FROM accounts WHERE data.esc contains "five six"`, "u05"},
	{`SELECT * FROM accounts WHERE data.esc contains "u0001seven"`, "u05"},
	{`SELECT * FROM accounts WHERE data.esc contains "seven"`, ""},
	{`SELECT * FROM accounts WHERE data.esc contains "esc"`, ""},
	{`SELECT * FROM accounts WHERE data.bio contains "bio"`, ""},
	{`SELECT * FROM accounts WHERE profile.lastName contains "smith"`, ""},
	{`SELECT * FROM accounts WHERE profile.firstName contains "Zoë"`, "u06"},
	{`SELECT * FROM accounts WHERE data.bio contains "Zoë" AND profile.lastName contains "Ng"`, "u06"},
	{`SELECT * FROM accounts WHERE data.note regex('a\.b\*c')`, "u08"},
	{`SELECT * FROM accounts WHERE data.note regex('a.b.c')`, "u08"},
	{`SELECT * FROM accounts WHERE data.nested.level.deep = "x"`, "u04"},
	{`SELECT * FROM accounts WHERE data.nested.level is not null`, "u04"},
	{`SELECT * FROM accounts WHERE data.tags is not null`, "u01 u02 u04 u08"},
	// login IDs: equality through login_ids, emails without case
	{`SELECT * FROM accounts WHERE loginIDs.emails = "ERIC@example.com"`, "u01"},
	{`SELECT * FROM accounts WHERE email = "anna.o@example.com"`, "u03"},
	{`SELECT * FROM accounts WHERE loginIDs.emails in ("anna@example.com", "zoe@example.com")`, "u02 u06"},
	{`SELECT * FROM accounts WHERE loginIDs.emails != "anna@example.com"`, "u01 u03 u04 u05 u06 u07 u08"},
	{`SELECT * FROM accounts WHERE loginIDs.emails contains "Zoe@Example.com"`, "u06"},
	{`SELECT * FROM accounts WHERE loginIDs.username = "bob"`, "u04"},
	{`SELECT * FROM accounts WHERE loginIDs.emails is null`, "u04 u05 u07"},
	{`SELECT * FROM accounts WHERE loginIDs.username is not null`, "u01 u04"},
	// times: ISO 8601 or Unix ms
	{`SELECT * FROM accounts WHERE created >= "2026-11-22T13:00:00.123Z"`, "u04 u05 u06 u07 u08"},
	{`SELECT * FROM accounts WHERE createdTimestamp < 1795341600123`, ""},
	{`SELECT * FROM accounts WHERE createdTimestamp <= 1795341600123`, "u01"},
	{`SELECT * FROM accounts WHERE createdTimestamp in (1795341600123, 1795345200123)`, "u01 u02"},
	{`SELECT * FROM accounts WHERE lastLogin is not null`, "u01 u02"},
	{`SELECT * FROM accounts WHERE lastLogin > "2026-11-22T15:00:00Z"`, "u01 u02"},
	{`SELECT * FROM accounts WHERE lastLogin > "2026-11-23"`, "u02"},
	// ORDER BY, START, LIMIT
	{`SELECT * FROM accounts ORDER BY UID DESC`, "u08 u07 u06 u05 u04 u03 u02 u01"},
	{`SELECT * FROM accounts ORDER BY data.age`, "u03 u05 u06 u02 u01 u08 u04 u07"},
	{`SELECT * FROM accounts ORDER BY data.age DESC`, "u07 u04 u01 u08 u02 u06 u03 u05"},
	{`SELECT * FROM accounts WHERE profile.lastName is not null ORDER BY profile.lastName, profile.firstName`, "u08 u06 u02 u01 u03"},
	{`SELECT * FROM accounts ORDER BY lastLogin DESC START 1 LIMIT 2`, "u01 u03"},
	{`SELECT * FROM accounts ORDER BY isActive, created DESC LIMIT 3`, "u03 u08 u07"},
	{`SELECT * FROM accounts START 6`, "u07 u08"},
	{`SELECT * FROM accounts LIMIT 2`, "u01 u02"},
	{`SELECT * FROM accounts LIMIT 0`, ""},
	{`SELECT UID, profile.firstName AS name FROM accounts WHERE data.age > 60 ORDER BY data.age DESC`, "u07 u04"},
}

func testSearch(t *testing.T, db *store.DB) {
	s, other := NewSite(t, db), NewSite(t, db)
	for i, sd := range searchSeeds {
		created := t0.Add(time.Duration(i) * time.Hour)
		a := account.Account{SiteID: s.ID, UID: sd.uid, PasswordHash: "h", Active: sd.active, CreatedAt: created, UpdatedAt: created}
		if sd.lastLogin != 0 {
			a.LastLoginAt = t0.Add(sd.lastLogin)
		}
		for src, into := range map[string]*map[string]any{sd.profile: &a.Profile, sd.data: &a.Data} {
			dec := json.NewDecoder(strings.NewReader(src))
			dec.UseNumber()
			if err := dec.Decode(into); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateAccount(ctx, &a, Stored(sd.ids...)); err != nil {
			t.Fatal(err)
		}
	}
	// What another site holds is never found.
	twin := account.Account{SiteID: other.ID, UID: "u01", Profile: map[string]any{"firstName": "Eric"}, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateAccount(ctx, &twin, Stored(email("eric@example.com"))); err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, query string, page account.SearchPage) ([]string, int) {
		t.Helper()
		q, err := search.Parse(query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		if page.Limit == 0 {
			page.Limit = q.Limit
			page.Offset = q.Start
		}
		res, err := db.SearchAccounts(ctx, s.ID, searchSchema, q, page)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		uids := []string{}
		for _, a := range res.Accounts {
			uids = append(uids, a.UID)
		}
		return uids, res.Total
	}
	for _, c := range searchCorpus {
		got, total := run(t, c.q, account.SearchPage{})
		want := strings.Fields(c.want)
		if !slices.Equal(got, want) {
			t.Errorf("%s\n got %v\nwant %v", c.q, got, want)
		}
		if q, _ := search.Parse(c.q); q.Start == 0 && !q.HasLimit && total != len(want) {
			t.Errorf("%s: total %d, want %d", c.q, total, len(want))
		}
	}
	// Keyset pages (a cursor's) of every query of the corpus, one to three
	// accounts at a time, give what the query gives at once: the keys of
	// ORDER BY, missing values among them, continue where a page ended.
	t.Run("keyset pages", func(t *testing.T) {
		for _, c := range searchCorpus {
			q, _ := search.Parse(c.q)
			if q.Start > 0 || q.HasLimit {
				continue
			}
			for size := 1; size <= 3; size++ {
				var all []string
				page := account.SearchPage{Limit: size}
				for range 20 {
					res, err := db.SearchAccounts(ctx, s.ID, searchSchema, q, page)
					if err != nil {
						t.Fatalf("%s: %v", c.q, err)
					}
					if len(res.Accounts) == 0 {
						break
					}
					for _, a := range res.Accounts {
						all = append(all, a.UID)
					}
					page.AfterID, page.After = res.Accounts[len(res.Accounts)-1].ID, res.Keys[len(res.Keys)-1]
				}
				if got := strings.Join(all, " "); got != c.want {
					t.Errorf("%s, %d a page:\n got %s\nwant %s", c.q, size, got, c.want)
				}
			}
		}
	})
	t.Run("count only", func(t *testing.T) {
		q, _ := search.Parse(`SELECT count(*) FROM accounts WHERE profile.firstName = "Eric"`)
		res, err := db.SearchAccounts(ctx, s.ID, searchSchema, q, account.SearchPage{})
		if err != nil || len(res.Accounts) != 0 || res.Total != 2 {
			t.Fatalf("count = %d, %v, %v", res.Total, res.Accounts, err)
		}
	})
	// Aggregates over data.age, which the schema types as an integer: 30,
	// 25, 65, 18, 70 and 30 (u03's "40" is a string, u05 has none).
	t.Run("aggregates", func(t *testing.T) {
		none := math.NaN()
		for _, c := range []struct {
			q    string
			want float64 // NaN: no value
		}{
			{`SELECT sum(data.age) FROM accounts`, 238},
			{`SELECT min(data.age) FROM accounts`, 18},
			{`SELECT max(data.age) FROM accounts`, 70},
			{`SELECT avg(data.age) FROM accounts`, 238.0 / 6},
			{`SELECT sum_of_squares(data.age) FROM accounts`, 11874},
			{`SELECT variance(data.age) FROM accounts`, (11874 - 238.0*238/6) / 6},
			{`SELECT std(data.age) AS spread FROM accounts`, math.Sqrt((11874 - 238.0*238/6) / 6)},
			{`SELECT SUM(data.age) FROM accounts WHERE profile.firstName = "Eric" LIMIT 1`, 60},
			{`SELECT variance(data.age) FROM accounts WHERE profile.firstName = "Eric"`, 0},
			{`SELECT avg(data.age) FROM accounts WHERE data.bio contains "beach"`, 27.5},
			{`SELECT sum(data.age) FROM accounts WHERE UID = "u03"`, 0},
			{`SELECT sum(data.age) FROM accounts WHERE data.age > 100`, 0},
			{`SELECT sum_of_squares(data.age) FROM accounts WHERE data.age > 100`, 0},
			{`SELECT min(data.age) FROM accounts WHERE data.age > 100`, none},
			{`SELECT max(data.age) FROM accounts WHERE UID = "u05"`, none},
			{`SELECT avg(data.age) FROM accounts WHERE data.age > 100`, none},
			{`SELECT variance(data.age) FROM accounts WHERE data.age > 100`, none},
			{`SELECT std(data.age) FROM accounts WHERE data.age > 100`, none},
		} {
			q, err := search.Parse(c.q)
			if err != nil {
				t.Fatalf("%s: %v", c.q, err)
			}
			res, err := db.SearchAccounts(ctx, s.ID, searchSchema, q, account.SearchPage{})
			if err != nil {
				t.Fatalf("%s: %v", c.q, err)
			}
			switch {
			case len(res.Accounts) != 0:
				t.Errorf("%s: accounts %v", c.q, res.Accounts)
			case math.IsNaN(c.want) && res.Value != nil:
				t.Errorf("%s = %v, want none", c.q, *res.Value)
			case !math.IsNaN(c.want) && (res.Value == nil || math.Abs(*res.Value-c.want) > 1e-9*math.Max(1, c.want)):
				t.Errorf("%s = %v, want %v", c.q, res.Value, c.want)
			}
		}
	})
	// Past a double's range: an infinity on both engines, not an error
	// (PostgreSQL computes in numeric, SQLite in doubles).
	t.Run("aggregates past a double", func(t *testing.T) {
		big := NewSite(t, db)
		for _, uid := range []string{"b1", "b2"} {
			a := account.Account{SiteID: big.ID, UID: uid, Data: map[string]any{"age": json.Number("1e308")}, CreatedAt: t0, UpdatedAt: t0}
			if err := db.CreateAccount(ctx, &a, nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, fn := range search.Aggregates {
			q, _ := search.Parse(`SELECT ` + fn + `(data.age) FROM accounts`)
			res, err := db.SearchAccounts(ctx, big.ID, searchSchema, q, account.SearchPage{})
			if err != nil || res.Value == nil {
				t.Fatalf("%s: %v, %v", fn, res.Value, err)
			}
			want := map[string]float64{"sum": math.Inf(1), "sum_of_squares": math.Inf(1), "min": 1e308, "max": 1e308}
			if w, ok := want[fn]; ok && *res.Value != w {
				t.Errorf("%s = %v, want %v", fn, *res.Value, w)
			}
		}
	})
	t.Run("refused when compiled", func(t *testing.T) {
		for _, c := range []struct{ q, want string }{
			{`SELECT * FROM accounts WHERE data.age = "old"`, "at character 41: data.age holds numbers"},
			{`SELECT * FROM accounts WHERE data.age < true`, "at character 41: data.age holds numbers"},
			{`SELECT * FROM accounts WHERE data.vip > true`, "data.vip compares with = or != to true or false"},
			{`SELECT * FROM accounts WHERE isActive = 1`, "isActive compares with = or != to true or false"},
			{`SELECT * FROM accounts WHERE created = "yesterday"`, "at character 40: a time is"},
			{`SELECT * FROM accounts WHERE loginIDs.emails > "a"`, "at character 30: > cannot be used with loginIDs.emails"},
			{`SELECT * FROM accounts WHERE email regex('a.*')`, "REGEX cannot be used with email"},
			{`SELECT * FROM accounts ORDER BY email`, "ORDER BY cannot be used with email"},
			{`SELECT * FROM accounts WHERE isActive contains "x"`, "CONTAINS cannot be used with isActive"},
			{`SELECT * FROM accounts WHERE data.bio contains "..."`, "CONTAINS needs at least one word"},
			{`SELECT * FROM accounts WHERE data.age < null`, "null compares only with = and !="},
			{`SELECT sum(data.zip) FROM accounts`, "at character 12: sum() needs a field the schema types as a number (integer, long or float), not data.zip"},
			{`SELECT avg(data.score) FROM accounts`, "at character 12: avg() needs a field the schema types as a number"},
			{`SELECT min(created) FROM accounts`, "min() needs a field the schema types as a number"},
			{`SELECT max(data.age) FROM accounts ORDER BY data.age`, "at character 36: ORDER BY cannot be used with max()"},
		} {
			q, err := search.Parse(c.q)
			if err == nil {
				_, err = db.SearchAccounts(ctx, s.ID, searchSchema, q, account.SearchPage{Limit: 10})
			}
			var se *search.Error
			if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want %q", c.q, err, c.want)
			}
		}
	})
	t.Run("contains follows changes", func(t *testing.T) {
		find := func(query string) string {
			got, _ := run(t, query, account.SearchPage{})
			return strings.Join(got, " ")
		}
		a, err := db.AccountByUID(ctx, s.ID, "u02")
		if err != nil {
			t.Fatal(err)
		}
		prev := a.UpdatedAt
		a.Data["bio"], a.UpdatedAt = "sunset rider", a.UpdatedAt.Add(time.Second)
		if err := db.UpdateAccount(ctx, &a, prev); err != nil {
			t.Fatal(err)
		}
		if got := find(`SELECT * FROM accounts WHERE data.bio contains "sunset"`); got != "u02" {
			t.Errorf("new words: %q", got)
		}
		if got := find(`SELECT * FROM accounts WHERE data.bio contains "volleyball"`); got != "" {
			t.Errorf("old words: %q", got)
		}
		b, _ := db.AccountByUID(ctx, s.ID, "u01")
		if err := db.DeleteAccount(ctx, s.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if got := find(`SELECT * FROM accounts WHERE data.bio contains "beach"`); got != "" {
			t.Errorf("a deleted account: %q", got)
		}
	})
}
