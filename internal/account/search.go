package account

import (
	"context"
	"fmt"

	"github.com/custos-id/custos/internal/schema"
	"github.com/custos-id/custos/internal/search"
	"github.com/custos-id/custos/internal/site"
)

// SearchPage is which part of a search's matches to return.
type SearchPage struct {
	// AfterID and After are a keyset: the accounts after the one with this
	// id and these ORDER BY values (of the page before's last account).
	AfterID int64
	After   []any
	Offset  int
	Limit   int // 0: only the total
	NoTotal bool
}

// Searcher runs searches; *store.DB implements it.
type Searcher interface {
	SearchAccounts(ctx context.Context, siteID int64, sc schema.Schema, q *search.Query, page SearchPage) (SearchResult, error)
}

// SearchResult is a page of a search.
type SearchResult struct {
	Accounts []Account
	Total    int // matches in all pages; -1 with SearchPage.NoTotal
	// Keys are the ORDER BY values of each account, for SearchPage.After.
	Keys [][]any
	// Value is the query's aggregate (search.Query.Aggregate), nil when
	// there was nothing to compute it over (or no aggregate); an infinity
	// past a double's range.
	Value *float64
}

// Search runs q over the accounts of st, typed by its schema. A query the
// store cannot run fails with a *search.Error.
func (s *Service) Search(ctx context.Context, st site.Site, q *search.Query, page SearchPage) (SearchResult, error) {
	sr, ok := s.store.(Searcher)
	if !ok {
		return SearchResult{}, fmt.Errorf("account: the store %T cannot search", s.store)
	}
	return sr.SearchAccounts(ctx, st.ID, st.Schema, q, page)
}
