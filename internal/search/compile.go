package search

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/custos-id/custos/internal/schema"
)

// Dialect is the SQL engine a query is compiled for.
type Dialect int

// The dialects.
const (
	SQLite Dialect = iota
	Postgres
)

// Plan is a compiled query: a condition on accounts (aliased a) that
// always constrains the site, the ORDER BY list (ending with a.id), and
// the arguments of both, numbered from $1.
type Plan struct {
	Where   string
	OrderBy string
	// Keys are the expressions of ORDER BY (without a.id), Desc their
	// directions: what a keyset cursor continues after.
	Keys []string
	Desc []bool
	Args []any
	// WhereArgs is how many of Args Where takes (the first ones).
	WhereArgs int
	// Aggregate is the query's aggregate as SQL, over the column x of a
	// relation v that holds Value for each match (see AggregateSQL).
	Aggregate string
	Value     string
}

// AggregateSQL is the query of a plan's aggregate: one row, one column
// (a number, NULL when there is nothing to compute over).
func (p *Plan) AggregateSQL() string {
	return "WITH v AS (SELECT " + p.Value + " AS x FROM accounts a WHERE " + p.Where + ") " + p.Aggregate
}

// aggregates are the SQL of each aggregate over v.x, the same on both
// engines: nulls are ignored; a sum of nothing is 0; variance
// and std are the population's (Elasticsearch's extended_stats, which
// Gigya's search is taken to run on), computed in two passes.
var aggregates = map[string]string{
	"sum":            "SELECT COALESCE(sum(x), 0) FROM v",
	"min":            "SELECT min(x) FROM v",
	"max":            "SELECT max(x) FROM v",
	"avg":            "SELECT avg(x) FROM v",
	"sum_of_squares": "SELECT COALESCE(sum(x * x), 0) FROM v",
	"variance":       "SELECT " + variance + " FROM v, (SELECT avg(x) AS m FROM v) mean WHERE v.x IS NOT NULL",
	"std":            "SELECT sqrt(" + variance + ") FROM v, (SELECT avg(x) AS m FROM v) mean WHERE v.x IS NOT NULL",
}

const variance = "avg((v.x - mean.m) * (v.x - mean.m))"

// After is the condition that a row comes after the row whose ORDER BY
// keys are vals and whose id is id, in the plan's order (missing values
// first ascending, last descending); its arguments are appended to args.
func (p *Plan) After(vals []any, id int64, args []any) (string, []any) {
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	cond := "a.id > " + arg(id)
	for i := len(p.Keys) - 1; i >= 0; i-- {
		k, v := p.Keys[i], vals[i]
		var gt, eq string
		switch {
		case v == nil && !p.Desc[i]:
			gt, eq = k+" IS NOT NULL", k+" IS NULL"
		case v == nil:
			gt, eq = "FALSE", k+" IS NULL"
		case !p.Desc[i]:
			a := arg(v)
			gt, eq = "COALESCE("+k+" > "+a+", FALSE)", "COALESCE("+k+" = "+a+", FALSE)"
		default:
			a := arg(v)
			gt, eq = "("+k+" IS NULL OR "+k+" < "+a+")", "COALESCE("+k+" = "+a+", FALSE)"
		}
		cond = "(" + gt + " OR (" + eq + " AND " + cond + "))"
	}
	return cond, args
}

// Options are what a compilation needs besides the query.
type Options struct {
	Dialect Dialect
	SiteID  int64
	Schema  schema.Schema
	// NormalizeLoginID gives the stored form of a login ID.
	NormalizeLoginID func(string) string
}

// Compile compiles q. Its errors are *Error, pointing at the part of the
// query that cannot be run.
func Compile(q *Query, o Options) (*Plan, error) {
	c := &compiler{o: o}
	where := "a.site_id = " + c.arg(o.SiteID)
	if q.Where != nil {
		w, err := c.expr(q.Where)
		if err != nil {
			return nil, err
		}
		where += " AND " + w
	}
	whereArgs := len(c.args)
	if a := q.Aggregate; a != nil {
		v, err := c.aggregateValue(a)
		if err != nil {
			return nil, err
		}
		return &Plan{Where: where, OrderBy: "a.id", Args: c.args, WhereArgs: whereArgs, Aggregate: aggregates[a.Func], Value: v}, nil
	}
	var (
		order, keys []string
		desc        []bool
	)
	for _, k := range q.OrderBy {
		e, err := c.sortKey(k.Field)
		if err != nil {
			return nil, err
		}
		keys, desc = append(keys, e), append(desc, k.Desc)
		if k.Desc {
			order = append(order, e+" DESC NULLS LAST")
		} else {
			order = append(order, e+" ASC NULLS FIRST")
		}
	}
	order = append(order, "a.id")
	return &Plan{Where: where, OrderBy: strings.Join(order, ", "), Keys: keys, Desc: desc, Args: c.args, WhereArgs: whereArgs}, nil
}

