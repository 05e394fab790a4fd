// Package search holds the query language of accounts.search: a
// hand-written recursive-descent parser into a syntax tree, and the
// compiler of that tree into SQL for SQLite and PostgreSQL in which every
// value is a bound parameter (docs/search.md).
package search

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits of a query. LIMIT's default and maximum, START's maximum and the
// cursor batch size are Gigya's; the others bound the work one query asks.
const (
	MaxQueryLength = 8192
	MaxDepth       = 32  // nested parentheses and NOTs
	MaxConditions  = 100 // leaf conditions in WHERE
	MaxInValues    = 1000
	MaxOrderBy     = 8
	MaxSelect      = 100
	MaxPattern     = 256 // bytes of a regex pattern
	DefaultLimit   = 300
	MaxLimit       = 10000
	MaxStart       = 5000
	MaxCursorBatch = 1000
)

// Query is a parsed query.
type Query struct {
	Count     bool          // SELECT count(*)
	Aggregate *Aggregate    // SELECT sum(field) and the like; nil without
	Fields    []SelectField // empty with SELECT *, count(*) or an aggregate
	Where     Expr          // nil without WHERE
	OrderBy   []Order
	Start     int
	Limit     int // DefaultLimit when the query gives none; at most MaxLimit
	HasLimit  bool
}

// Aggregates are the functions of one numeric field that SELECT may
// compute instead of returning accounts.
var Aggregates = []string{"sum", "min", "max", "avg", "sum_of_squares", "variance", "std"}

// Aggregate is SELECT fn(field) [AS alias]: one value over the matches.
type Aggregate struct {
	Func  string // one of Aggregates, lower case
	Field Field
	Alias string
	Pos   int // of the function's name
}

// Name is the key of the aggregate's value in a result: its alias, else
// the function as Gigya names count(*), e.g. "sum(data.n)".
func (a *Aggregate) Name() string {
	if a.Alias != "" {
		return a.Alias
	}
	return a.Func + "(" + a.Field.Path + ")"
}

// SelectField is one field of SELECT, with its AS alias.
type SelectField struct {
	Path  string
	Alias string
}

// Order is one key of ORDER BY.
type Order struct {
	Field Field
	Desc  bool
}

// Field is a field path as written, with where it was written.
type Field struct {
	Path string
	Pos  int
}

// Expr is a condition of WHERE: *And, *Or, *Not, *Compare, *In, *IsNull,
// *Contains or *Regex.
type Expr interface{ expr() }

// And and Or join two conditions.
type (
	And struct{ L, R Expr }
	Or  struct{ L, R Expr }
	Not struct{ X Expr }
)

// Compare is field op value, op one of = != < <= > >=.
type Compare struct {
	Field Field
	Op    string
	Value Value
}

// In is field in (values…).
type In struct {
	Field  Field
	Values []Value
}

// IsNull is field is [not] null.
type IsNull struct {
	Field Field
	Not   bool
}

// Contains is field [not] contains "words".
type Contains struct {
	Field Field
	Value Value
	Not   bool
}

// Regex is field regex('pattern'), the pattern anchored at both ends.
type Regex struct {
	Field   Field
	Pattern string
	Pos     int
}

func (*And) expr()      {}
func (*Or) expr()       {}
func (*Not) expr()      {}
func (*Compare) expr()  {}
func (*In) expr()       {}
func (*IsNull) expr()   {}
func (*Contains) expr() {}
func (*Regex) expr()    {}

// Kind is the kind of a literal.
type Kind int

// The kinds of literals.
const (
	String Kind = iota
	Number
	Bool
	Null
)

// Value is a literal: its kind, its text (a string's content, a number's
// digits) and where it was written.
type Value struct {
	Kind Kind
	Text string
	Bool bool
	Pos  int
}

// Error is a malformed query: what is wrong and where (Pos counts
// characters from 1).
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("at character %d: %s", e.Pos, e.Msg) }

// Parse parses a query.
func Parse(q string) (*Query, error) {
	if len(q) > MaxQueryLength {
		return nil, &Error{1, fmt.Sprintf("the query is longer than %d bytes", MaxQueryLength)}
	}
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	return p.query()
}

type parser struct {
	toks       []token
	i          int
	depth      int
	conditions int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return &Error{t.pos, fmt.Sprintf(format, args...)}
}

