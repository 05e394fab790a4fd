package rest

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/account"
	"github.com/custos-id/custos/internal/search"
)

// searchTimeout bounds a GET /users?query=… as accounts.search's default
// timeout bounds an RPC search.
const searchTimeout = 20 * time.Second

// search answers the users of GET /users whose accounts match the query
// parameter: a condition of accounts.search's language, as it would
// follow WHERE (docs/search.md). The other filters do not combine with it.
func (u Users) search(ctx context.Context, r *Request, q url.Values, offset, limit int) ([]account.Account, int, error) {
	for _, f := range []string{"email_address", "username", "ids"} {
		if q.Has(f) {
			return nil, 0, errcode.InvalidValue("query", "not with "+f+" (write it in the query)")
		}
	}
	cond, err := search.ParseCondition(q.Get("query"))
	if err != nil {
		return nil, 0, queryError(err)
	}
	ctx, cancel := context.WithTimeout(ctx, searchTimeout)
	defer cancel()
	res, err := u.Accounts.Search(ctx, r.Site, cond, account.SearchPage{Offset: offset, Limit: limit})
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, 0, errcode.Newf(errcode.RequestTimeout, "Request Timeout: the search took longer than %s", searchTimeout)
	}
	if err != nil {
		return nil, 0, queryError(err)
	}
	return res.Accounts, res.Total, nil
}

// queryError is 400006 naming the query and where it went wrong.
func queryError(err error) error {
	var se *search.Error
	if errors.As(err, &se) {
		return errcode.InvalidValue("query", se.Error())
	}
	return err
}