type compiler struct {
	o    Options
	args []any
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

func (c *compiler) pg() bool { return c.o.Dialect == Postgres }

func (c *compiler) expr(e Expr) (string, error) {
	switch e := e.(type) {
	case *And:
		return c.binary(e.L, e.R, "AND")
	case *Or:
		return c.binary(e.L, e.R, "OR")
	case *Not:
		x, err := c.expr(e.X)
		return "NOT " + x, err
	}
	leaf, err := c.leaf(e)
	if err != nil {
		return "", err
	}
	if !c.nullable(e) {
		// Bare, so that the planner can lead with its index.
		return "(" + leaf + ")", nil
	}
	// Two-valued logic: a condition on a missing value is false, so that
	// NOT and != are the complement of what they negate.
	return "COALESCE((" + leaf + "), FALSE)", nil
}

// nullable tells whether a condition may be NULL: not the ones on login
// IDs (a.id IN (…)) nor on the columns that are NOT NULL.
func (c *compiler) nullable(e Expr) bool {
	var f Field
	switch e := e.(type) {
	case *Compare:
		f = e.Field
	case *In:
		f = e.Field
	case *Contains:
		// Not nullable when the index leads (indexed checks the rest).
		t, err := resolve(e.Field.Path, e.Field.Pos)
		return err != nil || e.Not || !c.indexed(t, e.Value)
	default:
		return true
	}
	t, err := resolve(f.Path, f.Pos)
	return err != nil || t.kind == kJSON || t.kind == kTime
}

func (c *compiler) binary(l, r Expr, op string) (string, error) {
	a, err := c.expr(l)
	if err != nil {
		return "", err
	}
	b, err := c.expr(r)
	if err != nil {
		return "", err
	}
	return "(" + a + " " + op + " " + b + ")", nil
}

func (c *compiler) leaf(e Expr) (string, error) {
	switch e := e.(type) {
	case *Compare:
		if e.Value.Kind == Null {
			switch e.Op {
			case "=":
				return c.leaf(&IsNull{Field: e.Field})
			case "!=":
				return c.leaf(&IsNull{Field: e.Field, Not: true})
			}
			return "", &Error{e.Value.Pos, "null compares only with = and !="}
		}
		if e.Op == "!=" {
			eq, err := c.expr(&Compare{e.Field, "=", e.Value})
			return "NOT " + eq, err
		}
		return c.compare(e.Field, e.Op, e.Value)
	case *In:
		if t, err := resolve(e.Field.Path, e.Field.Pos); err == nil && t.kind == kLoginID {
			return c.loginID(t, e.Values)
		}
		var parts []string
		for _, v := range e.Values {
			p, err := c.expr(&Compare{e.Field, "=", v})
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, " OR "), nil
	case *IsNull:
		s, err := c.isNull(e.Field)
		if e.Not {
			s = "NOT (" + s + ")"
		}
		return s, err
	case *Contains:
		s, err := c.contains(e.Field, e.Value)
		if e.Not {
			s = "NOT COALESCE((" + s + "), FALSE)"
		}
		return s, err
	case *Regex:
		return c.regex(e)
	}
	return "", fmt.Errorf("search: unknown expression %T", e)
}

func opError(f Field, what string) error {
	return &Error{f.Pos, fmt.Sprintf("%s cannot be used with %s", what, f.Path)}
}

func (c *compiler) compare(f Field, op string, v Value) (string, error) {
	t, err := resolve(f.Path, f.Pos)
	if err != nil {
		return "", err
	}
	switch t.kind {
	case kText:
		col := t.column // equality is byte equality already, and keeps the column's index
		if op != "=" && op != "!=" {
			col = c.textColumn(col)
		}
		return col + " " + op + " " + c.textArg(v), nil
	case kBool:
		b, ok := boolOf(v)
		if !ok || op != "=" {
			return "", &Error{v.Pos, f.Path + " compares with = or != to true or false"}
		}
		return t.column + " = " + c.arg(b), nil
	case kTime:
		ms, err := millis(v)
		if err != nil {
			return "", err
		}
		return "NULLIF(" + t.column + ", 0) " + op + " " + c.arg(ms), nil
	case kLoginID:
		if op != "=" {
			return "", opError(f, op)
		}
		return c.loginID(t, []Value{v})
	}
	return c.jsonCompare(t, f, op, v)
}

func (c *compiler) textArg(v Value) string {
	return c.arg(v.Text)
}

func boolOf(v Value) (bool, bool) {
	switch {
	case v.Kind == Bool:
		return v.Bool, true
	case v.Kind == String && (v.Text == "true" || v.Text == "false"):
		return v.Text == "true", true
	}
	return false, false
}

// millis reads a time: a number is Unix milliseconds, a string ISO 8601.
func millis(v Value) (int64, error) {
	switch v.Kind {
	case Number:
		n, err := strconv.ParseInt(v.Text, 10, 64)
		if err != nil {
			return 0, &Error{v.Pos, "a time is a whole number of milliseconds or an ISO 8601 string"}
		}
		return n, nil
	case String:
		for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
			if t, err := time.Parse(l, v.Text); err == nil {
				return t.UnixMilli(), nil
			}
		}
	}
	return 0, &Error{v.Pos, "a time is a whole number of milliseconds or an ISO 8601 string"}
}

