package rpc

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/search"
)

// searchMethods are accounts.search (docs/search.md): a server call, or a
// client call carrying a query the site's server signed (querySig).
func searchMethods(x Accounts) map[string]Method {
	return map[string]Method{
		"accounts.search": {Auth: APIKey, Run: x.search, Params: []string{"query", "openCursor", "cursorId", "timeout",
			"querySig", "expTime",
			// accepted:
			"accountTypes", "restrictedQuery"}},
	}
}

// checkQuerySig lets a client call run the query its site's server signed:
// querySig is Base64(HMAC-SHA1(site secret, query + "_" + expTime)), and
// expTime (Unix ms) has not passed. Cursors are for server calls only.
func (x Accounts) checkQuerySig(c *Call) error {
	p := c.Params
	denied := func(why string) error {
		return errcode.Newf(errcode.PermissionDenied, "Permission denied: accounts.search %s", why)
	}
	if !p.Has("querySig") || !p.Has("expTime") {
		return denied("is a server call, or a client call with querySig and expTime")
	}
	if p.Has("openCursor") || p.Has("cursorId") {
		return denied("with a cursor is a server call")
	}
	exp, err := strconv.ParseInt(p.Get("expTime"), 10, 64)
	if err != nil {
		return errcode.InvalidValue("expTime", "want Unix milliseconds")
	}
	want := querySig(c.Site.Secret, p.Get("query"), p.Get("expTime"))
	got, err := base64.StdEncoding.DecodeString(p.Get("querySig"))
	if err != nil || !hmac.Equal(got, want) {
		return denied("with a querySig that does not sign this query and expTime")
	}
	if x.Now().UnixMilli() >= exp {
		return denied("with a querySig whose expTime has passed")
	}
	return nil
}

// querySig is HMAC-SHA1(secret, query + "_" + expTime).
func querySig(secret []byte, query, expTime string) []byte {
	m := hmac.New(sha1.New, secret)
	m.Write([]byte(query + "_" + expTime))
	return m.Sum(nil)
}

// Search timeouts, in milliseconds, and the life of a cursor (Gigya's).
const (
	defaultSearchTimeout = 20000
	maxSearchTimeout     = 60000
	cursorLife           = 5 * time.Minute
)

// cursor is what a cursorId carries: the query, the id and ORDER BY
// values of the last account returned (a keyset), and when it expires. It is signed with the site
// secret, so that no state is kept on the server and nobody can forge one.
type cursor struct {
	Query   string `json:"q"`
	AfterID int64  `json:"a"`
	After   []any  `json:"k,omitempty"` // the ORDER BY values of that account
	Expires int64  `json:"e"`           // Unix ms
}

func (x Accounts) search(ctx context.Context, c *Call) (any, error) {
	p := c.Params
	if !c.Server {
		if err := x.checkQuerySig(c); err != nil {
			return nil, err
		}
	}
	timeout, err := searchTimeout(p)
	if err != nil {
		return nil, err
	}
	if p.Has("accountTypes") {
		switch p.Get("accountTypes") {
		case "full", "full,lite":
		default:
			return nil, errcode.InvalidValue("accountTypes", "custos has full accounts only")
		}
	}
	cur := cursor{Query: p.Get("query")}
	open := false
	switch {
	case p.Has("cursorId"):
		if p.Has("query") {
			return nil, errcode.InvalidValue("cursorId", "a cursorId comes without a query")
		}
		if cur, err = x.openCursor(c, p.Get("cursorId")); err != nil {
			return nil, err
		}
		open = true
	case cur.Query == "":
		return nil, errcode.Missing("query")
	default:
		if open, err = p.Bool("openCursor", false); err != nil {
			return nil, err
		}
	}
	q, err := search.Parse(cur.Query)
	if err != nil {
		return nil, queryError(err)
	}
	if open && q.Count {
		return nil, errcode.InvalidValue("query", "count(*) cannot be used with a cursor")
	}
	if open && q.Aggregate != nil {
		return nil, queryError(&search.Error{Pos: q.Aggregate.Pos, Msg: q.Aggregate.Func + "() cannot be used with a cursor"})
	}
	if open && q.Start > 0 {
		return nil, errcode.InvalidValue("query", "START cannot be used with a cursor")
	}
	if open && q.Limit == 0 {
		return nil, errcode.InvalidValue("query", "LIMIT is the size of a cursor's pages: at least 1")
	}
	page := account.SearchPage{Offset: q.Start, Limit: q.Limit, AfterID: cur.AfterID, After: cur.After}
	switch {
	case q.Count, q.Aggregate != nil:
		page.Limit, page.Offset = 0, 0
	case open:
		// One more than the batch tells whether there is a next page.
		page.Limit = min(q.Limit, search.MaxCursorBatch) + 1
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(timeout)*time.Millisecond)
	defer cancel()
	res, err := x.Accounts.Search(ctx, c.Site, q, page)
	if err != nil {
		return nil, searchFailure(ctx, err, timeout)
	}
	found, total := res.Accounts, res.Total
	if q.Count {
		return obj{"results": []obj{{"count(*)": total}}, "objectsCount": 1, "totalCount": total}, nil
	}
	if a := q.Aggregate; a != nil {
		return obj{"results": []obj{{a.Name(): aggregateValue(a, res.Value)}}, "objectsCount": 1, "totalCount": total}, nil
	}
	out := obj{"totalCount": total}
	if open && len(found) == page.Limit {
		found = found[:page.Limit-1]
		next := cursor{Query: cur.Query, AfterID: found[len(found)-1].ID, After: res.Keys[len(found)-1],
			Expires: x.Now().Add(cursorLife).UnixMilli()}
		out["nextCursorId"] = x.sealCursor(c, next)
	}
	results := make([]obj, 0, len(found))
	for _, a := range found {
		r, err := x.searchResult(ctx, c, a, q.Fields)
		if err != nil {
			return nil, searchFailure(ctx, err, timeout)
		}
		results = append(results, r)
	}
	out["results"], out["objectsCount"] = results, len(results)
	return out, nil
}

