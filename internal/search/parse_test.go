package search

import (
	"strings"
	"testing"
)

func TestParseAccepts(t *testing.T) {
	for _, q := range []string{
		`SELECT * FROM accounts`,
		`select * from accounts where profile.firstName = "Eric"`,
		`SELECT count(*) FROM accounts WHERE data.age >= 18 AND NOT (data.age > 65 OR isActive = false)`,
		`SELECT UID, profile.firstName AS name, data FROM accounts ORDER BY profile.lastName DESC, created START 10 LIMIT 5`,
		`SELECT * FROM accounts WHERE profile.gender='m' AND data.tags contains "swimming"`,
		`SELECT * FROM accounts WHERE data.x in ("a", 'b', 3) OR data.y is not null OR data.z is null`,
		`SELECT * FROM accounts WHERE profile.email regex('a.*@example\\.com') AND ! data.q not contains "x y"`,
		`SELECT * FROM accounts WHERE data.n <> -1.5e3 LIMIT 20000`,
		`SELECT * FROM accounts WHERE loginIDs.emails = "a@b.c"`,
	} {
		if _, err := Parse(q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, c := range []struct{ q, want string }{
		{``, "at character 1: expected SELECT, found the end of the query"},
		{`SELECT * FROM users`, "at character 15: only FROM accounts is supported, not users"},
		{`SELECT * FROM accounts LIMIT 5 WHERE UID = "x"`, "at character 32: WHERE is out of place"},
		{`SELECT * FROM accounts WHERE UID = "x" WHERE UID = "y"`, "at character 40: WHERE is out of place"},
		{`SELECT * FROM accounts GROUP BY UID`, "at character 24: GROUP is not supported"},
		{`SELECT * FROM accounts HAVING x`, "at character 24: HAVING is not supported"},
		{`SELECT * FROM accounts WHERE profile.firstName = "Eric`, "at character 50: the string is not closed"},
		{`SELECT * FROM accounts WHERE bogus = 1`, "at character 30: unknown field bogus"},
		{`SELECT * FROM accounts WHERE data.a-b = 1`, "at character 36: unexpected character"},
		{`SELECT * FROM accounts WHERE (UID = "x"`, "at character 40: expected AND, OR or ), found the end of the query"},
		{`SELECT * FROM accounts WHERE UID ~ "x"`, "at character 34: unexpected character"},
		{`SELECT * FROM accounts WHERE UID = `, "expected a value"},
		{`SELECT * FROM accounts START 5001`, "START is at most 5000"},
		{`SELECT * FROM accounts LIMIT -1`, "LIMIT takes a whole number"},
		{`SELECT * FROM accounts WHERE data.x regex('a{1000}')`, "bad repetition"},
		{`SELECT * FROM accounts WHERE data.x regex('(a')`, "unbalanced ("},
		{`SELECT * FROM accounts WHERE data.x regex('*a')`, "repeats nothing"},
		{`SELECT upper(data.x) FROM accounts`, "the function upper is not supported"},
		{`SELECT sum(data.x), UID FROM accounts`, "at character 19: sum() is the only item of its SELECT"},
		{`SELECT UID, sum(data.x) FROM accounts`, "the function sum is not supported in SELECT"},
		{`SELECT avg(data.x AS y FROM accounts`, "at character 19: expected )"},
		{`SELECT avg(nope) FROM accounts`, "at character 12: unknown field nope"},
		{`SELECT std(data.x) FROM accounts ORDER BY UID`, "at character 34: ORDER BY cannot be used with std()"},
		{`SELECT * FROM accounts WHERE data.x contains null`, "CONTAINS takes"},
		{`SELECT * FROM accounts WHERE ` + strings.Repeat("(", 40) + `UID = "x"` + strings.Repeat(")", 40), "nested more than 32 deep"},
		{`SELECT * FROM accounts WHERE ` + strings.Repeat(`UID = "x" OR `, 100) + `UID = "y"`, "more than 100 conditions"},
		{strings.Repeat(" ", MaxQueryLength+1), "longer than 8192"},
	} {
		_, err := Parse(c.q)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.q, err, c.want)
		}
	}
}

func TestParseTree(t *testing.T) {
	q, err := Parse(`SELECT profile.firstName AS n FROM accounts WHERE a.b = 1 OR data.c = 2 AND NOT data.d is null ORDER BY data.e DESC START 2 LIMIT 20000`)
	if err == nil {
		t.Fatalf("a.b is not a field: %+v", q)
	}
	q, err = Parse(`SELECT profile.firstName AS n FROM accounts WHERE data.a = 1 OR data.c = 2 AND NOT data.d is null ORDER BY data.e DESC START 2 LIMIT 20000`)
	if err != nil {
		t.Fatal(err)
	}
	or, ok := q.Where.(*Or)
	if !ok {
		t.Fatalf("AND binds tighter than OR: %#v", q.Where)
	}
	if and, ok := or.R.(*And); !ok {
		t.Fatalf("right of OR: %#v", or.R)
	} else if _, ok := and.R.(*Not); !ok {
		t.Fatalf("NOT: %#v", and.R)
	}
	if q.Limit != MaxLimit || q.Start != 2 || !q.OrderBy[0].Desc || q.Fields[0].Alias != "n" {
		t.Fatalf("%+v", q)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`SELECT * FROM accounts WHERE data.a = 1 OR (data.c contains "x y" AND NOT data.d is null) ORDER BY data.e DESC START 2 LIMIT 3`,
		`SELECT count(*) FROM accounts WHERE data.x regex('[a-c]+(x|y){1,3}\\.')`, `SELECT UID AS u FROM accounts WHERE data.x in (1, "2", true, null)`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ParseCondition(s); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("not an *Error: %v", err)
			}
		}
		q, err := Parse(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("not an *Error: %v", err)
			}
			return
		}
		for _, d := range []Dialect{SQLite, Postgres} {
			p, err := Compile(q, Options{Dialect: d, SiteID: 1})
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("not an *Error: %v", err)
				}
				continue
			}
			// Nothing of the query reaches the SQL text but field names
			// checked against the fixed table.
			if strings.Contains(p.Where, "'") && strings.Count(p.Where, "'")%2 != 0 {
				t.Fatalf("unbalanced quote in %s", p.Where)
			}
		}
	})
}