func (c *compiler) loginID(t target, vs []Value) (string, error) {
	var args []string
	for _, v := range vs {
		s := v.Text
		if c.o.NormalizeLoginID != nil {
			s = c.o.NormalizeLoginID(s)
		}
		args = append(args, c.arg(s))
	}
	// Not correlated, so that the primary key (site_id, login_id) of
	// login_ids leads: a lookup, not a scan of the site's accounts.
	return "a.id IN (SELECT l.account_id FROM login_ids l WHERE l.site_id = $1 AND l.login_id IN (" +
		strings.Join(args, ", ") + ") AND l.kind = '" + t.login + "')", nil
}

// valueType is the type a JSON field's literal is compared as: the
// schema's type of the field, or the literal's own kind for a field the
// schema does not know.
func (c *compiler) valueType(t target, v Value) Kind {
	f, ok := c.o.Schema.Field(schema.Object(t.object), strings.Join(t.keys, "."))
	if ok {
		switch f.Type {
		case schema.Integer, schema.Long, schema.Float:
			return Number
		case schema.Boolean:
			return Bool
		case schema.String, schema.BasicString, schema.Text, schema.Date:
			return String
		}
	}
	return v.Kind
}

// json returns the expressions of a JSON path: its value as SQL (per
// engine: SQLite's json_extract, PostgreSQL's jsonb) and its JSON type name.
func (c *compiler) json(t target) (value, typ string) {
	if c.pg() {
		p := c.arg(t.keys) + "::text[]"
		return t.column + " #> " + p, "jsonb_typeof(" + t.column + " #> " + p + ")"
	}
	p := c.arg("$." + strings.Join(t.keys, "."))
	return "json_extract(" + t.column + ", " + p + ")", "json_type(" + t.column + ", " + p + ")"
}

func (c *compiler) jsonCompare(t target, f Field, op string, v Value) (string, error) {
	want := c.valueType(t, v)
	val, typ := c.json(t)
	switch want {
	case Number:
		if v.Kind == String {
			if _, err := strconv.ParseFloat(v.Text, 64); err != nil {
				return "", &Error{v.Pos, f.Path + " holds numbers"}
			}
		} else if v.Kind != Number {
			return "", &Error{v.Pos, f.Path + " holds numbers"}
		}
		if c.pg() {
			return "CASE WHEN " + typ + " = 'number' THEN (" + val + ")::numeric END " + op + " " + c.arg(v.Text) + "::numeric", nil
		}
		n, _ := strconv.ParseFloat(v.Text, 64)
		var a any = n
		if i, err := strconv.ParseInt(v.Text, 10, 64); err == nil {
			a = i
		}
		return "CASE WHEN " + typ + " IN ('integer', 'real') THEN " + val + " END " + op + " " + c.arg(a), nil
	case Bool:
		b, ok := boolOf(v)
		if !ok || op != "=" {
			return "", &Error{v.Pos, f.Path + " compares with = or != to true or false"}
		}
		if c.pg() {
			return typ + " = 'boolean' AND (" + val + ")::text = " + c.arg(strconv.FormatBool(b)), nil
		}
		return typ + " = " + c.arg(strconv.FormatBool(b)), nil
	}
	if v.Kind == Bool {
		return "", &Error{v.Pos, f.Path + " holds text"}
	}
	return c.jsonText(typ, val) + " " + op + " " + c.arg(v.Text), nil
}

