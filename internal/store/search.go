package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"

	"modernc.org/sqlite"

	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/search"
)

var _ account.Searcher = (*DB)(nil)

// SearchAccounts implements account.Searcher: one page of the accounts of
// a site that q matches, in q's order (then by id), after the keyset of
// page when it has one, and how many match in all (-1 when page.NoTotal);
// with an aggregate, its value instead of a page.
// q's values are bound parameters; its field names come from search's
// fixed table.
func (db *DB) SearchAccounts(ctx context.Context, siteID int64, sc schema.Schema, q *search.Query, page account.SearchPage) (
	account.SearchResult, error) {
	res := account.SearchResult{Total: -1}
	plan, err := db.compile(siteID, sc, q)
	if err != nil {
		return res, err
	}
	if page.AfterID != 0 && len(page.After) != len(plan.Keys) {
		return res, &search.Error{Pos: 1, Msg: "the cursor does not fit the query"}
	}
	if !page.NoTotal {
		if err := db.row(ctx, `SELECT count(*) FROM accounts a WHERE `+plan.Where, plan.Args[:plan.WhereArgs]...).Scan(&res.Total); err != nil {
			return res, err
		}
	}
	if plan.Aggregate != "" {
		// As text: PostgreSQL's numeric, SQLite's double (or infinity).
		var v sql.NullString
		if err := db.row(ctx, plan.AggregateSQL(), plan.Args...).Scan(&v); err != nil {
			return res, err
		}
		if v.Valid {
			f, err := strconv.ParseFloat(v.String, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return res, fmt.Errorf("store: the aggregate %q: %w", v.String, err)
			}
			res.Value = &f // past a double's range: an infinity
		}
		return res, nil
	}
	if page.Limit == 0 {
		return res, nil
	}
	query, args := searchSQL(plan, page)
	rows, err := db.rows(ctx, query, args...)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	for rows.Next() {
		keys := make([]any, len(plan.Keys))
		ptrs := make([]any, len(keys))
		for i := range keys {
			ptrs[i] = &keys[i]
		}
		a, err := scanAccountInto(rows, ptrs...)
		if err != nil {
			return res, err
		}
		for i, k := range keys {
			if b, ok := k.([]byte); ok {
				keys[i] = string(b)
			}
		}
		res.Accounts, res.Keys = append(res.Accounts, a), append(res.Keys, keys)
	}
	return res, rows.Err()
}

func (db *DB) compile(siteID int64, sc schema.Schema, q *search.Query) (*search.Plan, error) {
	d := search.SQLite
	if db.engine == Postgres {
		d = search.Postgres
	}
	return search.Compile(q, search.Options{Dialect: d, SiteID: siteID, Schema: sc,
		NormalizeLoginID: func(s string) string { v, _ := account.NormalizeLoginID(s); return v }})
}

// searchSQL is the query of a page of plan's matches: the ORDER BY keys,
// then the account.
func searchSQL(plan *search.Plan, page account.SearchPage) (string, []any) {
	args := slices.Clone(plan.Args)
	where := plan.Where
	if page.AfterID != 0 {
		var after string
		after, args = plan.After(page.After, page.AfterID, args)
		where += " AND " + after
	}
	args = append(args, page.Limit, page.Offset)
	cols := ""
	for _, k := range plan.Keys {
		cols += k + ", "
	}
	return `SELECT ` + cols + accountColumns + ` FROM accounts a WHERE ` + where + ` ORDER BY ` + plan.OrderBy +
		` LIMIT $` + itoa(len(args)-1) + ` OFFSET $` + itoa(len(args)), args
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

// custos_regexp(pattern, text) is the RE2 match search compiles regex()
// and CONTAINS to on SQLite. Patterns are compiled once and kept, up to
// a bound.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("custos_regexp", 2,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			p, ok := args[0].(string)
			s, ok2 := args[1].(string)
			if !ok || !ok2 {
				return nil, nil
			}
			re, err := patterns.get(p)
			if err != nil {
				return nil, err
			}
			return re.MatchString(s), nil
		})
}

var patterns = &patternCache{m: map[string]*regexp.Regexp{}}

type patternCache struct {
	mu sync.RWMutex // read for every row a search evaluates: concurrent searches share it
	m  map[string]*regexp.Regexp
}

func (c *patternCache) get(p string) (*regexp.Regexp, error) {
	c.mu.RLock()
	re, ok := c.m[p]
	c.mu.RUnlock()
	if ok {
		return re, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	if len(c.m) >= 256 {
		clear(c.m)
	}
	c.m[p] = re
	return re, nil
}