// unexpected describes t as what was found instead of want.
func (p *parser) unexpected(t token, want string) error {
	if t.kind == tEOF {
		return p.errorf(t, "expected %s, found the end of the query", want)
	}
	return p.errorf(t, "expected %s, found %s", want, t.describe())
}

func (p *parser) keyword(t token, kw string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) expectKeyword(kw string) error {
	t := p.next()
	if !p.keyword(t, kw) {
		return p.unexpected(t, strings.ToUpper(kw))
	}
	return nil
}

func (p *parser) query() (*Query, error) {
	q := &Query{Limit: DefaultLimit}
	if err := p.expectKeyword("select"); err != nil {
		return nil, err
	}
	if err := p.selectList(q); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("from"); err != nil {
		return nil, err
	}
	t := p.next()
	if t.kind != tIdent {
		return nil, p.unexpected(t, "accounts")
	}
	if !strings.EqualFold(t.text, "accounts") {
		return nil, p.errorf(t, "only FROM accounts is supported, not %s", t.text)
	}
	// The clauses in their fixed order; each may come once.
	clauses := []string{"where", "order", "start", "limit"}
	for {
		t := p.peek()
		if t.kind == tEOF {
			return q, nil
		}
		at := -1
		for i, c := range clauses {
			if p.keyword(t, c) {
				at = i
			}
		}
		if at < 0 {
			if t.kind == tIdent && isUnsupportedClause(t.text) {
				return nil, p.errorf(t, "%s is not supported", strings.ToUpper(t.text))
			}
			if t.kind == tIdent && slicesContainsFold([]string{"where", "order", "start", "limit"}, t.text) {
				return nil, p.errorf(t, "%s is out of place: the clauses go WHERE, ORDER BY, START, LIMIT, each once", strings.ToUpper(t.text))
			}
			return nil, p.unexpected(t, "WHERE, ORDER BY, START, LIMIT or the end of the query")
		}
		clauses = clauses[at+1:]
		p.next()
		var err error
		switch strings.ToLower(t.text) {
		case "where":
			q.Where, err = p.or()
		case "order":
			if q.Aggregate != nil {
				return nil, p.errorf(t, "ORDER BY cannot be used with %s()", q.Aggregate.Func)
			}
			err = p.orderBy(q)
		case "start":
			q.Start, err = p.count(MaxStart, "START")
		case "limit":
			q.Limit, err = p.count(-1, "LIMIT")
			q.HasLimit = true
			// Gigya ignores a LIMIT above its maximum.
			q.Limit = min(q.Limit, MaxLimit)
		}
		if err != nil {
			return nil, err
		}
	}
}

func isUnsupportedClause(s string) bool {
	return slicesContainsFold([]string{"filter", "group", "having", "with", "join", "union", "offset"}, s)
}

func slicesContainsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func (p *parser) selectList(q *Query) error {
	t := p.peek()
	if t.kind == tPunct && t.text == "*" {
		p.next()
		return nil
	}
	if p.keyword(t, "count") && p.i+1 < len(p.toks) && p.toks[p.i+1].text == "(" {
		p.next()
		p.next()
		if s := p.next(); s.text != "*" || s.kind != tPunct {
			return p.unexpected(s, "* in count(*)")
		}
		if c := p.next(); c.text != ")" || c.kind != tPunct {
			return p.unexpected(c, ")")
		}
		q.Count = true
		return nil
	}
	if t.kind == tIdent && slicesContainsFold(Aggregates, t.text) && p.i+1 < len(p.toks) && p.toks[p.i+1].text == "(" {
		return p.aggregate(q)
	}
	for {
		t := p.next()
		if t.kind != tIdent || isKeyword(t.text) {
			return p.unexpected(t, "a field, * or count(*)")
		}
		if p.peek().text == "(" {
			return p.errorf(t, "the function %s is not supported in SELECT", t.text)
		}
		if len(q.Fields) == MaxSelect {
			return p.errorf(t, "more than %d fields in SELECT", MaxSelect)
		}
		f := SelectField{Path: t.text}
		if err := checkSelectPath(t); err != nil {
			return err
		}
		if p.keyword(p.peek(), "as") {
			p.next()
			a := p.next()
			if a.kind != tIdent || strings.Contains(a.text, ".") || isKeyword(a.text) {
				return p.unexpected(a, "a name after AS")
			}
			f.Alias = a.text
		}
		q.Fields = append(q.Fields, f)
		if c := p.peek(); c.kind == tPunct && c.text == "," {
			p.next()
			continue
		}
		return nil
	}
}