// jsonText is the value of a JSON path when it is a string, else NULL;
// PostgreSQL orders it bytewise as SQLite does.
func (c *compiler) jsonText(typ, val string) string {
	if c.pg() {
		return "CASE WHEN " + typ + " = 'string' THEN (" + val + ") #>> '{}' END COLLATE \"C\""
	}
	return "CASE WHEN " + typ + " = 'text' THEN " + val + " END"
}

func (c *compiler) isNull(f Field) (string, error) {
	t, err := resolve(f.Path, f.Pos)
	if err != nil {
		return "", err
	}
	switch t.kind {
	case kText, kBool:
		return "FALSE", nil
	case kTime:
		return t.column + " = 0", nil
	case kLoginID:
		return "NOT EXISTS (SELECT 1 FROM login_ids l WHERE l.account_id = a.id AND l.kind = '" + t.login + "')", nil
	}
	_, typ := c.json(t)
	return typ + " IS NULL OR " + typ + " = 'null'", nil
}

// wordSep are the characters between words, as words splits: the ASCII
// control characters, the space and ASCII punctuation (the underscore
// too, as Gigya documents). Not \s, which differs between RE2 and
// PostgreSQL and misses the other control characters.
const wordSep = "[\\x00-\\x20!\"#$%&'()*+,./:;<=>?@\\[\\\\\\]^_`{|}~-]"

// words splits s at wordSep.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r <= ' ' || r < 0x80 && strings.ContainsRune("!\"#$%&'()*+,./:;<=>?@[\\]^_`{|}~-", r)
	})
}

// wordPattern matches text holding the words of s in a row.
func wordPattern(s string) string {
	return "(^|" + wordSep + ")" + strings.Join(words(s), wordSep+"+") + "(" + wordSep + "|$)"
}

func (c *compiler) contains(f Field, v Value) (string, error) {
	t, err := resolve(f.Path, f.Pos)
	if err != nil {
		return "", err
	}
	switch t.kind {
	case kBool, kTime:
		return "", opError(f, "CONTAINS")
	case kLoginID:
		// Login IDs are matched whole and without case, as Gigya matches
		// encrypted fields.
		return c.loginID(t, []Value{v})
	}
	if len(words(v.Text)) == 0 {
		return "", &Error{v.Pos, "CONTAINS needs at least one word"}
	}
	if t.kind == kText {
		return c.match(t.column, wordPattern(v.Text)), nil
	}
	val, typ := c.json(t)
	text := c.match(c.jsonText(typ, val), wordPattern(v.Text))
	// An array contains an element equal to the value.
	var elem string
	if c.pg() {
		if v.Kind == Number {
			elem = "jsonb_build_array(" + c.arg(v.Text) + "::numeric)"
		} else {
			elem = "jsonb_build_array(" + c.arg(v.Text) + "::text)"
		}
		exact := "(" + text + ") OR (" + typ + " = 'array' AND " + val + " @> " + elem + ")"
		if c.indexed(t, v) {
			// The GIN index of accounts.words (00014) narrows to the
			// accounts whose objects hold every word anywhere (folded
			// case, any field, any order), split as that column splits;
			// the regular expression and the array check decide.
			return "a.words @@ plainto_tsquery('simple', regexp_replace(" + c.arg(v.Text) +
				"::text, '[^[:alnum:]]', ' ', 'g')) AND COALESCE((" + exact + "), FALSE)", nil
		}
		return exact, nil
	}
	if c.indexed(t, v) {
		// The FTS5 index of 00014 narrows to the accounts whose object
		// holds the words anywhere (folded case, any field); the regular
		// expression and the array check decide.
		m := t.object + " : \"" + strings.Join(words(v.Text), " ") + "\""
		exact, err := c.containsExact(t, v, text, typ)
		return "a.id IN (SELECT rowid FROM account_words WHERE account_words MATCH " + c.arg(m) + ") AND COALESCE((" +
			exact + "), FALSE)", err
	}
	return c.containsExact(t, v, text, typ)
}