// aggregateValue is an aggregate's value as Gigya gives it: min and max
// of nothing are "infinity" and "-infinity"; avg, variance and std of
// nothing are null. A value past a double's range is written the same
// way ("infinity", "-infinity"; null when undefined), as JSON has no such
// numbers.
func aggregateValue(a *search.Aggregate, v *float64) any {
	switch {
	case v != nil && math.IsInf(*v, 1):
		return "infinity"
	case v != nil && math.IsInf(*v, -1):
		return "-infinity"
	case v != nil && math.IsNaN(*v):
		return nil
	case v != nil:
		return *v
	case a.Func == "min":
		return "infinity"
	case a.Func == "max":
		return "-infinity"
	}
	return nil
}

func searchTimeout(p *Params) (int, error) {
	if !p.Has("timeout") {
		return defaultSearchTimeout, nil
	}
	n, err := strconv.Atoi(p.Get("timeout"))
	if err != nil || n < 1 {
		return 0, errcode.InvalidValue("timeout", "want a whole number of milliseconds, at least 1")
	}
	return min(n, maxSearchTimeout), nil
}

// queryError is 400006 naming the query and where it went wrong.
func queryError(err error) error {
	var se *search.Error
	if errors.As(err, &se) {
		return errcode.InvalidValue("query", se.Error())
	}
	return err
}

// searchFailure maps what stopped a search: a query the compiler refuses
// (400006), the request's timeout (504002), or anything else as it is.
func searchFailure(ctx context.Context, err error, timeout int) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errcode.Newf(errcode.RequestTimeout, "Request Timeout: the search took longer than its timeout of %d ms", timeout)
	}
	return queryError(err)
}

// searchResult renders a as getAccountInfo does, with every object, and
// keeps the fields SELECT names (all with SELECT *).
func (x Accounts) searchResult(ctx context.Context, c *Call, a account.Account, fields []search.SelectField) (obj, error) {
	inc := include{"profile": true, "data": true, "preferences": true, "subscriptions": true}
	needIDs := len(fields) == 0
	for _, f := range fields {
		root, _, _ := strings.Cut(f.Path, ".")
		needIDs = needIDs || root == "loginIDs" || root == "emails"
	}
	var ids []account.StoredLoginID
	if needIDs {
		inc["loginIDs"], inc["emails"] = true, true
		var err error
		if ids, err = x.Accounts.LoginIDsOf(ctx, a); err != nil {
			return nil, err
		}
	}
	view := x.view(c, a, ids, inc, false)
	if len(fields) == 0 {
		return view, nil
	}
	out := obj{}
	for _, f := range fields {
		keys := strings.Split(f.Path, ".")
		v, ok := lookupPath(view, keys)
		if !ok {
			continue
		}
		if f.Alias != "" {
			keys[len(keys)-1] = f.Alias
		}
		setPath(out, keys, v)
	}
	return out, nil
}

func lookupPath(m obj, keys []string) (any, bool) {
	var v any = m
	for _, k := range keys {
		o, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = o[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

func setPath(m obj, keys []string, v any) {
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = obj{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
}

// numberValue is an ORDER BY value of a cursor as the store gave it: a
// whole number as int64, any other as float64.
func numberValue(n json.Number) (any, bool) {
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	return f, err == nil
}

// cursorKey is the key of a site's cursor signatures, apart from every
// other use of the site secret.
func cursorKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("custos accounts.search cursor"))
	return m.Sum(nil)
}

func (x Accounts) sealCursor(c *Call, cur cursor) string {
	body, _ := json.Marshal(cur)
	m := hmac.New(sha256.New, cursorKey(c.Site.Secret))
	m.Write(body)
	return base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (x Accounts) openCursor(c *Call, id string) (cursor, error) {
	bad := errcode.InvalidValue("cursorId", "unknown cursor")
	b64, sig, ok := strings.Cut(id, ".")
	if !ok || len(id) > 16384 {
		return cursor{}, bad
	}
	body, err1 := base64.RawURLEncoding.DecodeString(b64)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return cursor{}, bad
	}
	m := hmac.New(sha256.New, cursorKey(c.Site.Secret))
	m.Write(body)
	var cur cursor
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if !hmac.Equal(mac, m.Sum(nil)) || dec.Decode(&cur) != nil {
		return cursor{}, bad
	}
	for i, v := range cur.After {
		if n, ok := v.(json.Number); ok {
			if cur.After[i], ok = numberValue(n); !ok {
				return cursor{}, bad
			}
		}
	}
	if x.Now().UnixMilli() >= cur.Expires {
		return cursor{}, errcode.InvalidValue("cursorId", fmt.Sprintf("the cursor expired (a cursor lives %d minutes after its page)", int(cursorLife/time.Minute)))
	}
	return cur, nil
}