// aggregate reads fn(field) [AS alias], the whole of SELECT.
func (p *parser) aggregate(q *Query) error {
	fn := p.next()
	p.next() // (
	f, err := p.field()
	if err != nil {
		return err
	}
	if c := p.next(); c.text != ")" || c.kind != tPunct {
		return p.unexpected(c, ")")
	}
	a := &Aggregate{Func: strings.ToLower(fn.text), Field: f, Pos: fn.pos}
	if p.keyword(p.peek(), "as") {
		p.next()
		n := p.next()
		if n.kind != tIdent || strings.Contains(n.text, ".") || isKeyword(n.text) {
			return p.unexpected(n, "a name after AS")
		}
		a.Alias = n.text
	}
	if c := p.peek(); c.kind == tPunct && c.text == "," {
		return p.errorf(c, "%s() is the only item of its SELECT", a.Func)
	}
	q.Aggregate = a
	return nil
}

func (p *parser) orderBy(q *Query) error {
	if err := p.expectKeyword("by"); err != nil {
		return err
	}
	for {
		f, err := p.field()
		if err != nil {
			return err
		}
		if len(q.OrderBy) == MaxOrderBy {
			return p.errorf(p.toks[p.i-1], "more than %d fields in ORDER BY", MaxOrderBy)
		}
		o := Order{Field: f}
		if t := p.peek(); p.keyword(t, "desc") || p.keyword(t, "asc") {
			p.next()
			o.Desc = strings.EqualFold(t.text, "desc")
		}
		q.OrderBy = append(q.OrderBy, o)
		if c := p.peek(); c.kind == tPunct && c.text == "," {
			p.next()
			continue
		}
		return nil
	}
}

// count reads the non-negative integer of START or LIMIT.
func (p *parser) count(max int, clause string) (int, error) {
	t := p.next()
	if t.kind != tNumber {
		return 0, p.unexpected(t, "a number after "+clause)
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 0 {
		if strings.ContainsAny(t.text, ".eE") || strings.HasPrefix(t.text, "-") {
			return 0, p.errorf(t, "%s takes a whole number of at least 0", clause)
		}
		n = int(^uint(0) >> 1)
	}
	if max >= 0 && n > max {
		return 0, p.errorf(t, "%s is at most %d", clause, max)
	}
	return n, nil
}

func (p *parser) enter(t token) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf(t, "conditions are nested more than %d deep", MaxDepth)
	}
	return nil
}

// or: and (OR and)*
func (p *parser) or() (Expr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword(p.peek(), "or") {
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &Or{l, r}
	}
	return l, nil
}

// and: unary (AND unary)*
func (p *parser) and() (Expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.keyword(p.peek(), "and") {
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &And{l, r}
	}
	return l, nil
}

// unary: (NOT | !) unary | ( or ) | condition
func (p *parser) unary() (Expr, error) {
	t := p.peek()
	switch {
	case p.keyword(t, "not") || t.kind == tPunct && t.text == "!":
		p.next()
		if err := p.enter(t); err != nil {
			return nil, err
		}
		x, err := p.unary()
		p.depth--
		if err != nil {
			return nil, err
		}
		return &Not{x}, nil
	case t.kind == tPunct && t.text == "(":
		p.next()
		if err := p.enter(t); err != nil {
			return nil, err
		}
		x, err := p.or()
		p.depth--
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tPunct || c.text != ")" {
			return nil, p.unexpected(c, "AND, OR or )")
		}
		return x, nil
	}
	return p.condition()
}