// indexed tells whether contains v on t narrows with the index of words:
// a string of words that each hold a letter or digit (SQLite's FTS5
// tokenizer drops the rest) or, on PostgreSQL, an ASCII one (a letter in
// every locale's [[:alnum:]]) and are shorter than the 2047 bytes of a
// tsvector's word; with a word that the index left out, it would miss.
func (c *compiler) indexed(t target, v Value) bool {
	if t.kind != kJSON || v.Kind != String {
		return false
	}
	alnum := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	if c.pg() {
		alnum = func(r rune) bool { return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) }
	}
	for _, w := range words(v.Text) {
		if !strings.ContainsFunc(w, alnum) || c.pg() && len(w) >= 2047 {
			return false
		}
	}
	return true
}

// containsExact is contains on SQLite without the index.
func (c *compiler) containsExact(t target, v Value, text, typ string) (string, error) {
	path := "$." + strings.Join(t.keys, ".")
	var a any = v.Text
	etype := "'text'"
	if v.Kind == Number {
		n, _ := strconv.ParseFloat(v.Text, 64)
		a, etype = n, "'integer', 'real'"
	}
	return "(" + text + ") OR (" + typ + " = 'array' AND EXISTS (SELECT 1 FROM json_each(" + t.column + ", " +
		c.arg(path) + ") e WHERE e.type IN (" + etype + ") AND e.value = " + c.arg(a) + "))", nil
}

// match is a regular-expression match of text against an unanchored
// pattern: RE2 in SQLite (a function the store registers), an ARE in
// PostgreSQL; translatePattern keeps to what both read alike.
func (c *compiler) match(text, pattern string) string {
	if c.pg() {
		return "(" + text + ") ~ " + c.arg(pattern)
	}
	return "custos_regexp(" + c.arg("(?s)"+pattern) + ", " + text + ")"
}

func (c *compiler) regex(e *Regex) (string, error) {
	t, err := resolve(e.Field.Path, e.Field.Pos)
	if err != nil {
		return "", err
	}
	re, err := translatePattern(e.Pattern, e.Pos)
	if err != nil {
		return "", err
	}
	anchored := "^(?:" + re + ")$"
	switch t.kind {
	case kText:
		return c.match(t.column, anchored), nil
	case kJSON:
		val, typ := c.json(t)
		return c.match(c.jsonText(typ, val), anchored), nil
	}
	return "", opError(e.Field, "REGEX")
}

// aggregateValue is the value of an aggregate's field in an account: a
// double on SQLite (past its range, an infinity), a numeric on PostgreSQL
// (whose doubles would fail there); values that are not numbers are NULL.
func (c *compiler) aggregateValue(a *Aggregate) (string, error) {
	t, err := resolve(a.Field.Path, a.Field.Pos)
	if err != nil {
		return "", err
	}
	if t.kind != kJSON || c.valueType(t, Value{Kind: String}) != Number {
		return "", &Error{a.Field.Pos, fmt.Sprintf("%s() needs a field the schema types as a number (integer, long or float), not %s", a.Func, a.Field.Path)}
	}
	val, typ := c.json(t)
	if c.pg() {
		return "CASE WHEN " + typ + " = 'number' THEN (" + val + ")::numeric END", nil
	}
	return "CASE WHEN " + typ + " IN ('integer', 'real') THEN CAST(" + val + " AS REAL) END", nil
}

// textColumn is a text column compared byte by byte on both engines (SQLite
// compares so; PostgreSQL by the database's collation unless told).
func (c *compiler) textColumn(col string) string {
	if c.pg() {
		return col + ` COLLATE "C"`
	}
	return col
}

func (c *compiler) sortKey(f Field) (string, error) {
	t, err := resolve(f.Path, f.Pos)
	if err != nil {
		return "", err
	}
	switch t.kind {
	case kText:
		return c.textColumn(t.column), nil
	case kBool:
		return t.column, nil
	case kTime:
		return "NULLIF(" + t.column + ", 0)", nil
	case kLoginID:
		return "", opError(f, "ORDER BY")
	}
	val, typ := c.json(t)
	if c.valueType(t, Value{Kind: String}) == Number {
		if c.pg() {
			return "CASE WHEN " + typ + " = 'number' THEN (" + val + ")::numeric END", nil
		}
		return "CASE WHEN " + typ + " IN ('integer', 'real') THEN " + val + " END", nil
	}
	return c.jsonText(typ, val), nil
}