func (p *parser) condition() (Expr, error) {
	f, err := p.field()
	if err != nil {
		return nil, err
	}
	p.conditions++
	if p.conditions > MaxConditions {
		return nil, &Error{f.Pos, fmt.Sprintf("more than %d conditions", MaxConditions)}
	}
	t := p.next()
	switch {
	case t.kind == tPunct && isComparison(t.text):
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		op := t.text
		if op == "<>" {
			op = "!="
		}
		return &Compare{f, op, v}, nil
	case p.keyword(t, "in"):
		return p.in(f)
	case p.keyword(t, "is"):
		not := false
		if p.keyword(p.peek(), "not") {
			p.next()
			not = true
		}
		if n := p.next(); !p.keyword(n, "null") {
			return nil, p.unexpected(n, "NULL")
		}
		return &IsNull{f, not}, nil
	case p.keyword(t, "contains"):
		return p.contains(f, false)
	case p.keyword(t, "not"):
		n := p.next()
		if p.keyword(n, "contains") {
			return p.contains(f, true)
		}
		return nil, p.unexpected(n, "CONTAINS after NOT")
	case p.keyword(t, "regex"):
		return p.regex(f)
	}
	return nil, p.unexpected(t, "an operator (= != < <= > >= in contains is regex)")
}

func isComparison(s string) bool {
	switch s {
	case "=", "!=", "<>", "<", "<=", ">", ">=":
		return true
	}
	return false
}

func (p *parser) in(f Field) (Expr, error) {
	if o := p.next(); o.kind != tPunct || o.text != "(" {
		return nil, p.unexpected(o, "( after IN")
	}
	x := &In{Field: f}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if len(x.Values) == MaxInValues {
			return nil, &Error{v.Pos, fmt.Sprintf("more than %d values in IN", MaxInValues)}
		}
		x.Values = append(x.Values, v)
		c := p.next()
		if c.kind == tPunct && c.text == "," {
			continue
		}
		if c.kind == tPunct && c.text == ")" {
			return x, nil
		}
		return nil, p.unexpected(c, ", or )")
	}
}

func (p *parser) contains(f Field, not bool) (Expr, error) {
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if v.Kind == Null {
		return nil, &Error{v.Pos, "CONTAINS takes a string, a number or a boolean"}
	}
	return &Contains{f, v, not}, nil
}

func (p *parser) regex(f Field) (Expr, error) {
	if o := p.next(); o.kind != tPunct || o.text != "(" {
		return nil, p.unexpected(o, "( after REGEX")
	}
	s := p.next()
	if s.kind != tString {
		return nil, p.unexpected(s, "a quoted pattern")
	}
	if err := checkPattern(s.text, s.pos); err != nil {
		return nil, err
	}
	if c := p.next(); c.kind != tPunct || c.text != ")" {
		return nil, p.unexpected(c, ")")
	}
	return &Regex{f, s.text, s.pos}, nil
}

func (p *parser) field() (Field, error) {
	t := p.next()
	if t.kind != tIdent || isKeyword(t.text) {
		return Field{}, p.unexpected(t, "a field")
	}
	if _, err := resolve(t.text, t.pos); err != nil {
		return Field{}, err
	}
	return Field{t.text, t.pos}, nil
}

func (p *parser) value() (Value, error) {
	t := p.next()
	switch {
	case t.kind == tString:
		return Value{Kind: String, Text: t.text, Pos: t.pos}, nil
	case t.kind == tNumber:
		if _, err := strconv.ParseFloat(t.text, 64); err != nil {
			return Value{}, p.errorf(t, "the number %s is out of range", t.text)
		}
		return Value{Kind: Number, Text: t.text, Pos: t.pos}, nil
	case p.keyword(t, "true"), p.keyword(t, "false"):
		return Value{Kind: Bool, Bool: strings.EqualFold(t.text, "true"), Text: strings.ToLower(t.text), Pos: t.pos}, nil
	case p.keyword(t, "null"):
		return Value{Kind: Null, Text: "null", Pos: t.pos}, nil
	}
	return Value{}, p.unexpected(t, "a value (a quoted string, a number, true, false or null)")
}

var keywords = []string{"select", "from", "where", "order", "by", "asc", "desc", "start", "limit", "and", "or",
	"not", "in", "is", "null", "contains", "regex", "as", "true", "false"}

func isKeyword(s string) bool { return slicesContainsFold(keywords, s) }

// ParseCondition parses a condition alone, as it would follow WHERE (the
// filter of the REST dialect's GET /users); positions count from its start.
func ParseCondition(s string) (*Query, error) {
	if len(s) > MaxQueryLength {
		return nil, &Error{1, fmt.Sprintf("the condition is longer than %d bytes", MaxQueryLength)}
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	w, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.unexpected(t, "AND, OR or the end of the condition")
	}
	return &Query{Where: w, Limit: DefaultLimit}, nil
}
